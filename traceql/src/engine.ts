// The search engine the query service calls: plan, fetch, evaluate each trace, combine.
// Combining follows Tempo: without the `most_recent=true` hint the first `limit` matching traces
// found win and fetching stops there; with it, every trace is looked at and the newest `limit`
// kept. Results are always ordered newest first.
import type { Query } from './ast.ts';
import { planSearch } from './conditions.ts';
import { TqlResultTooLarge, TqlUnsupportedError } from './errors.ts';
import type { EvalSpanset, SpansetAttribute } from './evaluate.ts';
import { compilePipeline } from './evaluate.ts';
import { overlapsRange } from './memory-fetcher.ts';
import { parseOrThrow } from './parse.ts';
import { traceResultBytes } from './result-size.ts';
import type { Static } from './static.ts';
import type { FetchedSpanset, FieldRef, SpansetFetcher } from './storage.ts';
import { fieldKey } from './storage.ts';
import { bytesToHex, traceIdToSearchHex } from '@spanbase/model';

/** Options of a search. */
export interface SearchOptions {
  /** Most traces to return (default 20; 0 = no limit). */
  readonly limit?: number;
  /** Most spans per spanset in results (default 3, Tempo's); `matched` still counts them all. */
  readonly spansPerSpanset?: number;
  /** Start of the time range, unix nanoseconds (0n or absent = open). */
  readonly start?: bigint;
  /** End of the time range, unix nanoseconds (0n or absent = open). */
  readonly end?: bigint;
  /** Aborts the search (fetching stops; the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Keep the newest traces rather than the first found; the `most_recent=true` hint sets it too. */
  readonly mostRecent?: boolean;
  /** Fail with TQL_ERR_RESULT_TOO_LARGE once the answer's estimated JSON size passes this (0 or absent: no bound). */
  readonly maxResultBytes?: number;
}

/** One attribute of a span or spanset in results. */
export interface ResultAttribute {
  /** Attribute key as Tempo shows it: the name without scope, or the intrinsic's name. */
  readonly key: string;
  /** The value (see staticToAnyValue for the wire form). */
  readonly value: Static;
}

/** A span in search results. */
export interface SpanResult {
  /** Span id, 16 lowercase hex digits. */
  readonly spanId: string;
  /** Span name. */
  readonly name: string | undefined;
  /** Start, unix ns. */
  readonly startTimeUnixNano: bigint;
  /** Duration, ns. */
  readonly durationNanos: bigint;
  /** The fields the query read or selected that this span has (name, duration and ids excluded). */
  readonly attributes: readonly ResultAttribute[];
}

/** A matching spanset in search results. */
export interface SpansetResult {
  /** How many spans matched (before the spans-per-spanset cut). */
  readonly matched: number;
  /** The first spans, at most spansPerSpanset. */
  readonly spans: readonly SpanResult[];
  /** by() groups and aggregate values, e.g. `by(resource.service.name)`, `count()`. */
  readonly attributes: readonly ResultAttribute[];
}

/** A matching trace in search results. */
export interface TraceResult {
  /** Trace id as Tempo shows it in search: lowercase hex without leading zeros. */
  readonly traceId: string;
  /** Root span's service.name; undefined when the root span is missing. */
  readonly rootServiceName: string | undefined;
  /** Root span's name; undefined when the root span is missing. */
  readonly rootTraceName: string | undefined;
  /** Trace start, unix ns. */
  readonly startTimeUnixNano: bigint;
  /** Trace duration, ns. */
  readonly durationNanos: bigint;
  /** Matching spansets (those in `packed` come first). */
  readonly spansets: readonly SpansetResult[];
  /**
   * Spansets in their wire form, for results that cross between threads: a worker packs them, so
   * the thread that merges results (and answers ingest) moves bytes instead of building thousands
   * of span objects, and the answer worker unpacks them (see @spanbase/internal-api).
   */
  readonly packed?: PackedSpansets;
}

/** A trace's spansets as bytes (SearchResult's repeated spanset field, see @spanbase/internal-api). */
export interface PackedSpansets {
  /** The encoded spansets, one after another: two packs concatenated are their union. */
  readonly bytes: Uint8Array;
  /** Spansets in `bytes`. */
  readonly spansets: number;
  /** Spans in `bytes` (answers are cut into slices by spans). */
  readonly spans: number;
  /** Estimated JSON bytes of the spansets (see traceResultBytes), the first counted twice. */
  readonly jsonBytes: number;
}

/** Result of a search. */
export interface SearchResult {
  /** Matching traces, newest first. */
  readonly traces: readonly TraceResult[];
  /** Spansets storage returned (traces, or trace parts). */
  readonly inspectedTraces: number;
  /** Spans storage returned. */
  readonly inspectedSpans: number;
}

/** Fields that have their own place in results, as in Tempo. */
const NOT_ATTRIBUTES = new Set([':name', ':duration', ':traceDuration', ':rootServiceName', ':rootName', ':trace:id', ':span:id']);

