// Search results on the wire (message SearchResult): traces with their matching spansets, as a
// source answers a search and the frontend merges them.
import { spansetResultBytes } from '@spanbase/traceql';
import type { ResultAttribute, SearchResult, SpanResult, SpansetResult, TraceResult } from '@spanbase/traceql';
import { ProtoReader, ProtoWriter, WireType } from './proto.ts';
import { readCount, readNested, writeCount, writeInt64, writeNested, writeOptionalString, writeString, writeUint } from './proto.ts';
import { readKeyValue, writeKeyValue } from './values.ts';

function writeAttributes(w: ProtoWriter, no: number, list: readonly ResultAttribute[]): void {
  for (const a of list) writeKeyValue(w, no, a.key, a.value);
}

function writeSpan(w: ProtoWriter, s: SpanResult): void {
  writeString(w, 1, s.spanId);
  writeOptionalString(w, 2, s.name);
  writeInt64(w, 3, s.startTimeUnixNano);
  writeInt64(w, 4, s.durationNanos);
  writeAttributes(w, 5, s.attributes);
}

function readSpan(r: ProtoReader): SpanResult {
  return readNested(r, { spanId: '', name: undefined as string | undefined, startTimeUnixNano: 0n, durationNanos: 0n, attributes: [] as ResultAttribute[] }, (r, no, _t, s) => {
    if (no === 1) s.spanId = r.string();
    else if (no === 2) s.name = r.string();
    else if (no === 3) s.startTimeUnixNano = r.int64();
    else if (no === 4) s.durationNanos = r.int64();
    else if (no === 5) s.attributes.push(readKeyValue(r));
    else return false;
    return true;
  });
}

function writeSpanset(w: ProtoWriter, ss: SpansetResult): void {
  writeUint(w, 1, ss.matched);
  for (const s of ss.spans) writeNested(w, 2, (x) => writeSpan(x, s));
  writeAttributes(w, 3, ss.attributes);
}

function readSpanset(r: ProtoReader): SpansetResult {
  return readNested(r, { matched: 0, spans: [] as SpanResult[], attributes: [] as ResultAttribute[] }, (r, no, _t, ss) => {
    if (no === 1) ss.matched = r.uint32();
    else if (no === 2) ss.spans.push(readSpan(r));
    else if (no === 3) ss.attributes.push(readKeyValue(r));
    else return false;
    return true;
  });
}

function writeTrace(w: ProtoWriter, t: TraceResult): void {
  writeString(w, 1, t.traceId);
  writeOptionalString(w, 2, t.rootServiceName);
  writeOptionalString(w, 3, t.rootTraceName);
  writeInt64(w, 4, t.startTimeUnixNano);
  writeInt64(w, 5, t.durationNanos);
  // Packed spansets are already field 6 of this message.
  if (t.packed) w.raw(t.packed.bytes);
  for (const ss of t.spansets) writeNested(w, 6, (x) => writeSpanset(x, ss));
}

function readTrace(r: ProtoReader): TraceResult {
  return readNested(r, { traceId: '', rootServiceName: undefined as string | undefined, rootTraceName: undefined as string | undefined, startTimeUnixNano: 0n, durationNanos: 0n, spansets: [] as SpansetResult[] }, (r, no, _t, t) => {
    if (no === 1) t.traceId = r.string();
    else if (no === 2) t.rootServiceName = r.string();
    else if (no === 3) t.rootTraceName = r.string();
    else if (no === 4) t.startTimeUnixNano = r.int64();
    else if (no === 5) t.durationNanos = r.int64();
    else if (no === 6) t.spansets.push(readSpanset(r));
    else return false;
    return true;
  });
}

/** Writes the body of a SearchResult message. */
export function writeSearchResult(w: ProtoWriter, s: SearchResult): void {
  for (const t of s.traces) writeNested(w, 1, (x) => writeTrace(x, t));
  writeCount(w, 2, s.inspectedTraces);
  writeCount(w, 3, s.inspectedSpans);
}

/** Reads a nested SearchResult message (its tag just read). */
export function readSearchResult(r: ProtoReader): SearchResult {
  return readNested(r, { traces: [] as TraceResult[], inspectedTraces: 0, inspectedSpans: 0 }, (r, no, _t, s) => {
    if (no === 1) s.traces.push(readTrace(r));
    else if (no === 2) s.inspectedTraces = readCount(r);
    else if (no === 3) s.inspectedSpans = readCount(r);
    else return false;
    return true;
  });
}

/**
 * The result with each trace's spansets packed into bytes (in the trace's own buffer, so keeping
 * one trace keeps no other): what a worker thread hands over, so that the thread merging results
 * receives a few objects per trace instead of one per span and attribute. The result's other
 * fields stay as they are.
 */
export function packSearchResult<R extends SearchResult>(r: R): R {
  const w = new ProtoWriter(4096);
  const traces = r.traces.map((t): TraceResult => {
    if (t.spansets.length === 0) return t;
    w.pos = 0;
    if (t.packed) w.raw(t.packed.bytes);
    let spans = t.packed?.spans ?? 0;
    let jsonBytes = t.packed?.jsonBytes ?? 0;
    t.spansets.forEach((ss, i) => {
      writeNested(w, 6, (x) => writeSpanset(x, ss));
      spans += ss.spans.length;
      jsonBytes += (i === 0 && !t.packed ? 2 : 1) * spansetResultBytes(ss);
    });
    const packed = { bytes: w.result().slice(), spansets: (t.packed?.spansets ?? 0) + t.spansets.length, spans, jsonBytes };
    return { ...t, spansets: [], packed };
  });
  return { ...r, traces };
}

/** A trace's spansets, the packed ones decoded (for the answer worker and other readers of spans). */
export function spansetsOf(t: TraceResult): readonly SpansetResult[] {
  if (!t.packed) return t.spansets;
  const out: SpansetResult[] = [];
  const r = new ProtoReader(t.packed.bytes);
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === ((6 << 3) | WireType.LEN)) out.push(readSpanset(r));
    else r.skip(tag);
  }
  return out.concat(t.spansets);
}

/** The trace with every spanset decoded (`packed` gone). */
export function unpackTrace(t: TraceResult): TraceResult {
  if (!t.packed) return t;
  const { packed: _, ...rest } = t;
  return { ...rest, spansets: spansetsOf(t) };
}
