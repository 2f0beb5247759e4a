// A place a metrics query runs against: the ingester's memory, one block, a remote ingester.
// Each evaluates the planned query over its own spans into a partial result; the executor
// merges them (counts and sums add, minima and maxima combine, histograms add bucket by bucket).
import type { MessagePort } from 'node:worker_threads';
import type { MetricsPartial, MetricsPartialData, MetricsPlan } from '@spanbase/traceql';
import { emptyPartial, mergeMetrics, partialFromData } from '@spanbase/traceql';
import type { Incomplete, QueryRange } from './search-source.ts';

/** Something a metrics query can run against. */
export interface MetricsSource {
  /** For logs and partial-result messages. */
  readonly name: string;
  /** Time span of the source's spans (unix ns), for skipping sources outside the query; undefined for live data. */
  readonly timeRange: { readonly startNs: bigint; readonly endNs: bigint } | undefined;
  /** Bytes the source covers (block size), for the response metrics; 0 for live data. */
  readonly bytes: number;
  /** True for a block, or a group of blocks (counts in totalBlocks). */
  readonly isBlock: boolean;
  /** Blocks the source covers when it is a group of them (one when absent). */
  readonly blocks?: number;
  /** Evaluates the plan over the source's spans (see evaluateMetrics in @spanbase/traceql). */
  evaluate(plan: MetricsPlan, signal: AbortSignal): Promise<MetricsPartial & Incomplete>;
  /**
   * The same evaluation as plain data, not turned into states here: for a caller that merges
   * elsewhere (another thread), so this one never builds or merges the partial's series. Given a
   * channel, a source that evaluates on another thread may post its data there itself rather
   * than return it (it then returns no parts, and says how many spans it sent).
   */
  evaluateData?(plan: MetricsPlan, signal: AbortSignal, channel?: PartChannel): Promise<EvaluatedData>;
}

/** What evaluateData returns. */
export interface EvaluatedData extends Incomplete {
  /** The parts returned here (none for a part sent on a channel). */
  parts: MetricsPartialData[];
  /** Spans counted in the parts sent on a channel rather than returned. */
  sentSpans?: number;
}

/**
 * Where partials may go straight from the thread that evaluated them to the thread that merges
 * them, so the thread running the executor (the one that acknowledges ingest) never receives,
 * copies or collects a partial's thousands of arrays.
 */
export interface PartChannel {
  /**
   * A port for one part: post `{ part }` (a MetricsPartialData) on it once, or close it to send
   * nothing. The merging side waits for every port opened before it finishes the answer.
   */
  open(): MessagePort;
}

/**
 * Runs a job that may post its part on a port of `channel` (none without a channel), then closes
 * the port: closing is a no-op once the port moved to the job's thread, and a port that never
 * reached it (the job was cancelled while it waited) would otherwise keep the merging side
 * waiting.
 */
export async function withPartPort<T>(channel: PartChannel | undefined, run: (port: MessagePort | undefined) => Promise<T>): Promise<T> {
  const port = channel?.open();
  try {
    return await run(port);
  } finally {
    port?.close();
  }
}

/** The sources of a tenant's metrics query: live data (asked first) and blocks. */
export interface MetricsSources {
  /** Live data: ingesters in this process or others. */
  live(tenant: string): readonly MetricsSource[];
  /** Blocks in the object store, as known now (those that can hold spans in `range` suffice). */
  blocks(tenant: string, range: QueryRange): readonly MetricsSource[];
}

/**
 * Every source of a metrics query, live ones already asked before the block list is read (see
 * startSearch); `channel`: where a live source may post its data (see PartChannel), for a caller
 * that collects the parts with the same channel.
 */
export function startMetrics(sources: MetricsSources, tenant: string, plan: MetricsPlan, signal: AbortSignal, channel?: PartChannel): MetricsSource[] {
  const live = sources.live(tenant).map((s): MetricsSource => {
    if (s.evaluateData) {
      // One evaluation, started now; merged here only for a caller that asks for states.
      const data = s.evaluateData(plan, signal, channel);
      data.catch(() => {});
      return { ...s, evaluateData: () => data, evaluate: async () => mergedParts(plan, await data) };
    }
    const running = s.evaluate(plan, signal);
    running.catch(() => {});
    return { ...s, evaluate: () => running };
  });
  return [...live, ...sources.blocks(tenant, { start: plan.grid.start, end: plan.grid.end })];
}

/**
 * A source's parts (see evaluateData) merged into one partial, keeping what it could not read.
 * `of` turns one part into a partial (parts from a peer: the internal API's checked reading).
 */
export function mergedParts(plan: MetricsPlan, r: { parts: MetricsPartialData[] } & Incomplete, of: (plan: MetricsPlan, d: MetricsPartialData) => MetricsPartial = partialFromData): MetricsPartial & Incomplete {
  const sum = emptyPartial(plan);
  for (const d of r.parts) mergeMetrics(sum, of(plan, d));
  return Object.assign(sum, { incomplete: r.incomplete, failures: r.failures });
}