/** Runs a search query against a fetcher. Throws TQL_ERR_* errors for bad or unsupported queries. */
export async function executeSearch(query: string | Query, fetcher: SpansetFetcher, options: SearchOptions = {}): Promise<SearchResult> {
  const ast = typeof query === 'string' ? parseOrThrow(query) : query;
  if (ast.body.kind !== 'pipeline') throw TqlUnsupportedError('this is a metrics query; search takes a spanset query (metrics queries go to the metrics API)');
  const limit = options.limit ?? 20;
  const perSpanset = options.spansPerSpanset ?? 3;
  const hint = ast.hints.find((h) => h.name === 'most_recent');
  const mostRecent = options.mostRecent ?? (hint !== undefined && hint.value.type === 'bool' && hint.value.value);
  const plan = planSearch(ast.body, options.start ?? 0n, options.end ?? 0n);
  let inspectedTraces = 0;
  let inspectedSpans = 0;
  const found = new Map<string, TraceResult>();
  const maxBytes = options.maxResultBytes ?? 0;
  let bytes = 0;
  const put = (t: TraceResult, was: TraceResult | undefined) => {
    found.set(t.traceId, t);
    if (maxBytes <= 0) return;
    bytes += traceResultBytes(t) - (was ? traceResultBytes(was) : 0);
    if (bytes > maxBytes) throw TqlResultTooLarge(`the answer would be larger than ${maxBytes} bytes (about ${bytes} with ${found.size} traces so far)`);
  };
  if (!plan.noop) {
    const evaluate = compilePipeline(ast.body, plan.request.columns);
    const resultFields = plan.fields.filter((f) => f.kind !== 'missing' && !NOT_ATTRIBUTES.has(fieldKey(f)));
    const nameColumn = plan.request.columns.findIndex((f) => f.kind === 'intrinsic' && f.name === 'name');
    for await (const trace of fetcher.fetch(plan.request, options.signal)) {
      options.signal?.throwIfAborted();
      inspectedTraces++;
      inspectedSpans += trace.spans.length;
      if (!overlapsRange(trace.startTimeUnixNano, trace.startTimeUnixNano + trace.durationNanos, plan.request)) continue;
      const spansets = evaluate(trace);
      if (spansets.length === 0) continue;
      const result = toTraceResult(trace, spansets, perSpanset, resultFields, plan.request.columns, nameColumn);
      const existing = found.get(result.traceId);
      if (existing) put({ ...existing, spansets: [...existing.spansets, ...result.spansets] }, existing);
      else if (limit === 0 || found.size < limit) put(result, undefined);
      else if (mostRecent) {
        const dropped = replaceOldest(found, result);
        if (dropped && maxBytes > 0) {
          bytes -= traceResultBytes(dropped);
          put(result, undefined);
        }
      }
      if (!mostRecent && limit > 0 && found.size >= limit) break;
    }
  }
  const traces = [...found.values()].sort((a, b) => (a.startTimeUnixNano > b.startTimeUnixNano ? -1 : a.startTimeUnixNano < b.startTimeUnixNano ? 1 : 0));
  return { traces, inspectedTraces, inspectedSpans };
}

/** Puts `candidate` in place of the oldest trace when it is newer; returns the trace it replaced. */
function replaceOldest(found: Map<string, TraceResult>, candidate: TraceResult): TraceResult | undefined {
  let oldest: TraceResult | undefined;
  for (const t of found.values()) if (!oldest || t.startTimeUnixNano < oldest.startTimeUnixNano) oldest = t;
  if (oldest && candidate.startTimeUnixNano > oldest.startTimeUnixNano) {
    found.delete(oldest.traceId);
    found.set(candidate.traceId, candidate);
    return oldest;
  }
  return undefined;
}

function toTraceResult(
  trace: FetchedSpanset,
  spansets: readonly EvalSpanset[],
  perSpanset: number,
  fields: readonly FieldRef[],
  columns: readonly FieldRef[],
  nameColumn: number,
): TraceResult {
  const columnOf = new Map(columns.map((c, i) => [fieldKey(c), i]));
  return {
    traceId: traceIdToSearchHex(trace.traceId),
    rootServiceName: trace.rootServiceName,
    rootTraceName: trace.rootSpanName,
    startTimeUnixNano: trace.startTimeUnixNano,
    durationNanos: trace.durationNanos,
    spansets: spansets.map((ss) => ({
      matched: ss.spans.length,
      attributes: ss.attributes.map((a: SpansetAttribute) => ({ key: a.name, value: a.value })),
      spans: ss.spans.slice(0, perSpanset > 0 ? perSpanset : undefined).map((s): SpanResult => {
        const attributes: ResultAttribute[] = [];
        for (const f of fields) {
          let v: Static | undefined;
          if (f.kind === 'intrinsic' && f.name.startsWith('nestedSet')) {
            v = { type: 'int', value: BigInt(f.name === 'nestedSetLeft' ? s.left : f.name === 'nestedSetRight' ? s.right : s.parent) };
          } else {
            const c = columnOf.get(fieldKey(f));
            v = c === undefined ? undefined : s.span.value(c);
            // One value per key, as Tempo shows it (Grafana reads scalars only): the last event's
            // (link's) value, not the flattened list that conditions match against.
            if (v?.type === 'array' && f.kind === 'attribute' && (f.scope === 'event' || f.scope === 'link')) v = v.value.at(-1);
          }
          if (v !== undefined && v.type !== 'nil') attributes.push({ key: f.name, value: v });
        }
        const name = nameColumn >= 0 ? s.span.value(nameColumn) : undefined;
        return {
          spanId: bytesToHex(s.span.spanId),
          name: name?.type === 'string' ? name.value : undefined,
          startTimeUnixNano: s.span.startTimeUnixNano,
          durationNanos: s.span.durationNanos,
          attributes,
        };
      }),
    })),
  };
}
