import { describe, expect, it } from 'vitest';
import { rng } from './test-fixture.ts';
import { QUANTILE_RELATIVE_ERROR, SUB_BUCKETS, ZERO_BUCKET, estimateQuantile, log2Bucket, quantileBucket } from './log-buckets.ts';

/** The exact nearest-rank quantile: the sample of rank ceil(p·n). */
function exactQuantile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
}

function histogram(values: readonly number[]): [number[], number[]] {
  const m = new Map<number, number>();
  for (const v of values) m.set(quantileBucket(v), (m.get(quantileBucket(v)) ?? 0) + 1);
  const buckets = [...m.keys()].sort((a, b) => a - b);
  return [buckets, buckets.map((b) => m.get(b)!)];
}

describe('log2Bucket (Tempo histogram buckets)', () => {
  it('maps (2^(k-1), 2^k] to k, exactly at the powers of two', () => {
    expect(log2Bucket(2)).toBe(1);
    expect(log2Bucket(3)).toBe(2);
    expect(log2Bucket(4)).toBe(2);
    expect(log2Bucket(5)).toBe(3);
    for (let k = 1; k < 62; k++) {
      expect(log2Bucket(2 ** k)).toBe(k);
      if (k < 52) expect(log2Bucket(2 ** k + 1)).toBe(k + 1);
    }
    expect(log2Bucket(0.5)).toBe(-1);
    expect(log2Bucket(0.75)).toBe(0);
  });
});

describe('estimateQuantile', () => {
  it(`stays within a factor 2^(1/${SUB_BUCKETS}) of the exact nearest-rank quantile`, () => {
    const r = rng(7);
    const shapes: Record<string, () => number> = {
      lognormal: () => Math.round(Math.exp(13 + 2 * Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r()))),
      uniform: () => 1 + Math.floor(r() * 1_000_000_000),
      bimodal: () => (r() < 0.9 ? 1_000_000 + Math.floor(r() * 1000) : 2_000_000_000 + Math.floor(r() * 1000)),
      tiny: () => Math.floor(r() * 4),
    };
    for (const [name, draw] of Object.entries(shapes)) {
      for (const n of [1, 2, 3, 10, 99, 1000, 20_000]) {
        const values = Array.from({ length: n }, draw);
        const sorted = [...values].sort((a, b) => a - b);
        const [buckets, counts] = histogram(values);
        for (const p of [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]) {
          const exact = exactQuantile(sorted, p);
          const est = estimateQuantile(p, buckets, counts);
          if (exact === 0) {
            expect(est, `${name} n=${n} p=${p}`).toBe(0);
            continue;
          }
          const ratio = est / exact;
          expect(ratio, `${name} n=${n} p=${p}: ${est} vs ${exact}`).toBeLessThanOrEqual(1 + QUANTILE_RELATIVE_ERROR + 1e-9);
          expect(ratio, `${name} n=${n} p=${p}: ${est} vs ${exact}`).toBeGreaterThanOrEqual(1 / (1 + QUANTILE_RELATIVE_ERROR) - 1e-9);
        }
      }
    }
  });

  it('states its error bound: 2^(1/8) - 1, under 9.1%', () => {
    expect(QUANTILE_RELATIVE_ERROR).toBeCloseTo(0.0905, 4);
  });

  it('is NaN without samples, and handles fractional (sampled) counts', () => {
    expect(estimateQuantile(0.5, [], [])).toBeNaN();
    const b = quantileBucket(1000);
    expect(estimateQuantile(0.5, [b], [0.5])).toBeCloseTo(2 ** (b / SUB_BUCKETS), 6);
    expect(estimateQuantile(0.5, [ZERO_BUCKET, b], [10, 1])).toBe(0);
  });
});
