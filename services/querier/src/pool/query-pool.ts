// A pool of query worker threads. Block jobs go to the block's own worker (its cache holds that
// block's chunks) unless another has less to do. Each worker runs a few jobs at once; a cancelled
// job stops at its next check, and a worker that does not stop it in time, or runs out of memory,
// is replaced (see @spanbase/workers). With size 0 jobs run in this thread (tests, or a machine
// where threads do not pay off).
import type { TransferListItem } from 'node:worker_threads';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { SupervisedWorker, leastBusy } from '@spanbase/workers';
import { ReaderCache, runBlockJob } from './jobs.ts';
import type { BlockJob, BlockJobResult } from './jobs.ts';
import type { QueryWorkerData } from './query-worker.ts';

/** Pool settings beyond its size. */
export interface QueryPoolOptions {
  /** Memory the workers (together) keep verified column chunks in. */
  chunkCacheBytes?: number;
  /** Jobs one worker runs at once (they overlap object-store reads). */
  jobsPerWorker?: number;
  /** How long a cancelled job may run on before its worker is replaced, ms. */
  abortGraceMs?: number;
  /** Heap limit of each worker, MiB (--query.worker-memory); 0 = Node's default. */
  workerMemoryMb?: number;
  /** Told when a worker is replaced (logged and counted by the caller). */
  onReplace?: (reason: string) => void;
  /**
   * How long a read-ahead job may run, ms (--query.timeout): nobody waits for it, so without a
   * bound one that hangs would hold its slot, on every worker, for good.
   */
  prefetchTimeoutMs?: number;
}

/** Runs block jobs on worker threads (or inline when size is 0). */
export class QueryPool {
  private readonly workers: SupervisedWorker[] = [];
  private readonly inline: ReaderCache | undefined;
  /** Per worker, the dictionary summaries read ahead so far (one block at a time). */
  private readonly readAhead: Promise<void>[] = [];
  private readonly prefetchTimeoutMs: number;

  /** `size` workers, each with its own store built from `storeConfig`; `inlineStore` serves jobs in this thread when size is 0. */
  constructor(size: number, storeConfig: ObjectStoreConfig, inlineStore: ObjectStore, opts: QueryPoolOptions = {}) {
    this.prefetchTimeoutMs = opts.prefetchTimeoutMs ?? 30_000;
    const chunkCacheBytes = Math.floor((opts.chunkCacheBytes ?? 0) / Math.max(1, size));
    if (size <= 0) this.inline = new ReaderCache(inlineStore, { chunkCacheBytes });
    const workerData: QueryWorkerData = { store: storeConfig, chunkCacheBytes };
    const mb = opts.workerMemoryMb ?? 0;
    for (let i = 0; i < size; i++) {
      this.workers.push(
        new SupervisedWorker({
          url: new URL('./query-worker.ts', import.meta.url),
          name: 'query worker',
          workerData,
          slots: opts.jobsPerWorker ?? 4,
          abortGraceMs: opts.abortGraceMs ?? 2000,
          resourceLimits: mb > 0 ? { maxOldGenerationSizeMb: mb } : undefined,
          memoryFlag: '--query.worker-memory',
          lowPriority: true,
          onReplace: opts.onReplace,
        }),
      );
    }
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Jobs running or waiting, over all workers. */
  get load(): number {
    return this.workers.reduce((n, w) => n + w.load, 0);
  }

  /** Workers replaced so far (stuck on a cancelled job, out of memory, crashed). */
  get replacements(): number {
    return this.workers.reduce((n, w) => n + w.replacements, 0);
  }

  /**
   * The worker for a block's job: the block's own worker (by a hash of its id, so each worker
   * caches the chunks of its share of blocks rather than all of them) unless it has more jobs
   * than the least busy one, or is still starting while another is ready; the least busy ready
   * one then takes it.
   */
  private pick(blockId: string): SupervisedWorker {
    const least = leastBusy(this.workers);
    const own = this.own(blockId);
    return own.load <= least.load && (!own.starting || least.starting) ? own : least;
  }

  /** The worker a block's jobs go to when it is not busier than the others (by a hash of the id). */
  private own(blockId: string): SupervisedWorker {
    let h = 0;
    for (let i = 0; i < blockId.length; i++) h = (Math.imul(h, 31) + blockId.charCodeAt(i)) | 0;
    return this.workers[(h >>> 0) % this.workers.length];
  }

  /** Runs one job; rejects with the signal's reason if it is aborted. `transfer`: what the job moves to the worker (see SupervisedWorker.run). */
  run<J extends BlockJob>(job: J, signal: AbortSignal, transfer?: TransferListItem[]): Promise<BlockJobResult<J>> {
    signal.throwIfAborted();
    if (this.inline) return runBlockJob(this.inline, job, signal);
    return this.pick(job.meta.blockID).run<BlockJobResult<J>>(job, signal, transfer);
  }

  /**
   * Has every worker read the block's metadata (and then, in the background, its dictionary
   * summaries) ahead of queries: a
   * job goes to the block's own worker only when it is not busier than the others, so a search
   * over many blocks sends about half of them elsewhere. Best effort: failures are left to the
   * queries that meet them.
   */
  prefetch(meta: BlockJob['meta']): Promise<void> {
    if (this.inline) return Promise.resolve();
    // Each job's clock starts when it is asked for; a job past it is cancelled like a query, and
    // a worker that does not stop it is replaced.
    const bounded = () => AbortSignal.timeout(this.prefetchTimeoutMs);
    return Promise.all(
      this.workers.map(async (w, i) => {
        await w.run({ kind: 'prefetch', meta }, bounded()).catch(() => undefined);
        // Then the block's dictionary summaries, queued behind the other blocks' so each worker
        // spends one job slot on them and searches after a start do not wait behind them.
        this.readAhead[i] = (this.readAhead[i] ?? Promise.resolve()).then(() => w.run({ kind: 'prefetch', meta, summaries: true }, bounded()).then(() => undefined, () => undefined));
      }),
    ).then(() => undefined);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
