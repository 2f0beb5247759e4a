import { describe, expect, it } from 'vitest';
import { measureCompaction } from './bench-compaction.ts';

describe('measureCompaction', () => {
  it('generates inputs of the asked size and merges them in a child process', async () => {
    const phases = new Set<string>();
    const r = await measureCompaction({ inputBytes: 1024 * 1024, inputs: 3, onProgress: (p) => phases.add(p) });
    expect(r.inputBlocks).toBe(3);
    expect(r.inputBytes).toBeGreaterThanOrEqual(1024 * 1024);
    // Every 5th trace is split over two inputs: parts are joined, nothing is lost or added.
    expect(r.spansOut).toBe(r.spansIn);
    expect(r.outputBytes).toBeGreaterThan(0);
    expect(r.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(r.spansPerSecond).toBeGreaterThan(0);
    expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(r.spansPerCpuSecond).toBeGreaterThan(0);
    expect([...phases].sort()).toEqual(['generate', 'merge']);
  }, 120_000);

  it('runs the jobs of one window at once through the compactor', async () => {
    const r = await measureCompaction({ inputBytes: 512 * 1024, inputs: 2, jobs: 2 });
    expect([r.jobs, r.inputBlocks]).toEqual([2, 4]);
    expect(r.spansOut).toBe(r.spansIn);
    expect(r.spansIn).toBeGreaterThan(0);
  }, 120_000);
});
