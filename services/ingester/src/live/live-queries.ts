// Queries over the ingester's memory, as the rest of the process sees them. The ingester reports
// every change to its memory through the feed; the production implementation hands both the
// changes and the queries to a worker thread (the request bytes are shared, not copied), so a
// query over live data, however heavy, never delays an acknowledgement or /ready. The inline
// implementation runs the same index on this thread, for tests.
import { getHeapStatistics } from 'node:v8';
import type { MessagePort } from 'node:worker_threads';
import type { SpanRecord } from '@spanbase/model';
import type { ScannedRequest } from '@spanbase/otlp';
import type { DependencySummary, TagsSummary } from '@spanbase/block';
import { revivePartial } from '@spanbase/traceql';
import type { MetricsPartial, MetricsRequest, SearchResult } from '@spanbase/traceql';
import { SupervisedWorker } from '@spanbase/workers';
import { LiveIndex } from './live-index.ts';
import type { LiveEvent, LiveJob, LiveMetricsData, LiveSearchOptions, LiveTenantState } from './live-protocol.ts';

/** Queries over the data an ingester holds in memory. */
export interface LiveQueries {
  /** The newest `limit` traces matching a TraceQL search. */
  search(tenant: string, query: string, options: LiveSearchOptions, signal: AbortSignal): Promise<SearchResult>;
  /** A TraceQL metrics query's partial result. */
  metrics(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal): Promise<MetricsPartial>;
  /** The same partial as data, or, given a port, posted there by the thread that evaluated it (see PartChannel). */
  metricsData(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal, port?: MessagePort): Promise<LiveMetricsData>;
  /** A trace's spans in memory (empty when none). */
  findTrace(tenant: string, traceId: Uint8Array, signal?: AbortSignal): Promise<SpanRecord[]>;
  /** Tag names and frequent values, for autocomplete. */
  tagsSummary(tenant: string, signal?: AbortSignal): Promise<TagsSummary>;
  /** The service dependency graph of the traces in memory. */
  dependencies(tenant: string, signal?: AbortSignal): Promise<DependencySummary>;
}

/** Where the ingester reports changes to its memory. */
export interface LiveFeed {
  /** A request was indexed; `gens[i]` is the trace generation of span i. */
  added(tenant: string, scan: ScannedRequest, gens: Float64Array): void;
  /** Generations whose spans are now in durable blocks. */
  dropped(tenant: string, gens: Float64Array): void;
  /** Releases threads. */
  close(): Promise<void>;
}

const never = new AbortController().signal;

/** The live index on this thread. */
export class InlineLiveQueries implements LiveQueries, LiveFeed {
  readonly index = new LiveIndex({ heapBytes: getHeapStatistics().heap_size_limit });

  added(tenant: string, scan: ScannedRequest, gens: Float64Array): void {
    this.index.apply({ kind: 'add', tenant, scan, gens });
  }

  dropped(tenant: string, gens: Float64Array): void {
    this.index.apply({ kind: 'drop', tenant, gens });
  }

  async search(tenant: string, query: string, options: LiveSearchOptions, signal: AbortSignal): Promise<SearchResult> {
    return (await this.index.run({ op: 'search', tenant, query, options }, signal)) as SearchResult;
  }

  async metrics(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal): Promise<MetricsPartial> {
    return (await this.index.run({ op: 'metrics', tenant, query, request }, signal)) as MetricsPartial;
  }

  async metricsData(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal, port?: MessagePort): Promise<LiveMetricsData> {
    return (await this.index.run({ op: 'metrics-data', tenant, query, request, port }, signal)) as LiveMetricsData;
  }

  async findTrace(tenant: string, traceId: Uint8Array): Promise<SpanRecord[]> {
    return this.index.findTrace(tenant, traceId);
  }

  async tagsSummary(tenant: string, signal?: AbortSignal): Promise<TagsSummary> {
    return this.index.tagsSummary(tenant, signal);
  }

  async dependencies(tenant: string, signal?: AbortSignal): Promise<DependencySummary> {
    return this.index.dependencies(tenant, signal);
  }

  async close(): Promise<void> {}
}

/** Settings of the live-query worker. */
export interface LiveWorkerOptions {
  /** Everything in memory now, for a worker that starts empty. */
  snapshot: () => LiveTenantState[];
  /** How long a cancelled query may run on before the worker is replaced, ms. */
  abortGraceMs: number;
  /** Heap limit of the worker, MiB; 0 = Node's default. */
  memoryMb: number;
  /** Queries it runs at once. */
  slots: number;
  /** Told when the worker is replaced. */
  onReplace?: (reason: string) => void;
}

/** The live index on a supervised worker thread. */
export class WorkerLiveQueries implements LiveQueries, LiveFeed {
  private readonly worker: SupervisedWorker;

  constructor(opts: LiveWorkerOptions) {
    this.worker = new SupervisedWorker({
      url: new URL('./live-worker.ts', import.meta.url),
      name: 'live-query worker',
      slots: opts.slots,
      abortGraceMs: opts.abortGraceMs,
      resourceLimits: opts.memoryMb > 0 ? { maxOldGenerationSizeMb: opts.memoryMb } : undefined,
      memoryFlag: '--query.worker-memory',
      lowPriority: true,
      onSpawn: (post) => post({ kind: 'reset', tenants: opts.snapshot() } satisfies LiveEvent),
      onReplace: opts.onReplace,
    });
  }

  /** Times the worker was replaced. */
  get replacements(): number {
    return this.worker.replacements;
  }

  added(tenant: string, scan: ScannedRequest, gens: Float64Array): void {
    this.worker.post({ kind: 'add', tenant, scan, gens } satisfies LiveEvent);
  }

  dropped(tenant: string, gens: Float64Array): void {
    this.worker.post({ kind: 'drop', tenant, gens } satisfies LiveEvent);
  }

  search(tenant: string, query: string, options: LiveSearchOptions, signal: AbortSignal): Promise<SearchResult> {
    return this.worker.run<SearchResult>({ op: 'search', tenant, query, options } satisfies LiveJob, signal);
  }

  async metrics(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal): Promise<MetricsPartial> {
    return revivePartial(await this.worker.run<MetricsPartial>({ op: 'metrics', tenant, query, request } satisfies LiveJob, signal));
  }

  metricsData(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal, port?: MessagePort): Promise<LiveMetricsData> {
    return this.worker.run<LiveMetricsData>({ op: 'metrics-data', tenant, query, request, port } satisfies LiveJob, signal, port ? [port] : undefined);
  }

  findTrace(tenant: string, traceId: Uint8Array, signal?: AbortSignal): Promise<SpanRecord[]> {
    return this.worker.run<SpanRecord[]>({ op: 'trace', tenant, traceId } satisfies LiveJob, signal ?? never);
  }

  tagsSummary(tenant: string, signal?: AbortSignal): Promise<TagsSummary> {
    return this.worker.run<TagsSummary>({ op: 'tags', tenant } satisfies LiveJob, signal ?? never);
  }

  dependencies(tenant: string, signal?: AbortSignal): Promise<DependencySummary> {
    return this.worker.run<DependencySummary>({ op: 'dependencies', tenant } satisfies LiveJob, signal ?? never);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
