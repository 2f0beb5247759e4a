// Runs a metrics query over every source that can hold spans in its range, a few at once, and
// merges their partial results. Unlike search there is no early stop: every span in range counts.
// A source that fails leaves the result partial; a problem with the query itself fails it.
import { isSpanbaseError } from '@spanbase/model';
import type { MetricsPartial, MetricsPartialData, MetricsPlan } from '@spanbase/traceql';
import { emptyPartial, mergeMetrics, partialData, partialSpans } from '@spanbase/traceql';
import type { MetricsSource, PartChannel } from './metrics-source.ts';
import type { Incomplete } from './search-source.ts';

/** Counters reported under `metrics` in the response. */
export interface MetricsQueryStats {
  /** Bytes of the blocks read. */
  inspectedBytes: number;
  /** Spans counted. */
  inspectedSpans: number;
  /** Blocks in range. */
  totalBlocks: number;
  /** Sources in range. */
  totalJobs: number;
  /** Sources done. */
  completedJobs: number;
  /** Bytes of the blocks in range. */
  totalBlockBytes: number;
}

/** Executor options. */
export interface MetricsExecutorOptions {
  /** Sources evaluated at once. */
  concurrency: number;
  /** Cancels the query. */
  signal: AbortSignal;
  /**
   * When set, each source's partial is handed here as data (see MetricsSource.evaluateData) as it
   * arrives, instead of being merged on this thread; the returned `partial` then stays empty. The
   * caller merges them where it likes (the query-frontend: on its answer worker).
   */
  collect?: (part: MetricsPartialData) => void;
  /** With collect: where sources that can may post their parts themselves (see PartChannel). */
  channel?: PartChannel;
}

/** A query's merged partial result and what it cost. */
export interface ExecutedMetrics {
  /** Everything the sources accumulated. */
  partial: MetricsPartial;
  /** Counters. */
  stats: MetricsQueryStats;
  /** Sources that failed: the result is partial. */
  failed: { source: string; error: unknown }[];
}

function inRange(s: MetricsSource, plan: MetricsPlan): boolean {
  const r = s.timeRange;
  return !r || (r.endNs > plan.grid.start && r.startNs <= plan.grid.end);
}

/** Evaluates `plan` over `sources` and merges the results. */
export async function executeMetricsOver(sources: readonly MetricsSource[], plan: MetricsPlan, opts: MetricsExecutorOptions): Promise<ExecutedMetrics> {
  const queue = sources.filter((s) => inRange(s, plan));
  const partial = emptyPartial(plan);
  const stats: MetricsQueryStats = { inspectedBytes: 0, inspectedSpans: 0, totalBlocks: 0, totalJobs: queue.length, completedJobs: 0, totalBlockBytes: 0 };
  for (const s of queue) {
    if (!s.isBlock) continue;
    stats.totalBlocks += s.blocks ?? 1;
    stats.totalBlockBytes += s.bytes;
  }
  const failed: ExecutedMetrics['failed'] = [];
  let collectedSpans = 0;
  const collect = opts.collect && ((d: MetricsPartialData) => {
    collectedSpans += partialSpans(d);
    opts.collect!(d);
  });
  let next = 0;
  const worker = async () => {
    while (next < queue.length && !opts.signal.aborted) {
      const source = queue[next++];
      try {
        const r = collect ? await collectFrom(source, plan, opts.signal, collect, opts.channel) : await source.evaluate(plan, opts.signal);
        if (collect && 'sentSpans' in r) collectedSpans += r.sentSpans ?? 0;
        if (!opts.collect) mergeMetrics(partial, r as MetricsPartial);
        // Part of the source could not be read: what it did read counts, and the result is partial.
        if (r.incomplete) failed.push({ source: `${source.name}: ${r.incomplete.message}`, error: r.incomplete });
        for (const f of r.failures ?? []) failed.push(f);
        stats.completedJobs++;
        if (source.isBlock) stats.inspectedBytes += source.bytes;
      } catch (err) {
        if (opts.signal.aborted) return;
        if (isSpanbaseError(err) && err.statusCode < 500) throw err;
        failed.push({ source: source.name, error: err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, queue.length)) }, worker));
  opts.signal.throwIfAborted();
  stats.inspectedSpans = opts.collect ? collectedSpans : partialSpans(partial);
  return { partial, stats, failed };
}

/** A source's partial as data, handed to `collect`; what the executor needs of it besides. */
async function collectFrom(source: MetricsSource, plan: MetricsPlan, signal: AbortSignal, collect: (part: MetricsPartialData) => void, channel: PartChannel | undefined): Promise<Incomplete & { sentSpans?: number }> {
  if (source.evaluateData) {
    const r = await source.evaluateData(plan, signal, channel);
    r.parts.forEach(collect);
    return r;
  }
  const r = await source.evaluate(plan, signal);
  collect(partialData(r));
  return r;
}
