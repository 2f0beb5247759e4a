// Search results in Tempo's SearchResponse JSON, exactly as Grafana parses it: trace ids hex
// without leading zeros, span ids 16 hex digits, 64-bit numbers as strings, 32-bit ones as
// numbers, zero values left out, the first spanset repeated under the deprecated `spanSet`.
import type { ResultAttribute, SearchResult, SpansetResult, TraceResult } from '@spanbase/traceql';
import { staticToAnyValue } from '@spanbase/traceql';
import type { AnyValue } from '@spanbase/model';
import type { SearchMetrics } from '@spanbase/query';
import { spansetsOf } from '@spanbase/internal-api';


type Json = Record<string, unknown>;

/** An attribute value in protobuf JSON form (ints as strings). */
export function anyValueJson(v: AnyValue): Json {
  switch (v.type) {
    case 'string':
      return { stringValue: v.value };
    case 'int':
      return { intValue: v.value.toString() };
    case 'double':
      return { doubleValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'bytes':
      return { bytesValue: Buffer.from(v.value).toString('base64') };
    case 'array':
      return { arrayValue: { values: v.value.map(anyValueJson) } };
    case 'kvlist':
      return { kvlistValue: { values: v.value.map((kv) => ({ key: kv.key, value: anyValueJson(kv.value) })) } };
    case 'empty':
      return {};
  }
}

function attributes(list: readonly ResultAttribute[]): Json[] {
  return list.map((a) => ({ key: a.key, value: anyValueJson(staticToAnyValue(a.value)) }));
}

function spanset(ss: SpansetResult): Json {
  const out: Json = {
    spans: ss.spans.map((s) => {
      const span: Json = { spanID: s.spanId };
      if (s.name !== undefined && s.name !== '') span.name = s.name;
      if (s.startTimeUnixNano !== 0n) span.startTimeUnixNano = s.startTimeUnixNano.toString();
      if (s.durationNanos !== 0n) span.durationNanos = s.durationNanos.toString();
      if (s.attributes.length > 0) span.attributes = attributes(s.attributes);
      return span;
    }),
  };
  if (ss.matched !== 0) out.matched = ss.matched;
  if (ss.attributes.length > 0) out.attributes = attributes(ss.attributes);
  return out;
}

/** Tempo shows this for traces whose root span is not (yet) stored. */
export const ROOT_NOT_RECEIVED = '<root span not yet received>';

function trace(t: TraceResult): Json {
  const out: Json = { traceID: t.traceId, rootServiceName: t.rootServiceName ?? ROOT_NOT_RECEIVED };
  if (t.rootTraceName) out.rootTraceName = t.rootTraceName;
  if (t.startTimeUnixNano !== 0n) out.startTimeUnixNano = t.startTimeUnixNano.toString();
  const ms = Number(t.durationNanos / 1_000_000n);
  if (ms !== 0) out.durationMs = ms;
  const sets = spansetsOf(t).map(spanset);
  if (sets.length > 0) {
    out.spanSet = sets[0];
    out.spanSets = sets;
  }
  return out;
}

function metricsJson(m: SearchMetrics): Json {
  const metrics: Json = {};
  if (m.inspectedTraces) metrics.inspectedTraces = m.inspectedTraces;
  if (m.inspectedBytes) metrics.inspectedBytes = String(m.inspectedBytes);
  if (m.inspectedSpans) metrics.inspectedSpans = String(m.inspectedSpans);
  if (m.totalBlocks) metrics.totalBlocks = m.totalBlocks;
  if (m.completedJobs) metrics.completedJobs = m.completedJobs;
  if (m.totalJobs) metrics.totalJobs = m.totalJobs;
  if (m.totalBlockBytes) metrics.totalBlockBytes = String(m.totalBlockBytes);
  return metrics;
}

/** One trace of a SearchResponse as JSON text. */
export function traceText(t: TraceResult): string {
  return JSON.stringify(trace(t));
}

/** The SearchResponse body. */
export function searchResponseJson(result: SearchResult, m: SearchMetrics): Json {
  return { traces: result.traces.map(trace), metrics: metricsJson(m) };
}

/** Spans and spansets of a trace's result, packed or not (what writing it costs). */
export function spanCount(t: TraceResult): number {
  let n = t.packed ? t.packed.spans + t.packed.spansets : 0;
  for (const ss of t.spansets) n += ss.spans.length + 1;
  return n;
}

/** Spans serialized between turns of the event loop. */
const SPANS_PER_TURN = 2000;

/**
 * The SearchResponse as JSON text, the same text as JSON.stringify of searchResponseJson, written
 * a few thousand spans at a time with a turn of the event loop between: a 5000-trace answer with
 * 100 spans per spanset, serialized at once, holds ingest and /ready behind it for a long moment.
 */
export async function searchResponseText(result: SearchResult, m: SearchMetrics, signal?: AbortSignal): Promise<string> {
  const parts: string[] = [];
  let spans = 0;
  for (const t of result.traces) {
    parts.push(traceText(t));
    spans += spanCount(t);
    if (spans >= SPANS_PER_TURN) {
      spans = 0;
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    }
  }
  return `{"traces":[${parts.join(',')}],"metrics":${searchMetricsText(m)}}`;
}

/** The `metrics` object of a SearchResponse as JSON text. */
export function searchMetricsText(m: SearchMetrics): string {
  return JSON.stringify(metricsJson(m));
}
