// The first module of every supervised worker: lowers the thread's priority (when asked) and only
// then loads the worker's own module. Loading is most of a worker's start-up work (type
// stripping, compiling, resolving a few hundred modules: over a second of CPU per thread), and
// all workers start together with the process; at normal priority they would take the cores
// from the thread that acknowledges ingest and answers /ready just after a restart.
import { workerData } from 'node:worker_threads';
import type { SupervisedWorkerData } from './protocol.ts';
import { lowerThreadPriority } from './thread-priority.ts';

const data = workerData as SupervisedWorkerData;
if (data.lowPriority) lowerThreadPriority(10);
await import(data.entry);
