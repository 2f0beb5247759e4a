// The worker side of a supervised worker: applies events in order, runs jobs with a signal that
// sees cancellation even inside synchronous loops, and answers each job exactly once.
import { parentPort, workerData } from 'node:worker_threads';
import { slotSignal } from './cancel-cells.ts';
import type { SlotSignal } from './cancel-cells.ts';
import type { FromWorker, SupervisedWorkerData, ToWorker, WireError } from './protocol.ts';
import { lowerThreadPriority } from './thread-priority.ts';
import { transferListOf } from './transfer.ts';

/** What a worker does with what it is sent. */
export interface JobHandlers {
  /** Runs one job; its signal is aborted when the job is cancelled. */
  run(job: unknown, signal: AbortSignal): Promise<unknown>;
  /** Applies an event (state updates), synchronously and in order. */
  onEvent?(event: unknown): void;
}

/** The caller's workerData inside a supervised worker. */
export function jobWorkerData<T>(): T {
  return (workerData as SupervisedWorkerData).data as T;
}

function wire(err: unknown): WireError {
  const e = err as { message?: string; code?: string; statusCode?: number; retryAfterSeconds?: number } | undefined;
  return { message: e?.message ?? String(err), code: e?.code, statusCode: e?.statusCode, retryAfterSeconds: e?.retryAfterSeconds };
}

/** Serves jobs on this worker thread. */
export function serveJobs(handlers: JobHandlers): void {
  const data = workerData as SupervisedWorkerData;
  if (data.lowPriority) lowerThreadPriority(10);
  const cells = new Int32Array(data.cancel);
  const jobs = new Map<number, SlotSignal>();
  const port = parentPort!;
  port.on('message', (m: ToWorker) => {
    if (m.kind === 'event') {
      handlers.onEvent?.(m.event);
      return;
    }
    if (m.kind === 'abort') {
      jobs.get(m.id)?.abort();
      return;
    }
    const s = slotSignal(cells, m.slot, () => new Error('job cancelled'));
    jobs.set(m.id, s);
    let answer: FromWorker;
    let transfer: ArrayBuffer[] | undefined;
    handlers
      .run(m.job, s.signal)
      .then(
        (result) => {
          transfer = transferListOf(result);
          answer = { kind: 'result', id: m.id, ok: true, result };
        },
        (err) => (answer = { kind: 'result', id: m.id, ok: false, error: wire(err) }),
      )
      .then(() => {
        jobs.delete(m.id);
        try {
          port.postMessage(answer, transfer);
        } catch (err) {
          // A result that cannot be cloned must still answer the job.
          port.postMessage({ kind: 'result', id: m.id, ok: false, error: wire(err) } satisfies FromWorker);
        }
      });
  });
  port.postMessage({ kind: 'ready' } satisfies FromWorker);
}
