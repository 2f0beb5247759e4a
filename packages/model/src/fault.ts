// Fault points for crash tests: when the environment variable SPANBASE_FAULT names a point, the
// code reaching it announces "FAULT <name>" on stderr and stops there, so a test can SIGKILL the
// process at exactly that step (during a block upload, before a WAL segment is deleted, ...).
// Unset in production: then a fault point is one string comparison.

/** Waits forever at `name` when SPANBASE_FAULT=name; returns at once otherwise. */
export function faultPoint(name: string): Promise<void> {
  if (process.env.SPANBASE_FAULT !== name) return Promise.resolve();
  process.stderr.write(`FAULT ${name}\n`);
  return new Promise(() => {});
}

/**
 * Spins on this thread forever, deaf to cancellation, when SPANBASE_FAULT=name and `when` holds:
 * a stand-in for a query that never yields (tests of hard cancellation replace the worker it hangs).
 */
export function faultSpin(name: string, when: boolean): void {
  if (process.env.SPANBASE_FAULT !== name || !when) return;
  for (;;) {
    // Nothing here checks a signal; only terminating the thread ends it.
  }
}
