// Choosing among supervised workers: a worker still loading its modules (a replacement, on a busy
// machine, can take seconds) holds any job sent to it until it is ready, so a ready worker is
// preferred whenever there is one, however busy.
import type { SupervisedWorker } from './supervised-worker.ts';

/** The ready worker with the fewest jobs; when every worker is still starting, the one with the fewest. */
export function leastBusy(workers: readonly SupervisedWorker[]): SupervisedWorker {
  const ready = workers.filter((w) => !w.starting);
  const from = ready.length > 0 ? ready : workers;
  return from.reduce((a, b) => (b.load < a.load ? b : a));
}
