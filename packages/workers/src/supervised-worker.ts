// One worker thread under supervision. Jobs get a slot (a bounded number run at once; the rest
// wait here), a cancel cell in shared memory, and an answer. A cancelled job frees its caller at
// once, but keeps its slot until the worker confirms it stopped: a job still running never counts
// as free capacity. A worker that does not stop a cancelled job within the grace period, runs out
// of memory, or dies is replaced; the jobs it held that nobody cancelled run again once, each
// alone, on the new worker, which is first handed whatever state it must hold (`onSpawn`).
import { Worker } from 'node:worker_threads';
import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { SpanbaseError } from '@spanbase/model';
import { cancelCells } from './cancel-cells.ts';
import { WorkerClosed, WorkerFailed, WorkerOutOfMemory } from './errors.ts';
import type { FromWorker, SupervisedWorkerData, ToWorker } from './protocol.ts';

/** How to run and watch the worker. */
export interface SupervisedWorkerOptions {
  /** The worker's module; it calls `serveJobs`. */
  url: URL;
  /** Names the worker in errors and logs, e.g. `query worker`. */
  name: string;
  /** Handed to the worker (`jobWorkerData()` there). */
  workerData?: unknown;
  /** Jobs the worker runs at once; more wait for a slot. */
  slots: number;
  /** How long a cancelled job may keep running before the worker is terminated and replaced, ms. */
  abortGraceMs: number;
  /** Heap limits of the worker; past them it dies and is replaced, not the process. */
  resourceLimits?: ResourceLimits;
  /** The setting that bounds the worker's memory, named in out-of-memory errors (e.g. `--query.worker-memory`). */
  memoryFlag?: string;
  /** Run the worker thread at a lower scheduling priority than the main thread. */
  lowPriority?: boolean;
  /** Posts what a fresh worker must hold before its first job (called for every worker started). */
  onSpawn?: (post: (message: unknown) => void) => void;
  /** Told each time a worker is replaced, and why. */
  onReplace?: (reason: string) => void;
}

interface Entry {
  id: number;
  job: unknown;
  slot: number;
  /** The caller was answered with the abort reason; the worker's answer is dropped. */
  aborted: boolean;
  /** Times the job was handed to a worker. */
  attempts: number;
  /** Lost with a worker that died: runs again alone, so a job that kills workers cannot take others with it. */
  isolate: boolean;
  /** Events posted while this job waited: they go to the worker right after it, keeping their order. */
  after?: unknown[];
  /** Buffers and ports moved to the worker with the job (gone from the caller's side once posted). */
  transfer?: TransferListItem[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
  grace?: NodeJS.Timeout;
}

/** A worker thread that runs jobs and is replaced when it hangs or dies. */
export class SupervisedWorker {
  private readonly opts: SupervisedWorkerOptions;
  private worker: Worker | undefined;
  /** Bumped per worker started, so events of a replaced worker are ignored. */
  private generation = 0;
  private cells: Int32Array;
  private free: number[];
  private readonly running = new Map<number, Entry>();
  private readonly waiting: Entry[] = [];
  private nextId = 1;
  private closed = false;
  /** The current worker has not said it is ready yet (it is still loading its modules). */
  private loading = true;
  /** Workers replaced so far. */
  replacements = 0;

  constructor(opts: SupervisedWorkerOptions) {
    this.opts = opts;
    this.cells = cancelCells(opts.slots);
    this.free = Array.from({ length: opts.slots }, (_, i) => opts.slots - 1 - i);
    this.spawn();
  }

  /**
   * The worker thread is still loading its modules: jobs sent to it wait. A replacement can take
   * seconds to load on a busy machine, so callers that can choose send work elsewhere meanwhile.
   */
  get starting(): boolean {
    return this.loading && !this.closed;
  }

  /** Jobs in the worker (cancelled ones included until it confirms) plus jobs waiting for a slot. */
  get load(): number {
    return this.running.size + this.waiting.length;
  }

  /**
   * Posts an event to the worker, in order with jobs: an event posted after a job reaches the
   * worker after it, even when the job waits here for a slot (a job must see the state as it was
   * when it was asked, not changes made since).
   */
  post(event: unknown): void {
    if (this.closed) return;
    const last = this.waiting.at(-1);
    if (last) (last.after ??= []).push(event);
    else this.worker!.postMessage({ kind: 'event', event } satisfies ToWorker);
  }

  /**
   * Posts an event to the worker at once, ahead of jobs waiting for a slot: for an event no
   * waiting job depends on, and one that must not wait (it moves a port whose other end is
   * about to be used). Lost if the worker dies before it is applied.
   */
  postNow(event: unknown, transfer?: TransferListItem[]): void {
    if (this.closed) return;
    this.worker!.postMessage({ kind: 'event', event } satisfies ToWorker, transfer);
  }

  /**
   * Runs a job; rejects with the signal's reason as soon as it is aborted. `transfer` lists buffers
   * (or message ports) the job holds that move to the worker instead of being copied (the caller
   * must not use them again); such a job cannot run again on a replacement worker, so it fails if
   * its worker dies.
   */
  run<R>(job: unknown, signal: AbortSignal, transfer?: TransferListItem[]): Promise<R> {
    if (this.closed) return Promise.reject(WorkerClosed(`${this.opts.name} is shut down`));
    signal.throwIfAborted();
    return new Promise<R>((resolve, reject) => {
      const e: Entry = { id: this.nextId++, job, slot: -1, aborted: false, attempts: 0, isolate: false, transfer: transfer && transfer.length > 0 ? transfer : undefined, resolve: resolve as (v: unknown) => void, reject, signal, onAbort: () => this.abort(e) };
      signal.addEventListener('abort', e.onAbort, { once: true });
      this.waiting.push(e);
      this.pump();
    });
  }

