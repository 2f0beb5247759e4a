// Runs a search over every source, newest first: sources are ordered by the latest trace start
// they can hold, a few run at once, and the search stops as soon as `limit` traces are certain —
// when the k-th newest result started after anything the unvisited sources can hold. Results
// are merged by trace id (a trace split across blocks shows all its matching spansets).
import { isSpanbaseError } from '@spanbase/model';
import { TqlResultTooLarge, traceResultBytes } from '@spanbase/traceql';
import type { PackedSpansets, Query, SearchResult, TraceResult } from '@spanbase/traceql';
import type { SearchSource, SourceSearchOptions } from './search-source.ts';

/** Counters a search reports under `metrics` (Tempo's SearchMetrics). */
export interface SearchMetrics {
  inspectedTraces: number;
  inspectedBytes: number;
  inspectedSpans: number;
  totalBlocks: number;
  completedJobs: number;
  totalJobs: number;
  totalBlockBytes: number;
}

/** Executor options. */
export interface ExecutorOptions extends Omit<SourceSearchOptions, 'signal'> {
  /** Sources searched at once. */
  concurrency: number;
  /** Cancels the search. */
  signal: AbortSignal;
}

/** A search's merged result and what it cost. */
export interface ExecutedSearch {
  result: SearchResult;
  metrics: SearchMetrics;
  /** Sources that failed (unreadable block...): the result is partial. */
  failed: { source: string; error: unknown }[];
  /** Sources that answered, whole or in part (`metrics.completedJobs` counts only whole answers). */
  answeredJobs: number;
}

function byNewest(a: SearchSource, b: SearchSource): number {
  if (!a.timeRange) return b.timeRange ? -1 : 0;
  if (!b.timeRange) return 1;
  return a.timeRange.endNs > b.timeRange.endNs ? -1 : a.timeRange.endNs < b.timeRange.endNs ? 1 : 0;
}

/** False when the source's spans all end before `start` or all begin after `end`. */
function inRange(s: SearchSource, start: bigint, end: bigint): boolean {
  if (!s.timeRange) return true;
  if (start !== 0n && s.timeRange.endNs < start) return false;
  if (end !== 0n && s.timeRange.startNs > end) return false;
  return true;
}

