// The bench hook runs and counts every span (speed itself is the bench's business).
import { describe, expect, it } from 'vitest';
import { BENCH_METRICS_QUERIES, measureMetricsQueries } from './bench-metrics.ts';

describe('measureMetricsQueries', () => {
  it('times each query over prebuilt columns and over in-memory traces', async () => {
    const r = await measureMetricsQueries({ spans: 4000, runs: 1 });
    expect(r.map((x) => [x.query, x.source])).toEqual(BENCH_METRICS_QUERIES.flatMap((q) => [[q, 'columns'], [q, 'memory']]));
    for (const x of r) {
      expect(x.spans).toBeGreaterThan(3000);
      expect(x.spansPerSecond).toBeGreaterThan(0);
    }
  });
});
