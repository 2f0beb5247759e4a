// What the supervisor and its worker say to each other. Events and jobs travel on one port, so a
// worker sees them in the order they were posted: an event posted before a job is applied
// before the job runs.

/** Main to worker. */
export type ToWorker =
  | { kind: 'job'; id: number; slot: number; job: unknown }
  | { kind: 'abort'; id: number }
  | { kind: 'event'; event: unknown };

/** A failure, as it crosses the thread boundary. */
export interface WireError {
  message: string;
  code?: string;
  statusCode?: number;
  retryAfterSeconds?: number;
}

/** Worker to main. `ready` comes once, when the worker has loaded its modules and takes jobs. */
export type FromWorker = { kind: 'result'; id: number; ok: true; result: unknown } | { kind: 'result'; id: number; ok: false; error: WireError } | { kind: 'ready' };

/** The workerData a supervised worker gets; `data` is the caller's own. */
export interface SupervisedWorkerData {
  cancel: SharedArrayBuffer;
  lowPriority: boolean;
  data: unknown;
}