  /** Stops the worker; waiting and running jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const err = WorkerClosed(`${this.opts.name} is shut down`);
    for (const e of [...this.waiting, ...this.running.values()]) this.settle(e, err);
    this.waiting.length = 0;
    this.running.clear();
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private spawn(): void {
    const gen = ++this.generation;
    this.loading = true;
    this.cells = cancelCells(this.opts.slots);
    this.free = Array.from({ length: this.opts.slots }, (_, i) => this.opts.slots - 1 - i);
    const data: SupervisedWorkerData = { cancel: this.cells.buffer as SharedArrayBuffer, lowPriority: this.opts.lowPriority ?? false, data: this.opts.workerData };
    const w = new Worker(this.opts.url, { workerData: data, resourceLimits: this.opts.resourceLimits });
    w.unref();
    this.worker = w;
    let failure: Error | undefined;
    w.on('message', (m: FromWorker) => {
      if (gen === this.generation) this.answer(m);
    });
    w.on('error', (err) => {
      failure = err;
    });
    w.on('exit', (code) => {
      if (gen !== this.generation || this.closed) return;
      const oom = (failure as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(oom ? 'out of memory' : failure ? `died: ${failure.message}` : `exited with code ${code}`, oom);
    });
    this.opts.onSpawn?.((message) => w.postMessage({ kind: 'event', event: message } satisfies ToWorker));
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.free.length > 0 && !this.closed) {
      if (this.waiting[0].isolate ? this.running.size > 0 : [...this.running.values()].some((r) => r.isolate)) return;
      const e = this.waiting.shift()!;
      e.slot = this.free.pop()!;
      Atomics.store(this.cells, e.slot, 0);
      e.attempts++;
      this.running.set(e.id, e);
      this.worker!.postMessage({ kind: 'job', id: e.id, slot: e.slot, job: e.job } satisfies ToWorker, e.transfer);
      this.flushAfter(e);
    }
  }

  /** Posts the events that waited behind a job. */
  private flushAfter(e: Entry): void {
    const after = e.after;
    e.after = undefined;
    for (const event of after ?? []) this.worker!.postMessage({ kind: 'event', event } satisfies ToWorker);
  }

  private abort(e: Entry): void {
    if (e.aborted) return;
    e.aborted = true;
    const reason = e.signal.reason;
    const i = this.waiting.indexOf(e);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      // Its events keep their place: behind the job before it, or out now if it led the queue.
      if (e.after) {
        if (i > 0) (this.waiting[i - 1].after ??= []).push(...e.after);
        else this.flushAfter(e);
      }
      e.reject(reason);
      return;
    }
    if (!this.running.has(e.id)) return;
    Atomics.store(this.cells, e.slot, 1);
    this.worker!.postMessage({ kind: 'abort', id: e.id } satisfies ToWorker);
    e.reject(reason);
    e.grace = setTimeout(() => {
      if (this.running.get(e.id) === e) this.replace(`a cancelled job did not stop within ${this.opts.abortGraceMs} ms`, false);
    }, this.opts.abortGraceMs);
    e.grace.unref();
  }

  private answer(m: FromWorker): void {
    if (m.kind === 'ready') {
      this.loading = false;
      return;
    }
    const e = this.running.get(m.id);
    if (!e) return;
    this.running.delete(m.id);
    this.free.push(e.slot);
    clearTimeout(e.grace);
    e.signal.removeEventListener('abort', e.onAbort);
    if (!e.aborted) {
      if (m.ok) e.resolve(m.result);
      else e.reject(new SpanbaseError(m.error.code ?? 'WRK_ERR_FAILED', m.error.message, m.error.statusCode ?? 500, { retryAfterSeconds: m.error.retryAfterSeconds }));
    }
    this.pump();
  }

  /** Terminates the current worker, starts another, and runs again what it held (once). */
  private replace(reason: string, outOfMemory: boolean): void {
    if (this.closed) return;
    this.replacements++;
    this.opts.onReplace?.(reason);
    const old = this.worker;
    const lost = [...this.running.values()];
    this.running.clear();
    void old?.terminate();
    // The new worker's onSpawn state already includes every change posted so far.
    for (const w of this.waiting) w.after = undefined;
    this.spawn();
    const again: Entry[] = [];
    for (const e of lost) {
      clearTimeout(e.grace);
      if (e.aborted) continue;
      if (e.attempts < 2 && !e.transfer) {
        e.isolate = true;
        again.push(e);
        continue;
      }
      const err = outOfMemory
        ? WorkerOutOfMemory(`the ${this.opts.name} ran out of memory running this query${e.transfer ? '' : ', twice'}${this.opts.memoryFlag ? ` (its limit is ${this.opts.memoryFlag})` : ''}; narrow the query or its time range`)
        : WorkerFailed(`the ${this.opts.name} failed running this query${e.transfer ? '' : ', twice'}: ${reason}`);
      this.settle(e, err);
    }
    this.waiting.unshift(...again);
    this.pump();
  }

  private settle(e: Entry, err: Error): void {
    clearTimeout(e.grace);
    e.signal.removeEventListener('abort', e.onAbort);
    if (!e.aborted) e.reject(err);
    e.aborted = true;
  }
}