/** Searches `sources` and merges their newest matches. */
export async function executeSearchOver(sources: readonly SearchSource[], query: Query, opts: ExecutorOptions): Promise<ExecutedSearch> {
  const queue = sources.filter((s) => inRange(s, opts.start, opts.end)).sort(byNewest);
  const merged = new Map<string, TraceResult>();
  const metrics: SearchMetrics = { inspectedTraces: 0, inspectedBytes: 0, inspectedSpans: 0, totalBlocks: 0, completedJobs: 0, totalJobs: queue.length, totalBlockBytes: 0 };
  for (const s of queue) {
    if (s.isBlock) {
      metrics.totalBlocks += s.blocks ?? 1;
      metrics.totalBlockBytes += s.bytes;
    }
  }
  const failed: ExecutedSearch['failed'] = [];
  let answeredJobs = 0;
  // Once the result is certain no new source starts; sources already running finish, because
  // one of them may still hold a newer trace than the unvisited ones.
  let done = false;
  const signal = opts.signal;
  let next = 0;

  // The k-th newest start among merged results, or undefined while fewer than k.
  const kthNewest = (): bigint | undefined => {
    if (opts.limit <= 0 || merged.size < opts.limit) return undefined;
    const starts = [...merged.values()].map((t) => t.startTimeUnixNano).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    return starts[opts.limit - 1];
  };
  const certain = (): boolean => {
    const kth = kthNewest();
    if (kth === undefined) return false;
    // Every source not yet started must be unable to hold a trace starting after kth.
    for (let i = next; i < queue.length; i++) {
      const range = queue[i].timeRange;
      if (range === undefined || range.endNs > kth) return false;
    }
    return true;
  };

  const merge = (r: SearchResult) => {
    metrics.inspectedTraces += r.inspectedTraces;
    metrics.inspectedSpans += r.inspectedSpans;
    for (const t of r.traces) {
      const existing = merged.get(t.traceId);
      if (existing) merged.set(t.traceId, mergeTraces(existing, t));
      else merged.set(t.traceId, t);
    }
    // Only the newest `limit` can be in the answer: keep memory to that (amortised).
    if (opts.limit > 0 && merged.size > 2 * opts.limit) {
      for (const t of newestFirst(merged).slice(opts.limit)) merged.delete(t.traceId);
    }
  };

  const worker = async () => {
    while (next < queue.length && !signal.aborted && !done) {
      if (certain()) {
        done = true;
        return;
      }
      const source = queue[next++];
      try {
        const r = await source.search(query, { limit: opts.limit, spansPerSpanset: opts.spansPerSpanset, start: opts.start, end: opts.end, maxResultBytes: opts.maxResultBytes, signal });
        merge(r);
        // Part of the source could not be read: what it did read counts, and the result is partial.
        if (r.incomplete) failed.push({ source: `${source.name}: ${r.incomplete.message}`, error: r.incomplete });
        for (const f of r.failures ?? []) failed.push(f);
        // A job that lost part of what it read is answered but not complete, so the answer's
        // completedJobs < totalJobs tells its reader that traces may be missing.
        answeredJobs++;
        if (!r.incomplete && !r.failures?.length) metrics.completedJobs++;
        // A block says what it read; a source that does not counts as read whole.
        if (source.isBlock) metrics.inspectedBytes += r.inspectedBytes ?? source.bytes;
      } catch (err) {
        if (signal.aborted) return;
        // A problem with the query itself is the caller's to fix, not a partial result.
        if (isSpanbaseError(err) && err.statusCode < 500) throw err;
        failed.push({ source: source.name, error: err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, queue.length)) }, worker));
  opts.signal.throwIfAborted();

  const sorted = newestFirst(merged);
  const traces = opts.limit > 0 ? sorted.slice(0, opts.limit) : sorted;
  const max = opts.maxResultBytes ?? 0;
  if (max > 0) {
    // Each source kept to the bound; together they may not.
    const bytes = traces.reduce((n, t) => n + traceResultBytes(t), 200);
    if (bytes > max) throw TqlResultTooLarge(`the answer would be larger than ${max} bytes (about ${bytes} with ${traces.length} traces)`);
  }
  return {
    result: { traces, inspectedTraces: metrics.inspectedTraces, inspectedSpans: metrics.inspectedSpans },
    metrics,
    failed,
    answeredJobs,
  };
}

function newestFirst(m: Map<string, TraceResult>): TraceResult[] {
  return [...m.values()].sort((a, b) => (a.startTimeUnixNano > b.startTimeUnixNano ? -1 : a.startTimeUnixNano < b.startTimeUnixNano ? 1 : 0));
}

/** One trace's results from two sources: the trace-level fields of the more complete one, all spansets. */
function mergeTraces(a: TraceResult, b: TraceResult): TraceResult {
  const start = a.startTimeUnixNano < b.startTimeUnixNano ? a.startTimeUnixNano : b.startTimeUnixNano;
  const endA = a.startTimeUnixNano + a.durationNanos;
  const endB = b.startTimeUnixNano + b.durationNanos;
  const end = endA > endB ? endA : endB;
  return {
    traceId: a.traceId,
    rootServiceName: a.rootServiceName ?? b.rootServiceName,
    rootTraceName: a.rootTraceName ?? b.rootTraceName,
    startTimeUnixNano: start,
    durationNanos: end - start,
    spansets: [...a.spansets, ...b.spansets],
    packed: mergePacked(a.packed, b.packed),
  };
}

/** Two packs as one: their bytes are repeated fields, so concatenated they hold both. */
function mergePacked(a: PackedSpansets | undefined, b: PackedSpansets | undefined): PackedSpansets | undefined {
  if (!a || !b) return a ?? b;
  // A buffer of its own (Buffer.concat could hand out part of Node's shared pool, which must not
  // travel to another thread).
  const bytes = new Uint8Array(a.bytes.length + b.bytes.length);
  bytes.set(a.bytes);
  bytes.set(b.bytes, a.bytes.length);
  return { bytes, spansets: a.spansets + b.spansets, spans: a.spans + b.spans, jsonBytes: a.jsonBytes + b.jsonBytes };
}
