// Head blocks as flush batches. On the event loop, buildFlushBatch only records which spans of
// which accepted requests belong to which trace (integer arrays). On the sink's side,
// batchEncodedTraces sorts the traces by id (merging generations of one trace) and hands the
// block writer each trace's spans as byte ranges in the requests (EncodedSpan), which it copies
// into columns without decoding them to objects — one trace at a time, so memory stays bounded
// by the writer's row group rather than the batch. A request's resources and scopes are decoded
// once and shared by all its spans, so the writer converts each once per row group.
import type { EncodedSpan, TimeBounds } from '@spanbase/block';
import { compareIds } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { MessageDecoder } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';
import type { FlushBatch } from './block-sink.ts';
import { ChunkDecoder, SharedDecodes } from './chunk-decoder.ts';
import type { Chunk } from './chunk.ts';
import type { LiveTrace } from './live-trace.ts';
import { TRACES_PER_STEP, finish } from './stepwise.ts';

/**
 * Builds the sink's input for a head block. Cheap: no bytes are copied here. With `slackMs`, the
 * block's recorded time range is bounded by the receive times of its requests plus or minus that
 * slack (see TimeBounds): a client whose clock is far off (a span dated 2500, an end time of
 * 2^64-1, a clock restarted at 0) cannot make the block end later or earlier than the moment it
 * arrived, which search windows, compaction and retention go by.
 */
export function buildFlushBatch(tenant: string, traces: readonly LiveTrace[], slackMs?: number): FlushBatch {
  return finish(flushBatchSteps(tenant, traces, slackMs));
}

/** buildFlushBatch in steps (see stepwise.ts). */
export function* flushBatchSteps(tenant: string, traces: readonly LiveTrace[], slackMs?: number): Generator<void, FlushBatch> {
  const chunkIndex = new Map<Chunk, number>();
  const chunks: ScannedRequest[] = [];
  let refs = 0;
  for (const t of traces) refs += t.spanCount;
  const traceStarts = new Uint32Array(traces.length + 1);
  const chunkOf = new Uint32Array(refs);
  const spanOf = new Uint32Array(refs);
  let at = 0;
  let firstReceived = Infinity;
  let lastReceived = -Infinity;
  for (let i = 0; i < traces.length; i++) {
    if (i > 0 && i % TRACES_PER_STEP === 0) yield;
    const t = traces[i];
    traceStarts[i] = at;
    for (let k = 0; k < t.spans.length; k++) {
      const c = t.chunks[k];
      let ci = chunkIndex.get(c);
      if (ci === undefined) {
        ci = chunks.length;
        chunkIndex.set(c, ci);
        chunks.push(c.scan);
        // 0 is a receive time the WAL could not record: it bounds nothing.
        if (c.receivedAtMs > 0 && c.receivedAtMs < firstReceived) firstReceived = c.receivedAtMs;
        if (c.receivedAtMs > lastReceived) lastReceived = c.receivedAtMs;
      }
      chunkOf[at] = ci;
      spanOf[at] = t.spans[k];
      at++;
    }
  }
  traceStarts[traces.length] = at;
  const batch: FlushBatch = { tenant, chunks, traceStarts, chunkOf, spanOf, spanCount: refs };
  if (slackMs !== undefined && lastReceived > 0) batch.timeBounds = receiveTimeBounds(firstReceived, lastReceived, slackMs);
  return batch;
}

/** Traces with a span time outside the bounds: stamped by a clock further off than the slack. */
export function tracesOutside(traces: readonly LiveTrace[], bounds: TimeBounds): number {
  const lo = Number(bounds.minUnixNano);
  const hi = Number(bounds.maxUnixNano);
  let n = 0;
  for (const t of traces) if (t.startNs < lo || t.endNs > hi) n++;
  return n;
}

/** [first - slack, last + slack] in unix nanoseconds, never before the epoch. */
export function receiveTimeBounds(firstReceivedMs: number, lastReceivedMs: number, slackMs: number): TimeBounds {
  const ms = (v: number) => BigInt(Math.max(0, Math.floor(v))) * 1_000_000n;
  return { minUnixNano: ms(firstReceivedMs - slackMs), maxUnixNano: ms(lastReceivedMs + slackMs) };
}

