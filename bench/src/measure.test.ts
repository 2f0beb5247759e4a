import { describe, expect, it } from 'vitest';
import { timeRepeated } from './measure.ts';

/** A run that sleeps `ms` and returns the wall time it took. */
const sleeper = (ms: number) => async () => {
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return performance.now() - t0;
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('timeRepeated', () => {
  it('runs the untimed warm-up runs, then the timed ones', async () => {
    const warm: number[] = [];
    const samples = await timeRepeated(sleeper(1), { warmup: 5, maxRuns: 3, budgetMs: 10_000, onWarmup: (ms) => warm.push(ms) });
    expect(warm).toHaveLength(5);
    expect(samples).toHaveLength(3);
  });

  it('ends the warm-up once warmupMs has passed, so a slow query is not repeated thirty times', async () => {
    const warm: number[] = [];
    await timeRepeated(sleeper(20), { warmup: 30, warmupMs: 50, maxRuns: 1, budgetMs: 0, onWarmup: (ms) => warm.push(ms) });
    expect(warm.length).toBeLessThan(30);
    // It started no run after 50 ms, and stopped only once about 50 ms had passed.
    expect(sum(warm.slice(0, -1))).toBeLessThan(50);
    expect(sum(warm)).toBeGreaterThanOrEqual(45);
  });

  it('always makes the first warm-up run, whatever the time allowed', async () => {
    const warm: number[] = [];
    await timeRepeated(sleeper(1), { warmup: 30, warmupMs: 0, maxRuns: 1, budgetMs: 0, onWarmup: (ms) => warm.push(ms) });
    expect(warm).toHaveLength(1);
  });
});
