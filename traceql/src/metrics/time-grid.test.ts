import { describe, expect, it } from 'vitest';
import { defaultStep, instantGrid, intervalAt, intervalOf, rangeGrid, sampleTimeMs } from './time-grid.ts';

const S = 1_000_000_000n;
const B = 1_700_000_040n * S; // a whole minute

describe('defaultStep', () => {
  it('aims at about 240 points on Tempo granularities', () => {
    expect(defaultStep(B, B + 3600n * S)).toBe(15n * S); // 1h / 240 = 15s: not above 15s, so 5s multiples
    expect(defaultStep(B, B + 3601n * S)).toBe(15n * S);
    expect(defaultStep(B, B + 24n * 3600n * S)).toBe(300n * S); // 6m, rounded down to a multiple of 5m
    expect(defaultStep(B, B + 7n * 24n * 3600n * S)).toBe(2400n * S); // 42m → 40m
    expect(defaultStep(B, B + 30n * S)).toBe(100_000_000n); // under a minute: multiples of 50ms
    expect(defaultStep(B, B + 10n * S)).toBe(50_000_000n);
    expect(defaultStep(B, B + 120n * S)).toBe(S); // floor
  });
});

describe('rangeGrid', () => {
  it('aligns start down (one extra step) and end up, as Tempo does', () => {
    const g = rangeGrid(B + 7n * S, B + 295n * S, 60n * S);
    expect(g.start).toBe(B - 60n * S);
    expect(g.end).toBe(B + 300n * S);
    expect(g.intervals).toBe(6);
    expect(sampleTimeMs(g, 0)).toBe(Number(B / 1_000_000n));
    expect(sampleTimeMs(g, 5)).toBe(Number((B + 300n * S) / 1_000_000n));
  });

  it('puts a time on a boundary in the interval it ends (right-closed)', () => {
    const g = rangeGrid(B, B + 120n * S, 60n * S);
    expect(intervalOf(g, g.start)).toBe(-1);
    expect(intervalOf(g, g.start + 1n)).toBe(0);
    expect(intervalOf(g, g.start + 60n * S)).toBe(0);
    expect(intervalOf(g, g.start + 60n * S + 1n)).toBe(1);
    expect(intervalOf(g, g.end)).toBe(g.intervals - 1);
    expect(intervalOf(g, g.end + 1n)).toBe(-1);
  });

  it('maps exactly even where a division rounds', () => {
    const step = 3;
    for (let k = 1; k < 1000; k++) {
      expect(intervalAt(k * step, step, 2000)).toBe(k - 1);
      expect(intervalAt(k * step + 1, step, 2000)).toBe(k);
    }
    const big = 2 ** 52;
    expect(intervalAt(big, big / 4, 4)).toBe(3);
    expect(intervalAt(big - 1, big / 4, 4)).toBe(3);
    expect(intervalAt(big / 4 * 3, big / 4, 4)).toBe(2);
  });
});

describe('instantGrid', () => {
  it('is one unaligned interval (start, end]', () => {
    const g = instantGrid(B + 7n * S, B + 70n * S);
    expect(g).toMatchObject({ intervals: 1, instant: true, step: 63n * S });
    expect(intervalOf(g, B + 7n * S)).toBe(-1);
    expect(intervalOf(g, B + 70n * S)).toBe(0);
    expect(sampleTimeMs(g, 0)).toBe(Number((B + 70n * S) / 1_000_000n));
  });
});
