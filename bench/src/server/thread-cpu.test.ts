import { describe, expect, it } from 'vitest';
import { cpuPerUnitNote, threadCpuSeconds, threadKind } from './thread-cpu.ts';

describe('thread CPU by kind', () => {
  it('names the kinds of a Node process', () => {
    expect(threadKind('node', true)).toBe('main');
    expect(threadKind('WorkerThread', false)).toBe('workers');
    expect(threadKind('block-writer', false)).toBe('block writer');
    expect(threadKind('V8Worker', false)).toBe('v8 helpers');
    expect(threadKind('libuv-worker', false)).toBe('libuv pool');
    expect(threadKind('node', false)).toBe('other');
  });

  it('reads this process and charges busy work to the main thread', () => {
    const before = threadCpuSeconds(process.pid);
    if (before.size === 0) return; // no /proc here
    const end = performance.now() + 300;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    const after = threadCpuSeconds(process.pid);
    expect(x).toBeGreaterThan(0);
    expect(after.get('main')! - before.get('main')!).toBeGreaterThan(0.05);
  });

  it('writes microseconds per unit, largest first, leaving out kinds that did nothing', () => {
    const before = new Map([['main', 1], ['workers', 2], ['libuv pool', 0.5]] as const);
    const after = new Map([['main', 1.5], ['workers', 3], ['libuv pool', 0.5]] as const);
    expect(cpuPerUnitNote(before, after, 100_000)).toBe('workers 10.00, main 5.00');
    expect(cpuPerUnitNote(before, new Map(), 10)).toBeUndefined();
  });
});
