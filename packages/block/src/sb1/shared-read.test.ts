import { describe, expect, it } from 'vitest';
import type { MemoryStore, ObjectStore } from '@spanbase/backend';
import { openBlock } from '../registry.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import type { Sb1Reader } from './reader.ts';
import { SharedRead } from './shared-read.ts';

/** A read that resolves when told to, and records the signal it was started with. */
function gated<T>() {
  const starts: AbortSignal[] = [];
  let release: (v: T) => void = () => undefined;
  const read = new SharedRead<T>(
    (signal) =>
      new Promise<T>((resolve, reject) => {
        starts.push(signal);
        release = resolve;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  );
  return { read, starts, release: (v: T) => release(v) };
}

describe('SharedRead', () => {
  it('ends only the wait of a caller that gives up; the others get the value of the one read', async () => {
    const g = gated<number>();
    const a = new AbortController();
    const first = g.read.get(a.signal);
    const second = g.read.get(new AbortController().signal);
    a.abort(new Error('first caller timed out'));
    await expect(first).rejects.toThrow('first caller timed out');
    expect(g.starts[0].aborted).toBe(false);
    g.release(42);
    expect(await second).toBe(42);
    expect(await g.read.get()).toBe(42);
    expect(g.starts).toHaveLength(1);
  });

  it('cancels the read once every caller has given up, and the next caller starts a new one', async () => {
    const g = gated<number>();
    const a = new AbortController();
    const b = new AbortController();
    const ps = [g.read.get(a.signal), g.read.get(b.signal)];
    a.abort(new Error('a'));
    expect(g.starts[0].aborted).toBe(false);
    b.abort(new Error('b'));
    expect(g.starts[0].aborted).toBe(true);
    await Promise.allSettled(ps);
    const next = g.read.get(new AbortController().signal);
    expect(g.starts).toHaveLength(2);
    g.release(7);
    expect(await next).toBe(7);
  });

  it('never cancels a read a caller without a signal waits on', async () => {
    const g = gated<number>();
    const a = new AbortController();
    const unbounded = g.read.get();
    const bounded = g.read.get(a.signal);
    a.abort(new Error('gone'));
    await expect(bounded).rejects.toThrow('gone');
    expect(g.starts[0].aborted).toBe(false);
    g.release(1);
    expect(await unbounded).toBe(1);
  });

  it('reads again after a failure, and once after a success', async () => {
    let calls = 0;
    const read = new SharedRead<number>(async () => {
      calls++;
      if (calls === 1) throw new Error('store down');
      return calls;
    });
    await expect(read.get()).rejects.toThrow('store down');
    expect(await read.get()).toBe(2);
    expect(await read.get()).toBe(2);
    expect(calls).toBe(2);
  });
});

describe('a block reader shared by jobs', () => {
  it('does not fail one job because another job waiting on the same read was cancelled', async () => {
    const { store, meta } = await writeTestBlock('sb1', generateRealisticTraces({ traces: 50, seed: 3 }), { rowGroupSpans: 100 });
    // Every read waits until let go, so both jobs are waiting on the same first read.
    const gates: (() => void)[] = [];
    const slow: ObjectStore = Object.create(store as MemoryStore) as ObjectStore;
    slow.get = async (key, opts) => {
      await new Promise<void>((r) => gates.push(r));
      opts?.signal?.throwIfAborted();
      return store.get(key, opts);
    };
    slow.getRange = async (key, offset, length, opts) => {
      await new Promise<void>((r) => gates.push(r));
      opts?.signal?.throwIfAborted();
      return store.getRange(key, offset, length, opts);
    };
    const reader = openBlock(slow, meta) as Sb1Reader;
    const cancelled = new AbortController();
    const first = reader.needleFilters({ signal: cancelled.signal });
    const second = reader.needleFilters({ signal: new AbortController().signal });
    cancelled.abort(new Error('job cancelled'));
    const release = setInterval(() => gates.splice(0).forEach((r) => r()), 1);
    try {
      await expect(first).rejects.toThrow('job cancelled');
      await expect(second).resolves.toBeDefined();
    } finally {
      clearInterval(release);
    }
  });
});
