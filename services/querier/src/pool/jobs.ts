// The work a query worker does for one block, shared by the worker thread and the in-process
// path (pool size 0): open the block, run the query through the block's fetcher.
import type { MessagePort } from 'node:worker_threads';
import { blockMetricsFetcher, createReadCaches, openBlock, prefetchBlock, searchBlock } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader, ReadCaches } from '@spanbase/block';
import type { ObjectStore } from '@spanbase/backend';
import { transferring } from '@spanbase/workers';
import { faultSpin } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { evaluateMetrics, parseCached, partialData, partialDataBuffers, partialSpans, planMetrics, quoteString } from '@spanbase/traceql';
import type { MetricsPartialData, MetricsPlan, MetricsRequest, SearchResult } from '@spanbase/traceql';

/** A search over one block. */
export interface BlockSearchJob {
  kind: 'search';
  meta: BlockMeta;
  /** TraceQL text (parsed again where the job runs, once per thread: parseCached). */
  query: string;
  limit: number;
  spansPerSpanset: number;
  start: bigint;
  end: bigint;
  /** Bound on the answer's estimated JSON size (0 = none). */
  maxResultBytes: number;
}

/** A metrics query over one block; the result is a partial to merge. */
export interface BlockMetricsJob {
  kind: 'metrics';
  meta: BlockMeta;
  /** TraceQL text of the whole metrics query. */
  query: string;
  /** The request the plan was made for. */
  request: MetricsRequest;
  /** Where to post the partial (`{ part }`) instead of returning it; closed when the job ends. */
  port?: MessagePort;
}

/** A trace's spans in one block (trace by id). */
export interface BlockTraceJob {
  kind: 'trace';
  meta: BlockMeta;
  traceId: Uint8Array;
}

/** Reads a block's metadata (index, footer, needle filters) into this worker's reader ahead of queries. */
export interface BlockPrefetchJob {
  kind: 'prefetch';
  meta: BlockMeta;
  /** Read the dictionary summaries of the string attribute columns instead (after the metadata). */
  summaries?: boolean;
}

/** Any job. */
export type BlockJob = BlockSearchJob | BlockMetricsJob | BlockTraceJob | BlockPrefetchJob;

/** A trace job's answer: the trace's spans in the block (none when it is not there). */
export interface TraceInBlock {
  records: SpanRecord[];
}

/** What a job found damaged in its block: row groups it had to leave out, and damage met for the first time. */
export interface JobDamage {
  /** Row groups of the block this job could not read; its result lacks their spans. */
  lost?: BlockDamage[];
  /** Damage this thread's readers met since the last job reported (each once), for the log. */
  damage?: BlockDamage[];
}

/**
 * A metrics job's answer: the partial as data, its number arrays moved (not copied) to the
 * thread that asked, which hands them on as they are (see MetricsSource.evaluateData).
 */
export interface MetricsInBlock {
  /** Absent when the job had a port: the data went there. */
  data?: MetricsPartialData;
  /** Spans counted in data sent to the job's port. */
  sentSpans?: number;
}

/** What a job returns. */
export type BlockJobResult<J extends BlockJob> = (J extends BlockMetricsJob ? MetricsInBlock : J extends BlockTraceJob ? TraceInBlock : J extends BlockPrefetchJob ? object : SearchResult) & JobDamage;

/**
 * Opened readers, so a block's index and footer are read once per process; verified bloom
 * shards (a search pinned to a trace id tests one shard of every block in range); and, within
 * `chunkCacheBytes`, verified column chunks (searches read the same columns of recent blocks).
 */
export class ReaderCache {
  private readonly readers = new Map<string, BlockReader>();
  private readonly caches: ReadCaches;
  private readonly max: number;
  private readonly store: ObjectStore;
  /** Set once this thread ran its warm-up searches. */
  warmed = false;
  /** Damage met and not yet reported by a job. */
  private fresh: BlockDamage[] = [];

  constructor(store: ObjectStore, opts: { max?: number; chunkCacheBytes?: number } = {}) {
    this.store = store;
    this.max = opts.max ?? 1024;
    this.caches = createReadCaches({ bloomBytes: 32 * 1024 * 1024, chunkBytes: opts.chunkCacheBytes ?? 0 });
  }

  get(meta: BlockMeta): BlockReader {
    let r = this.readers.get(meta.blockID);
    if (r) {
      // Refresh LRU position.
      this.readers.delete(meta.blockID);
      this.readers.set(meta.blockID, r);
      return r;
    }
    r = openBlock(this.store, meta, { ...this.caches, onDamage: (d) => this.fresh.push(d) });
    this.readers.set(meta.blockID, r);
    if (this.readers.size > this.max) this.readers.delete(this.readers.keys().next().value!);
    return r;
  }

