// Query work runs at a lower scheduling priority than the thread that acknowledges ingest and
// answers /ready. On a small machine the workers of a query storm outnumber the cores, and the
// kernel would otherwise share the cores out evenly: the event loop would wait its turn behind
// them. Linux keeps a nice value per thread (setpriority on a thread id); elsewhere this is a no-op.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Sets the calling thread's nice value (0-19, higher yields more); false when the platform cannot. */
export function lowerThreadPriority(nice: number): boolean {
  try {
    // /proc/thread-self links to <pid>/task/<tid>.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
