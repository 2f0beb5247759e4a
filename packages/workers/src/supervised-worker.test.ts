import { afterEach, describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { SupervisedWorker } from './supervised-worker.ts';
import type { SupervisedWorkerOptions } from './supervised-worker.ts';
import { WorkerOutOfMemory } from './errors.ts';
import { leastBusy } from './least-busy.ts';

const url = new URL('./testing/test-worker.ts', import.meta.url);
const open: SupervisedWorker[] = [];
function supervised(o: Partial<SupervisedWorkerOptions> = {}): SupervisedWorker {
  const w = new SupervisedWorker({ url, name: 'test worker', slots: 2, abortGraceMs: 300, workerData: { hello: 1 }, ...o });
  open.push(w);
  return w;
}
const never = () => new AbortController().signal;
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

describe('SupervisedWorker', () => {
  it('runs jobs and hands the worker its data', async () => {
    const w = supervised();
    expect(await w.run({ op: 'echo', value: 7 }, never())).toEqual({ value: 7, data: { hello: 1 } });
  });

  it('says it is starting until the thread has loaded, and a chooser prefers a ready worker however busy', async () => {
    const slow = supervised({ workerData: { loadDelayMs: 800 } });
    const ready = supervised();
    await ready.run({ op: 'echo', value: 0 }, never());
    expect(ready.starting).toBe(false);
    expect(slow.starting).toBe(true);
    const busy = ready.run({ op: 'echo', value: 1, delayMs: 300 }, never());
    expect(ready.load).toBeGreaterThan(slow.load);
    expect(leastBusy([slow, ready])).toBe(ready);
    await until(() => !slow.starting);
    expect(leastBusy([slow, ready])).toBe(slow);
    await busy;
    // All still starting: the least busy of them.
    const a = supervised({ workerData: { loadDelayMs: 800 } });
    const b = supervised({ workerData: { loadDelayMs: 800 } });
    const queued = a.run({ op: 'echo', value: 2 }, never());
    expect(leastBusy([a, b])).toBe(b);
    expect(await queued).toMatchObject({ value: 2 });
  });

  it('keeps named errors across the thread boundary', async () => {
    const w = supervised();
    const err = await w.run({ op: 'fail', code: 'X_ERR_TEST', status: 418 }, never()).catch((e: unknown) => e);
    expect(isSpanbaseError(err) && err.code === 'X_ERR_TEST' && err.statusCode === 418).toBe(true);
  });

  it('stops a spinning job that checks its signal, without replacing the worker', async () => {
    // The grace is long and the worker started first: on a loaded machine a thread still loading
    // its modules, or one kept off the CPU for a moment, must not pass for one ignoring its signal.
    const w = supervised({ abortGraceMs: 3000 });
    await w.run({ op: 'echo', value: 0 }, never());
    const ac = new AbortController();
    const p = w.run({ op: 'spin' }, ac.signal);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort(new Error('timed out'));
    await expect(p).rejects.toThrow('timed out');
    // The slot stays taken until the worker says the job stopped.
    await until(() => w.load === 0);
    expect(w.replacements).toBe(0);
    expect(await w.run({ op: 'echo', value: 1 }, never())).toMatchObject({ value: 1 });
  });

  it('replaces a worker that does not stop a cancelled job, and counts the job as running until then', async () => {
    const w = supervised({ slots: 1 });
    const ac = new AbortController();
    const p = w.run({ op: 'spin-deaf' }, ac.signal);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort(new Error('client went away'));
    await expect(p).rejects.toThrow('client went away');
    expect(w.load).toBe(1);
    const next = w.run({ op: 'echo', value: 2 }, never());
    expect(w.load).toBe(2);
    expect(await next).toMatchObject({ value: 2 });
    expect(w.replacements).toBe(1);
  });

  it('replaces a worker that runs out of memory, fails the job that did it, and runs the others again', async () => {
    const w = supervised({ resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 }, memoryFlag: '--test.memory' });
    const other = w.run({ op: 'echo', value: 'survivor', delayMs: 300 }, never());
    const err = await w.run({ op: 'eat-memory' }, never()).catch((e: unknown) => e);
    expect(isSpanbaseError(err, WorkerOutOfMemory)).toBe(true);
    expect((err as Error).message).toContain('--test.memory');
    expect(await other).toMatchObject({ value: 'survivor' });
    expect(w.replacements).toBe(2);
  });

  it('hands a new worker its state before any job', async () => {
    let total = 0;
    const w = supervised({ slots: 1, onSpawn: (post) => post({ reset: total }) });
    const add = (n: number) => {
      total += n;
      w.post({ add: n });
    };
    add(5);
    add(6);
    expect(await w.run({ op: 'state' }, never())).toBe(11);
    const ac = new AbortController();
    const stuck = w.run({ op: 'spin-deaf' }, ac.signal);
    add(1);
    ac.abort(new Error('cancel'));
    await expect(stuck).rejects.toThrow('cancel');
    add(2);
    expect(await w.run({ op: 'state' }, never())).toBe(14);
    expect(w.replacements).toBe(1);
  });

  it('keeps events behind the jobs asked before them, even while those wait for a slot', async () => {
    const w = supervised({ slots: 1 });
    w.post({ reset: 1 });
    const busy = w.run({ op: 'echo', value: 0, delayMs: 100 }, never());
    const asked = w.run({ op: 'state' }, never());
    const ac = new AbortController();
    const dropped = w.run({ op: 'state' }, ac.signal);
    w.post({ add: 10 });
    ac.abort(new Error('gone'));
    await expect(dropped).rejects.toThrow('gone');
    w.post({ add: 100 });
    await busy;
    expect(await asked).toBe(1);
    expect(await w.run({ op: 'state' }, never())).toBe(111);
  });

  it('queues jobs beyond its slots and drops a queued job that is cancelled', async () => {
    const w = supervised({ slots: 1 });
    const first = w.run({ op: 'echo', value: 1, delayMs: 100 }, never());
    const ac = new AbortController();
    const queued = w.run({ op: 'echo', value: 2 }, ac.signal);
    const third = w.run({ op: 'echo', value: 3 }, never());
    expect(w.load).toBe(3);
    ac.abort(new Error('gone'));
    await expect(queued).rejects.toThrow('gone');
    expect(w.load).toBe(2);
    expect(await first).toMatchObject({ value: 1 });
    expect(await third).toMatchObject({ value: 3 });
  });

  it('moves transferred buffers to the worker, and fails a job whose buffers went with a worker that died', async () => {
    const w = supervised();
    const values = Float64Array.from([1, 2, 3]);
    expect(await w.run({ op: 'sum', values }, never(), [values.buffer])).toBe(6);
    // Moved, not copied: the caller's view is detached.
    expect(values.length).toBe(0);
    const lost = Float64Array.from([4]);
    const err = await w.run({ op: 'sum', values: lost, thenDie: true }, never(), [lost.buffer]).catch((e: unknown) => e);
    // Run again it would see an empty array and answer 0: it fails instead.
    expect(isSpanbaseError(err) && err.code === 'WRK_ERR_FAILED').toBe(true);
    expect(w.replacements).toBe(1);
    expect(await w.run({ op: 'echo', value: 1 }, never())).toMatchObject({ value: 1 });
  });

  it('moves the buffers a job marks with transferring back to the caller instead of copying them', async () => {
    const w = supervised();
    const moved = await w.run<{ values: Float64Array }>({ op: 'make', n: 1000, move: true }, never());
    expect(moved.values.length).toBe(1000);
    expect(moved.values[999]).toBe(7);
    // The worker's own view of a moved buffer is empty once the answer is posted.
    expect(await w.run({ op: 'made-length' }, never())).toBe(0);
    const copied = await w.run<{ values: Float64Array }>({ op: 'make', n: 1000, move: false }, never());
    expect(copied.values.length).toBe(1000);
    expect(await w.run({ op: 'made-length' }, never())).toBe(1000);
  });
});
