// Settings whose 0 means "size it from the machine", resolved in one place so the memory budget
// and the role that runs them agree.
import { availableParallelism } from 'node:os';

/**
 * Compaction jobs that run at once: the flag, or one per four cores (at least one) when it is 0.
 * A quarter leaves most of the machine to ingest and queries, which share it on a single binary.
 */
export function compactionConcurrency(cfg: { 'compaction.concurrency': number }, cores = availableParallelism()): number {
  const n = cfg['compaction.concurrency'];
  return n > 0 ? n : Math.max(1, Math.floor(cores / 4));
}

/** Query worker threads: the flag, or one per core when it is 0 (a search uses them all). */
export function queryWorkers(cfg: { 'query.workers': number }, cores = availableParallelism()): number {
  const n = cfg['query.workers'];
  return n > 0 ? n : Math.max(1, cores);
}
