export type { SupervisedWorkerOptions } from './supervised-worker.ts';
export { SupervisedWorker } from './supervised-worker.ts';
export type { JobHandlers } from './job-server.ts';
export { serveJobs, jobWorkerData } from './job-server.ts';
export type { SlotSignal } from './cancel-cells.ts';
export { cancelCells, slotSignal } from './cancel-cells.ts';
export { lowerThreadPriority } from './thread-priority.ts';
export { WorkerOutOfMemory, WorkerFailed, WorkerClosed } from './errors.ts';
export { transferring } from './transfer.ts';
