// A worker for the supervisor's tests: jobs that answer, spin (listening or deaf to
// cancellation), eat memory, or report state built from events; optionally slow to start.
import { jobWorkerData, serveJobs, transferring } from '../index.ts';

type Job = { op: 'echo'; value: unknown; delayMs?: number } | { op: 'sum'; values: Float64Array; thenDie?: boolean } | { op: 'spin' } | { op: 'spin-deaf' } | { op: 'eat-memory' } | { op: 'state' } | { op: 'make'; n: number; move: boolean } | { op: 'made-length' } | { op: 'fail'; code: string; status: number };

let total = 0;
const hogs: unknown[] = [];
/** The array the last 'make' job answered with, as this thread sees it now. */
let made: Float64Array | undefined;

// A worker slow to load its modules (as a replacement on a busy machine is): ready only after this.
const loadDelayMs = (jobWorkerData() as { loadDelayMs?: number } | undefined)?.loadDelayMs ?? 0;
if (loadDelayMs > 0) await new Promise((r) => setTimeout(r, loadDelayMs));

serveJobs({
  onEvent(e) {
    const ev = e as { add?: number; reset?: number };
    if (ev.reset !== undefined) total = ev.reset;
    if (ev.add !== undefined) total += ev.add;
  },
  async run(raw, signal) {
    const job = raw as Job;
    switch (job.op) {
      case 'echo':
        if (job.delayMs) await new Promise((r) => setTimeout(r, job.delayMs));
        return { value: job.value, data: jobWorkerData() };
      case 'sum':
        if (job.thenDie) process.exit(3);
        return job.values.reduce((a, b) => a + b, 0);
      case 'spin':
        for (;;) signal.throwIfAborted();
      case 'spin-deaf':
        for (;;) total += 0;
      case 'eat-memory':
        for (;;) hogs.push(new Array(1 << 16).fill({ x: Math.random() }));
      case 'state':
        return total;
      case 'make': {
        // After posting, a moved buffer is detached here: the answer says which it was.
        const values = (made = new Float64Array(job.n).fill(7));
        return job.move ? transferring({ values }, [values.buffer]) : { values };
      }
      case 'made-length':
        return made?.length;
      case 'fail':
        throw Object.assign(new Error('failed on purpose'), { code: job.code, statusCode: job.status });
    }
  },
});
