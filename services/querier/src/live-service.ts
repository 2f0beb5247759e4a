// What the querier needs from the data an ingester holds in memory. In one process the
// ingester's own live queries answer (they run on its live-query worker thread); the querier
// never evaluates live data itself.
import type { SpanRecord } from '@spanbase/model';
import type { DependencySummary, TagsSummary } from '@spanbase/block';
import type { MessagePort } from 'node:worker_threads';
import type { MetricsPartial, MetricsPartialData, MetricsRequest, SearchResult } from '@spanbase/traceql';

/** Search options of a live query. */
export interface LiveSearchOptions {
  limit: number;
  spansPerSpanset: number;
  /** Range, unix ns; 0n = open. */
  start: bigint;
  end: bigint;
  /** Bound on the answer's estimated JSON size (0 = none). */
  maxResultBytes?: number;
}

/** Queries over an ingester's memory. */
export interface LiveQueryService {
  /** The newest `limit` traces matching a TraceQL search. */
  search(tenant: string, query: string, options: LiveSearchOptions, signal: AbortSignal): Promise<SearchResult>;
  /** A TraceQL metrics query's partial result. */
  metrics(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal): Promise<MetricsPartial>;
  /**
   * The same partial as data (`data`), or, given a port, posted there (`{ part }`) by the thread
   * that evaluated it, which says how many spans it sent (`sentSpans`); see PartChannel. Absent
   * where the data cannot skip this thread (an ingester in another process).
   */
  metricsData?(tenant: string, query: string, request: MetricsRequest, signal: AbortSignal, port?: MessagePort): Promise<{ data?: MetricsPartialData; sentSpans?: number }>;
  /** A trace's spans in memory (empty when none). */
  findTrace(tenant: string, traceId: Uint8Array, signal?: AbortSignal): Promise<SpanRecord[]>;
  /** Tag names and frequent values, for autocomplete. */
  tagsSummary(tenant: string, signal?: AbortSignal): Promise<TagsSummary>;
  /** The service dependency graph of the traces in memory. */
  dependencies(tenant: string, signal?: AbortSignal): Promise<DependencySummary>;
}
