// A partial taken apart into data and rebuilt from the plan finishes exactly as the original, for
// every kind of pipeline; data that does not fit the plan is refused, not merged into nonsense.
import { describe, expect, it } from 'vitest';
import { evaluateMetrics, finishMetrics } from './engine.ts';
import type { MetricsResult } from './engine.ts';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { partialData, partialFromData } from './partial-data.ts';
import { planMetrics } from './plan.ts';
import { DATA, RANGE, labelText } from './test-fixture.ts';

const QUERIES = [
  '{} | rate() by (resource.service.name)',
  '{} | min_over_time(duration) by (span.http.route)',
  '{} | sum_over_time(span.http.response_size)',
  '{} | avg_over_time(duration) by (resource.service.name)',
  '{} | quantile_over_time(duration, .5, .99) by (resource.service.name)',
  '{} | histogram_over_time(duration)',
  '{} | compare({ status = error })',
  '({ status = error } | rate()) / ({} | rate())',
];

function plain(r: MetricsResult): unknown {
  const num = (v: number) => (Number.isNaN(v) ? 'NaN' : v);
  return {
    truncated: r.truncated,
    spans: r.spans,
    series: r.series.map((s) => ({
      labels: s.labels.map((l) => [l.key, labelText(l.value)]),
      values: [...s.values].map(num),
      exemplars: s.exemplars.map((e) => ({ labels: e.labels.map((l) => [l.key, labelText(l.value)]), value: num(e.value), t: e.timestampMs })),
    })),
  };
}

describe('metrics partial data', () => {
  it('rebuilds every kind of pipeline state exactly, exemplars and truncation included', async () => {
    for (const q of QUERIES) {
      const plan = planMetrics(q, { ...RANGE, exemplars: 20, maxSeries: 3 });
      const partial = await evaluateMetrics(plan, new MemoryColumnFetcher(DATA.traces));
      const rebuilt = partialFromData(plan, structuredClone(partialData(partial)));
      expect(plain(finishMetrics(plan, rebuilt)), q).toEqual(plain(finishMetrics(plan, partial)));
    }
  });

  it('refuses data made for another plan', async () => {
    const plan = planMetrics('{} | rate()', RANGE);
    const data = partialData(await evaluateMetrics(plan, new MemoryColumnFetcher(DATA.traces)));
    const longer = planMetrics('{} | rate()', { ...RANGE, end: RANGE.end + (RANGE.end - RANGE.start) });
    expect(() => partialFromData(longer, data)).toThrow(/intervals/);
    expect(() => partialFromData(planMetrics('{} | compare({ status = error })', RANGE), data)).toThrow(/is not compare/);
    expect(() => partialFromData(planMetrics('({} | rate()) / ({} | rate())', RANGE), data)).toThrow(/pipelines/);
  });
});
