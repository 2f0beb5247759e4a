// The querier role from the flags: a pool of query worker threads that read blocks, the live data
// it asks (the ingester in this process, or remote ones), and the Jobs service the frontend calls
// (in this process directly, or on the internal listener). Queriers keep no block list of their
// own: every job names its blocks.
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { queryWorkers } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { JobsService } from '@spanbase/internal-api';
import type { Handlers, InternalServer } from '@spanbase/internal-api';
import { BlockReaders } from '@spanbase/query';
import type { Logger, MetricsRegistry } from '@spanbase/server';
import type { QuerierReaders } from './blocks/block-readers.ts';
import { jobHandlers } from './job-handlers.ts';
import type { LiveData } from './live-data.ts';
import { QueryPool } from './pool/query-pool.ts';

/** What the querier role is given. */
export interface QuerierDeps {
  store: ObjectStore;
  /** The store's settings, for the worker threads (each builds its own store). */
  storeConfig: ObjectStoreConfig;
  /** Live data: the ingester in this process, or remote ones. */
  live: LiveData;
  metrics: MetricsRegistry;
  log: Logger;
  /** Apart from the frontend: the internal listener to serve jobs on. */
  server?: InternalServer;
  /** Readers to read blocks through (in one process, the block list's); by default the querier keeps its own. */
  readers?: QuerierReaders;
}

/** The running querier role. */
export interface QuerierRole {
  /** Its jobs, for a frontend in this process. */
  jobs: Handlers<typeof JobsService>;
  /** Jobs it runs well at once (one per worker, at least 2). */
  slots: number;
  pool: QueryPool;
  stop(): Promise<void>;
}

/** Starts the query workers and, with a server, serves jobs. */
export function createQuerier(cfg: Config, deps: QuerierDeps): QuerierRole {
  const { metrics: m, log } = deps;
  const replaced = m.counter('spanbase_query_workers_replaced_total', 'Query worker threads replaced: stuck on a cancelled query, out of memory, or crashed.');
  const pool = new QueryPool(queryWorkers(cfg), deps.storeConfig, deps.store, {
    chunkCacheBytes: cfg['query.chunk-cache-bytes'],
    abortGraceMs: cfg['query.abort-grace'],
    workerMemoryMb: Math.floor(cfg['query.worker-memory'] / 2 ** 20),
    jobsPerWorker: cfg['query.jobs-per-worker'],
    prefetchTimeoutMs: cfg['query.timeout'],
    onReplace: (reason) => {
      replaced.inc();
      log.warn({ reason }, 'query worker replaced');
    },
  });
  const damaged = m.counter('spanbase_block_damage_total', 'Damaged parts of blocks found by this process, each counted once, by what readers do instead (bloom-skipped, index-rebuilt, statistics-skipped, tags-skipped, dependencies-skipped, row-group-lost, block-unreadable).', ['fallback']);
  const readers = deps.readers ?? new BlockReaders(deps.store, log, (d) => damaged.inc({ fallback: d.fallback }), cfg['query.metadata-cache-bytes']);
  const skipped = m.counter('spanbase_querier_blocks_skipped_total', 'Blocks a query skipped, wholly or in part (damaged row groups), because they could not be read (checksum mismatch, missing object), by reason.', ['reason']);
  // Sources one job reads at once: enough to keep every worker busy.
  const slots = Math.max(2, pool.size);
  const counted = m.counter('spanbase_querier_jobs_total', 'Jobs a querier ran for a frontend (search, metrics, tags, dependencies, trace), by kind.', ['kind']);
  const handlerDeps = { pool, readers, live: deps.live, concurrency: cfg['querier.job-parallelism'] > 0 ? cfg['querier.job-parallelism'] : slots, log, skipped, jobs: counted };
  // A frontend in this process merges metrics parts on its answer worker; one over the network gets them merged.
  const jobs = jobHandlers({ ...handlerDeps, unmergedMetrics: true });
  deps.server?.serve(JobsService, jobHandlers(handlerDeps));
  return { jobs, slots, pool, stop: () => pool.close() };
}