function traceIdOf(b: FlushBatch, t: number): Uint8Array {
  const ref = b.traceStarts[t];
  const scan = b.chunks[b.chunkOf[ref]];
  const off = scan.traceIdOffset[b.spanOf[ref]];
  return scan.bytes.subarray(off, off + 16);
}

/** The batch's traces in ascending trace-id order as encoded spans; generations of a trace merged. */
export function* batchEncodedTraces(b: FlushBatch): Iterable<EncodedSpan[]> {
  for (const g of batchTraceGroups(b)) yield g.spans;
}

/** One trace of a batch: its spans, and which of the batch's trace entries (generations) they came from. */
export interface TraceGroup {
  /** Indexes into the batch's traces (traceStarts). */
  entries: number[];
  /** The spans, repeats removed. */
  spans: EncodedSpan[];
}

/** As batchEncodedTraces, naming the trace entries each trace merges. */
export function* batchTraceGroups(b: FlushBatch): Iterable<TraceGroup> {
  const n = b.traceStarts.length - 1;
  const order = Array.from({ length: n }, (_, i) => i);
  const ids = order.map((t) => traceIdOf(b, t));
  // The first six bytes as a number order almost every pair without comparing arrays.
  const head = Float64Array.from(ids, (id) => ((((id[0] * 256 + id[1]) * 256 + id[2]) * 256 + id[3]) * 256 + id[4]) * 256 + id[5]);
  order.sort((x, y) => head[x] - head[y] || compareIds(ids[x], ids[y]));
  const decoders = new Array<ChunkDecoder | undefined>(b.chunks.length);
  const shared = new SharedDecodes();
  for (let i = 0; i < order.length; ) {
    // Every trace entry with this id (a trace sealed in several generations).
    let j = i + 1;
    while (j < order.length && compareIds(ids[order[j]], ids[order[i]]) === 0) j++;
    const spans: EncodedSpan[] = [];
    // A client that retries a request the server wrote but could not acknowledge sends its spans
    // twice; in one trace they meet here, and only the first copy goes into the block.
    const refs: number[] = [];
    for (let k = i; k < j; k++) for (let r = b.traceStarts[order[k]]; r < b.traceStarts[order[k] + 1]; r++) refs.push(r);
    const seen = refs.some((r) => b.chunkOf[r] !== b.chunkOf[refs[0]]) ? new Map<string, EncodedSpan[]>() : undefined;
    for (const r of refs) {
      const c = b.chunkOf[r];
      const span = (decoders[c] ??= new ChunkDecoder(b.chunks[c], shared)).span(b.spanOf[r]);
      if (seen && isRepeat(seen, spanIdKey(b, r), span)) continue;
      spans.push(span);
    }
    yield { entries: order.slice(i, j), spans };
    i = j;
  }
}

function spanIdKey(b: FlushBatch, ref: number): string {
  const scan = b.chunks[b.chunkOf[ref]];
  const off = scan.spanIdOffset[b.spanOf[ref]];
  return Buffer.from(scan.bytes.buffer, scan.bytes.byteOffset + off, 8).toString('latin1');
}

function bytesOf(s: EncodedSpan): Buffer {
  return Buffer.from(s.bytes.buffer, s.bytes.byteOffset + s.offset, s.length);
}

/** True when an identical span (same id, same bytes) was already kept; else records this one. */
function isRepeat(seen: Map<string, EncodedSpan[]>, key: string, span: EncodedSpan): boolean {
  const list = seen.get(key);
  if (!list) {
    seen.set(key, [span]);
    return false;
  }
  const mine = bytesOf(span);
  if (list.some((s) => s.length === span.length && bytesOf(s).equals(mine))) return true;
  list.push(span);
  return false;
}

/** The batch's traces decoded to span records (for tests and tools; the block worker writes encoded spans). */
export function* batchTraces(b: FlushBatch): Iterable<SpanRecord[]> {
  let decoder: MessageDecoder | undefined;
  for (const spans of batchEncodedTraces(b)) {
    yield spans.map((s) => {
      if (decoder === undefined || decoder.bytes !== s.bytes) decoder = new MessageDecoder(s.bytes);
      return { span: decoder.span(s.offset, s.length), resource: s.resource, resourceSchemaUrl: s.resourceSchemaUrl, scope: s.scope, scopeSchemaUrl: s.scopeSchemaUrl };
    });
  }
}
