import { describe, expect, it } from 'vitest';
import { latencyCurve, latencyStats, percentile, ratePerBucket, SampleBuffer } from './stats.ts';

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(s, 50)).toBe(50);
    expect(percentile(s, 99)).toBe(99);
    expect(percentile(s, 100)).toBe(100);
    expect(percentile(s, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples', () => {
    const st = latencyStats([5, 1, 3, 2, 4]);
    expect(st).toMatchObject({ count: 5, min: 1, max: 5, p50: 3, mean: 3 });
  });

  it('keeps only the percentiles the sample count resolves', () => {
    const curve = latencyCurve('x', Array.from({ length: 200 }, (_, i) => i));
    const ps = curve.points.map(([p]) => p);
    expect(ps).toContain(99.5);
    expect(ps).not.toContain(99.9);
    expect(ps[ps.length - 1]).toBe(100);
    expect(curve.points[curve.points.length - 1][1]).toBe(199);
  });

  it('turns completions into a rate per bucket, scaling a partial last bucket', () => {
    const r = ratePerBucket([100, 200, 600, 1100], [10, 10, 10, 10], 500, 1250);
    expect(r).toEqual([[0.5, 40], [1, 20], [1.5, 40]]);
  });

  it('grows a sample buffer', () => {
    const b = new SampleBuffer(2);
    for (let i = 0; i < 5; i++) b.push(i);
    expect([...b.view()]).toEqual([0, 1, 2, 3, 4]);
  });
});