  /** Damage met since the last call. */
  drainDamage(): BlockDamage[] | undefined {
    if (this.fresh.length === 0) return undefined;
    const d = this.fresh;
    this.fresh = [];
    return d;
  }
}

/** Searches that read, decode and evaluate a few columns of a block: the paths real searches take. */
const WARM_UP = ['{ kind = server && name != "" }', '{ span.http.route =~ ".*/x.*" || resource.service.name = "x" }', '{ span.spanbase.warm-up = "none" }', '{ status = error && duration > 1s }'];

/**
 * Runs the warm-up searches over a block, then a needle that matches: the service and root name of
 * the block's newest trace (the path a needle takes: filters, dictionaries, the matching rows first,
 * then the row group's trace and span columns). Each worker runs it on the first block it
 * prefetches, since a search's jobs may land on any worker. Resolves with each query and the
 * traces it found (undefined where it failed).
 */
export async function warmUp(reader: BlockReader, signal: AbortSignal): Promise<{ query: string; traces: number | undefined }[]> {
  const ran: { query: string; traces: number | undefined }[] = [];
  const run = async (query: string) => {
    const r = await searchBlock(reader, parseCached(query), { limit: 1, spansPerSpanset: 1, signal }).catch(() => undefined);
    ran.push({ query, traces: r?.traces.length });
    return r;
  };
  for (const q of WARM_UP) await run(q);
  const newest = (await run('{ }'))?.traces[0];
  if (newest?.rootServiceName !== undefined && newest.rootTraceName !== undefined) await run(`{ resource.service.name = ${quoteString(newest.rootServiceName)} && name = ${quoteString(newest.rootTraceName)} }`);
  return ran;
}

const plans = new Map<string, MetricsPlan>();

function planOf(job: BlockMetricsJob): MetricsPlan {
  const key = `${job.query}\u0000${JSON.stringify(job.request, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  let p = plans.get(key);
  if (!p) {
    p = planMetrics(parseCached(job.query), job.request);
    if (plans.size > 64) plans.clear();
    plans.set(key, p);
  }
  return p;
}

/**
 * A metrics job: the block's partial as data, returned (its arrays moved, not copied) or, when the
 * job has a port, posted there, so the thread that asked only hears the counts.
 */
async function metricsJob(reader: BlockReader, job: BlockMetricsJob, signal: AbortSignal): Promise<MetricsInBlock & JobDamage> {
  const lost: BlockDamage[] = [];
  const data = partialData(await evaluateMetrics(planOf(job), blockMetricsFetcher(reader, { onLost: (d) => lost.push(d) }), signal));
  let r: MetricsInBlock & JobDamage;
  if (job.port) {
    job.port.postMessage({ part: data }, partialDataBuffers([data]));
    r = { sentSpans: partialSpans(data) };
  } else {
    r = transferring({ data }, partialDataBuffers([data]));
  }
  if (lost.length > 0) r.lost = lost;
  return r;
}

/** Runs a job against a block. */
export async function runBlockJob<J extends BlockJob>(readers: ReaderCache, job: J, signal: AbortSignal): Promise<BlockJobResult<J>> {
  faultSpin('query-spin', job.meta.tenantID === 'spin');
  const reader = readers.get(job.meta);
  let result: (MetricsInBlock | SearchResult | TraceInBlock | object) & JobDamage;
  if (job.kind === 'prefetch') {
    // The summaries come in jobs of their own, one block at a time per worker (see QueryPool.prefetch).
    await prefetchBlock(reader, { signal, summaries: job.summaries === true });
    // The first block a worker prefetches also gets a small search, so the code that reads,
    // decodes and evaluates column chunks is compiled before a user's first search needs it.
    if (!readers.warmed) {
      readers.warmed = true;
      await warmUp(reader, signal);
    }
    result = {};
  } else if (job.kind === 'trace') {
    result = { records: (await reader.findTrace(job.traceId, { signal })) ?? [] };
  } else if (job.kind === 'metrics') {
    result = await metricsJob(reader, job, signal).finally(() => job.port?.close());
  } else {
    // The block's newest `limit` matches, which is what the executor merges across blocks; the
    // block hands its traces out newest first, so the search stops at the limit-th match instead
    // of looking at every trace of the block. searchBlock reports the row groups it lost.
    result = await searchBlock(reader, parseCached(job.query), { limit: job.limit, spansPerSpanset: job.spansPerSpanset, start: job.start, end: job.end, maxResultBytes: job.maxResultBytes, signal });
  }
  const damage = readers.drainDamage();
  if (damage) result.damage = damage;
  return result as BlockJobResult<J>;
}
