// The production BlockSink: head blocks are encoded and uploaded by a worker thread, one at a
// time, so the event loop keeps acknowledging ingest while Parquet is written. A worker that dies
// fails its job (the ingester keeps the traces and retries) and is replaced for the next one.
import { Worker } from 'node:worker_threads';
import type { BlockSink, FlushBatch, FlushedBlock } from './block-sink.ts';
import type { BlockJob, BlockJobResult, BlockWorkerData, StoreObservation } from './block-worker.ts';

interface Pending {
  resolve: (b: FlushedBlock) => void;
  reject: (e: Error) => void;
}

/** The block writer thread's name: what `top -H` and /proc/<pid>/task/<tid>/comm show for it. */
export const BLOCK_WRITER_THREAD = 'block-writer';

/** A block sink backed by one worker thread. */
export class WorkerBlockSink implements BlockSink {
  private readonly data: BlockWorkerData;
  private readonly onStoreRequest: ((...o: StoreObservation) => void) | undefined;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  /** `onStoreRequest` hears of each store request the worker made (its retries included), after each job. */
  constructor(data: BlockWorkerData, onStoreRequest?: (...o: StoreObservation) => void) {
    this.data = data;
    this.onStoreRequest = onStoreRequest;
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./block-worker.ts', import.meta.url), { workerData: this.data, name: BLOCK_WRITER_THREAD });
    w.on('message', (r: BlockJobResult) => {
      if (this.onStoreRequest) for (const o of r.requests) this.onStoreRequest(...o);
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve({ blockId: r.blockId, meta: r.meta, lostReply: r.lostReply, outcomes: r.outcomes });
      else p.reject(new Error(`block write failed: ${r.error}`));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      if (!this.closed) fail(new Error(`block worker exited with code ${code}`));
    });
    return w;
  }

  /**
   * Starts the worker now rather than at the first flush: loading the block writer takes seconds
   * on a busy machine, and a process killed and restarted again and again under load (a crash
   * loop) would otherwise never get a block written before the next kill, only a longer WAL.
   */
  warm(): void {
    if (!this.closed) this.worker ??= this.spawn();
  }

  write(batch: FlushBatch): Promise<FlushedBlock> {
    if (this.closed) return Promise.reject(new Error('block sink closed'));
    this.worker ??= this.spawn();
    const id = this.nextId++;
    // Posting copies the chunks (the live store keeps its own until the block is durable).
    const job: BlockJob = { id, batch };
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }
}
