// What the ingester tells its live-query worker, and what it asks. The worker keeps its own index
// of the spans in memory (the request bytes themselves are shared, not copied); events keep it in
// step, in the order things happened on the ingester: an `add` as soon as a request is indexed,
// a `drop` when a trace generation is in a durable block, a `reset` for a fresh worker.
import type { MessagePort } from 'node:worker_threads';
import type { ScannedRequest } from '@spanbase/otlp';
import type { MetricsPartialData, MetricsRequest } from '@spanbase/traceql';

/** Spans of an accepted request; `gens[i]` is the generation span i belongs to (0: not indexed). */
export interface LiveAdd {
  kind: 'add';
  tenant: string;
  scan: ScannedRequest;
  gens: Float64Array;
}

/** Trace generations now in durable blocks: their spans leave the live index. */
export interface LiveDrop {
  kind: 'drop';
  tenant: string;
  gens: Float64Array;
}

/** Everything in memory, for a worker that starts (or restarts) with nothing. */
export interface LiveReset {
  kind: 'reset';
  tenants: LiveTenantState[];
}

/** One tenant's generations: generation g holds span refs refStarts[g] .. refStarts[g+1]-1. */
export interface LiveTenantState {
  tenant: string;
  chunks: ScannedRequest[];
  genIds: Float64Array;
  refStarts: Uint32Array;
  chunkOf: Uint32Array;
  spanOf: Uint32Array;
}

/** Any event. */
export type LiveEvent = LiveAdd | LiveDrop | LiveReset;

/** Search options of a live job (as the query API takes them). */
export interface LiveSearchOptions {
  limit: number;
  spansPerSpanset: number;
  /** Range, unix ns; 0n = open. */
  start: bigint;
  end: bigint;
  /** Bound on the answer's estimated JSON size (0 = none). */
  maxResultBytes?: number;
}

/** A query over the live data. */
export type LiveJob =
  | { op: 'search'; tenant: string; query: string; options: LiveSearchOptions }
  | { op: 'metrics'; tenant: string; query: string; request: MetricsRequest }
  /** The partial as data, returned with its arrays moved, or posted on `port` (`{ part }`) which is then closed. */
  | { op: 'metrics-data'; tenant: string; query: string; request: MetricsRequest; port?: MessagePort }
  | { op: 'trace'; tenant: string; traceId: Uint8Array }
  | { op: 'tags'; tenant: string }
  | { op: 'dependencies'; tenant: string };

/** What a metrics-data job answers: the partial as data, or how many spans it posted to the job's port. */
export interface LiveMetricsData {
  data?: MetricsPartialData;
  sentSpans?: number;
}
