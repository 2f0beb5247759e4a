// The work a query worker does for one block, shared by the worker thread and the in-process
// path (pool size 0): open the block, run the query through the block's fetcher.
import { openBlock } from '@spanbase/block';
import type { BlockMeta, BlockReader } from '@spanbase/block';
import type { ObjectStore } from '@spanbase/backend';
import { MemoryColumnFetcher, MemoryFetcher, evaluateMetrics, executeSearch, parseOrThrow, planMetrics } from '@spanbase/traceql';
import type { FetchColumnsRequest, FetchSpansRequest, FetchedSpanset, MetricsFetcher, MetricsPartial, MetricsPlan, MetricsRequest, Query, SearchResult, SpanColumnBatch } from '@spanbase/traceql';
import type { SpanRecord } from '@spanbase/model';

/** A search over one block. */
export interface BlockSearchJob {
  kind: 'search';
  meta: BlockMeta;
  /** TraceQL text (the AST is re-parsed where the job runs; parsing is cheap). */
  query: string;
  limit: number;
  spansPerSpanset: number;
  start: bigint;
  end: bigint;
}

/** A metrics query over one block; the result is a partial to merge. */
export interface BlockMetricsJob {
  kind: 'metrics';
  meta: BlockMeta;
  /** TraceQL text of the whole metrics query. */
  query: string;
  /** The request the plan was made for. */
  request: MetricsRequest;
}

/** Any job. */
export type BlockJob = BlockSearchJob | BlockMetricsJob;

/** What a job returns. */
export type BlockJobResult<J extends BlockJob> = J extends BlockMetricsJob ? MetricsPartial : SearchResult;

/** Opened readers, so a block's index and footer are read once per process. */
export class ReaderCache {
  private readonly readers = new Map<string, BlockReader>();
  private readonly max: number;
  private readonly store: ObjectStore;

  constructor(store: ObjectStore, max = 1024) {
    this.store = store;
    this.max = max;
  }

  get(meta: BlockMeta): BlockReader {
    let r = this.readers.get(meta.blockID);
    if (r) {
      // Refresh LRU position.
      this.readers.delete(meta.blockID);
      this.readers.set(meta.blockID, r);
      return r;
    }
    r = openBlock(this.store, meta);
    this.readers.set(meta.blockID, r);
    if (this.readers.size > this.max) this.readers.delete(this.readers.keys().next().value!);
    return r;
  }
}

const parsed = new Map<string, Query>();

function queryOf(text: string): Query {
  let q = parsed.get(text);
  if (!q) {
    q = parseOrThrow(text);
    if (parsed.size > 256) parsed.clear();
    parsed.set(text, q);
  }
  return q;
}

/** Traces of a block in groups of `n`, one row group's worth of decoding at a time. */
async function* traceGroups(reader: BlockReader, n: number, signal?: AbortSignal): AsyncIterable<SpanRecord[][]> {
  let group: SpanRecord[][] = [];
  for await (const trace of reader.iterateTraces({ signal })) {
    group.push(trace);
    if (group.length >= n) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

/**
 * A fetcher that decodes a whole block, a group of traces at a time, and lets the in-memory
 * fetchers apply the request: correct (the superset and exactness rules hold trivially) but it
 * decodes every span. Used until the columnar block fetchers are in place.
 */
function scanningFetcher(reader: BlockReader): MetricsFetcher {
  return {
    async *fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset> {
      for await (const traces of traceGroups(reader, 512, signal)) yield* new MemoryFetcher(traces).fetch(request, signal);
    },
    async *fetchColumns(request: FetchColumnsRequest, signal?: AbortSignal): AsyncIterable<SpanColumnBatch> {
      for await (const traces of traceGroups(reader, 512, signal)) yield* new MemoryColumnFetcher(traces).fetchColumns(request, signal);
    },
  };
}

const plans = new Map<string, MetricsPlan>();

function planOf(job: BlockMetricsJob): MetricsPlan {
  const key = `${job.query}\u0000${JSON.stringify(job.request, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  let p = plans.get(key);
  if (!p) {
    p = planMetrics(queryOf(job.query), job.request);
    if (plans.size > 64) plans.clear();
    plans.set(key, p);
  }
  return p;
}

/** Runs a job against a block. */
export async function runBlockJob<J extends BlockJob>(readers: ReaderCache, job: J, signal: AbortSignal): Promise<BlockJobResult<J>> {
  const fetcher = scanningFetcher(readers.get(job.meta));
  if (job.kind === 'metrics') return (await evaluateMetrics(planOf(job), fetcher, signal)) as BlockJobResult<J>;
  return (await executeSearch(queryOf(job.query), fetcher, { limit: job.limit, spansPerSpanset: job.spansPerSpanset, start: job.start, end: job.end, signal, mostRecent: true })) as BlockJobResult<J>;
}
