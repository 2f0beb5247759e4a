// Metrics speed for the bench harness: spans per second through the metrics engine over
// in-memory data, two ways. `columns` replays column batches built once, which is the engine's
// own cost (what a block reader adds is decoding); `memory` serves the spans from in-memory
// traces as live data is served (conditions and values read from span records per query).
// Not a unit test: timing belongs to the bench.
import type { SpanRecord } from '@spanbase/model';
import type { FetchColumnsRequest, FetchedSpanset, FetchSpansRequest, SpanColumnBatch, SpanColumnFetcher, SpansetFetcher } from '../storage.ts';
import { evaluateMetrics, finishMetrics } from './engine.ts';
import { generateTraces } from './generate.ts';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { planMetrics } from './plan.ts';

/** The queries timed: Drilldown's rate panel and its latency quantile. */
export const BENCH_METRICS_QUERIES: readonly string[] = ['{} | rate() by (resource.service.name)', '{} | quantile_over_time(duration, .99)'];

/** One query's timing. */
export interface MetricsBenchResult {
  /** The query. */
  readonly query: string;
  /** How spans were served: prebuilt column batches, or in-memory traces. */
  readonly source: 'columns' | 'memory';
  /** Spans in the data set. */
  readonly spans: number;
  /** Fastest run, ms. */
  readonly bestMs: number;
  /** Median run, ms. */
  readonly medianMs: number;
  /** Spans per second at the median. */
  readonly spansPerSecond: number;
}

/** Options of the measurement. */
export interface MetricsBenchOptions {
  /** About how many spans to generate (default 1,000,000). */
  readonly spans?: number;
  /** Runs per query and source (default 5). */
  readonly runs?: number;
  /** Your own traces instead of generated ones (then `start`/`end` should be given). */
  readonly traces?: readonly (readonly SpanRecord[])[];
  /** Range, unix ns (default: the generated data's hour). */
  readonly start?: bigint;
  /** See start. */
  readonly end?: bigint;
}

/** Replays batches fetched once, so repeated runs time the engine, not the fetcher. */
class ReplayFetcher implements SpansetFetcher, SpanColumnFetcher {
  private readonly inner: MemoryColumnFetcher;
  private readonly cache = new Map<string, SpanColumnBatch[]>();

  constructor(inner: MemoryColumnFetcher) {
    this.inner = inner;
  }

  fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset> {
    return this.inner.fetch(request, signal);
  }

  async prepare(request: FetchColumnsRequest): Promise<void> {
    const batches: SpanColumnBatch[] = [];
    for await (const b of this.inner.fetchColumns(request)) batches.push(b);
    this.cache.set(JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? String(v) : v)), batches);
  }

  async *fetchColumns(request: FetchColumnsRequest): AsyncIterable<SpanColumnBatch> {
    const batches = this.cache.get(JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    if (!batches) throw new Error('request not prepared');
    yield* batches;
  }
}

/** Times BENCH_METRICS_QUERIES over in-memory data; returns one result per query and source. */
export async function measureMetricsQueries(opts: MetricsBenchOptions = {}): Promise<MetricsBenchResult[]> {
  const base = 1_700_000_040n * 1_000_000_000n;
  const wanted = opts.spans ?? 1_000_000;
  // generateTraces makes on average 30 · scale spans a minute with its three services; fill an hour.
  const traces = opts.traces ?? generateTraces({ base, minutes: 60, scale: Math.max(1, Math.round(wanted / 1800)) }).traces;
  const spans = traces.reduce((n, t) => n + t.length, 0);
  const start = opts.start ?? base;
  const end = opts.end ?? base + 3600n * 1_000_000_000n;
  const memory = new MemoryColumnFetcher(traces);
  const replay = new ReplayFetcher(memory);
  const out: MetricsBenchResult[] = [];
  for (const query of BENCH_METRICS_QUERIES) {
    const plan = planMetrics(query, { start, end, exemplars: 0 });
    for (const leaf of plan.leaves) if (leaf.columns) await replay.prepare(leaf.columns);
    for (const [source, fetcher] of [['columns', replay], ['memory', memory]] as const) {
      const times: number[] = [];
      for (let i = 0; i < (opts.runs ?? 5); i++) {
        const t0 = performance.now();
        const result = finishMetrics(plan, await evaluateMetrics(plan, fetcher));
        times.push(performance.now() - t0);
        if (result.spans !== spans) throw new Error(`${query}: counted ${result.spans} of ${spans} spans`);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      out.push({ query, source, spans, bestMs: times[0], medianMs: median, spansPerSecond: Math.round((spans * 1000) / median) });
    }
  }
  return out;
}
