// A pool of query worker threads sized to the machine. Block jobs go to the least busy worker;
// a cancelled query tells its workers to stop. With size 0 jobs run in this thread (tests, or a
// machine where threads do not pay off).
import { Worker } from 'node:worker_threads';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { SpanbaseError } from '@spanbase/model';
import { ReaderCache, runBlockJob } from './jobs.ts';
import type { BlockJob, BlockJobResult } from './jobs.ts';
import type { FromWorker, ToWorker } from './query-worker.ts';

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
}

/** Runs block jobs on worker threads (or inline when size is 0). */
export class QueryPool {
  private readonly slots: Slot[] = [];
  private readonly inline: ReaderCache | undefined;
  private readonly storeConfig: ObjectStoreConfig;
  private readonly chunkCacheBytes: number;
  private nextId = 1;
  private closed = false;

  /**
   * `size` workers, each with its own store built from `storeConfig`; `inlineStore` serves jobs
   * in this thread when size is 0. `chunkCacheBytes` is shared out evenly among the workers.
   */
  constructor(size: number, storeConfig: ObjectStoreConfig, inlineStore: ObjectStore, opts: { chunkCacheBytes?: number } = {}) {
    this.storeConfig = storeConfig;
    this.chunkCacheBytes = Math.floor((opts.chunkCacheBytes ?? 0) / Math.max(1, size));
    if (size <= 0) this.inline = new ReaderCache(inlineStore, { chunkCacheBytes: this.chunkCacheBytes });
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./query-worker.ts', import.meta.url), { workerData: { store: this.storeConfig, chunkCacheBytes: this.chunkCacheBytes } });
    const slot: Slot = { worker, busy: 0, pending: new Map() };
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      slot.busy--;
      if (m.ok) p.resolve(m.result);
      else p.reject(new SpanbaseError(m.error.code ?? 'QRY_ERR_WORKER', m.error.message, m.error.statusCode ?? 500));
    });
    const fail = (err: unknown) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      slot.busy = 0;
      // Replace a dead worker so the pool keeps its size.
      if (!this.closed) {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots[i] = this.spawn();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`query worker exited with code ${code}`));
    });
    return slot;
  }

  /**
   * The worker for a block's job: the block's own worker (by a hash of its id, so each worker
   * caches the chunks of its share of blocks rather than all of them) unless it has more jobs
   * queued than the least busy one, which then takes it.
   */
  private pick(blockId: string): Slot {
    const least = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    let h = 0;
    for (let i = 0; i < blockId.length; i++) h = (Math.imul(h, 31) + blockId.charCodeAt(i)) | 0;
    const own = this.slots[(h >>> 0) % this.slots.length];
    return own.busy <= least.busy ? own : least;
  }

  /** Runs one job; rejects with the signal's reason if it is aborted. */
  run<J extends BlockJob>(job: J, signal: AbortSignal): Promise<BlockJobResult<J>> {
    type T = BlockJobResult<J>;
    signal.throwIfAborted();
    if (this.inline) return runBlockJob(this.inline, job, signal);
    const slot = this.pick(job.meta.blockID);
    const id = this.nextId++;
    slot.busy++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const onAbort = () => {
        slot.worker.postMessage({ id, abort: true } satisfies ToWorker);
        const p = slot.pending.get(id);
        if (p) {
          slot.pending.delete(id);
          slot.busy--;
          reject(signal.reason);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      slot.worker.postMessage({ id, job } satisfies ToWorker);
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
