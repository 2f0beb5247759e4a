// Partial results from several sources merge into exactly what one source gives; exemplars,
// sampling and the series limit.
import { describe, expect, it } from 'vitest';
import { MemoryFetcher } from '../memory-fetcher.ts';
import { emptyPartial, evaluateMetrics, executeMetrics, finishMetrics, mergeMetrics } from './engine.ts';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { planMetrics } from './plan.ts';
import type { MetricsResult } from './engine.ts';
import { inSample } from './sampling.ts';
import { BASE, DATA, RANGE, S, bucketed, intervalOfSpan, labelText, run } from './test-fixture.ts';

const QUERIES = [
  '{} | rate() by (resource.service.name)',
  '{ status = error } | count_over_time()',
  '{} | min_over_time(duration) by (span.http.route)',
  '{} | max_over_time(duration)',
  '{} | sum_over_time(span.http.response_size)',
  '{} | avg_over_time(duration) by (resource.service.name)',
  '{} | quantile_over_time(duration, .5, .99) by (resource.service.name)',
  '{} | histogram_over_time(duration)',
  '{} | compare({ status = error })',
  '({ status = error } | rate()) / ({} | rate())',
];

function plain(r: MetricsResult): unknown {
  return r.series.map((s) => ({ labels: s.labels.map((l) => [l.key, labelText(l.value)]), values: [...s.values].map((v) => (Number.isNaN(v) ? 'NaN' : Number(v.toPrecision(12)))) }));
}

describe('merging partial results', () => {
  it('three sources merged give what one source holding everything gives', async () => {
    const parts = [0, 1, 2].map((k) => DATA.traces.filter((_, i) => i % 3 === k));
    for (const q of QUERIES) {
      const plan = planMetrics(q, { ...RANGE, exemplars: 0 });
      const whole = finishMetrics(plan, await evaluateMetrics(plan, new MemoryColumnFetcher(DATA.traces)));
      const merged = emptyPartial(plan);
      for (const p of parts) mergeMetrics(merged, await evaluateMetrics(plan, p.length % 2 ? new MemoryFetcher(p) : new MemoryColumnFetcher(p)));
      expect(plain(finishMetrics(plan, merged)), q).toEqual(plain(whole));
    }
  });
});

describe('exemplars', () => {
  it('picks at most the limit, one per trace, spread over time, with trace:id and span:id', async () => {
    const r = await run('{} | rate() by (resource.service.name)', new MemoryColumnFetcher(DATA.traces), { exemplars: 10 });
    const ex = r.series.flatMap((s) => s.exemplars.map((e) => ({ s, e })));
    expect(ex.length).toBeGreaterThan(5);
    expect(ex.length).toBeLessThanOrEqual(10);
    const traces = ex.map(({ e }) => labelText(e.labels.find((l) => l.key === 'trace:id')!.value));
    expect(new Set(traces).size).toBe(traces.length);
    for (const { s, e } of ex) {
      expect(e.labels.find((l) => l.key === 'span:id')!.value).toMatchObject({ type: 'string' });
      expect(labelText(e.labels.find((l) => l.key === 'resource.service.name')!.value)).toBe(labelText(s.labels[0].value));
      // A rate's exemplar carries the value of its step's sample.
      const i = Math.floor((e.timestampMs - Number(BASE / 1_000_000n)) / 60_000) + 1;
      expect(e.value).toBe(s.values[i]);
    }
    const minutes = new Set(ex.map(({ e }) => Math.floor((e.timestampMs - Number(BASE / 1_000_000n)) / 60_000)));
    expect(minutes.size).toBeGreaterThanOrEqual(4);
  });

  it('a quantile exemplar carries its own duration in seconds; the exemplars hint overrides the request', async () => {
    const r = await run('{} | quantile_over_time(duration, .5) with(exemplars=3)', new MemoryFetcher(DATA.traces), { exemplars: 50 });
    const ex = r.series.flatMap((s) => s.exemplars);
    expect(ex.length).toBeGreaterThan(0);
    expect(ex.length).toBeLessThanOrEqual(3);
    const durations = new Set(DATA.spans.map((s) => Number(s.duration) / 1e9));
    for (const e of ex) expect(durations.has(e.value)).toBe(true);
    const none = await run('{} | rate() with(exemplars=false)', new MemoryColumnFetcher(DATA.traces));
    expect(none.series[0].exemplars).toHaveLength(0);
  });
});

describe('sampling', () => {
  it('with(sample=0.5) counts the spans whose id hashes into the sample, twice', async () => {
    const r = await run('{} | count_over_time() with(sample=0.5)', new MemoryColumnFetcher(DATA.traces));
    const ids = DATA.traces.flat().map((rec) => rec.span);
    const kept = new Array(11).fill(0);
    ids.forEach((span, i) => {
      if (inSample(span.spanId, 0.5)) kept[intervalOfSpan(DATA.spans[i])] += 2;
    });
    expect([...r.series[0].values]).toEqual(kept);
    const total = kept.reduce((a, b) => a + b, 0);
    expect(Math.abs(total / DATA.spans.length - 1)).toBeLessThan(0.15);
    const spans = await run('{} | count_over_time() with(sample=0.5)', new MemoryFetcher(DATA.traces));
    expect([...spans.series[0].values]).toEqual(kept);
  });

  it('with(trace_sample=0.5) keeps whole traces; min and max are not scaled', async () => {
    const r = await run('{} | max_over_time(duration) with(trace_sample=0.5)', new MemoryFetcher(DATA.traces));
    const kept = bucketed((s) => inSample(DATA.traces[s.trace][0].span.traceId, 0.5), () => '', (s) => Number(s.duration) / 1e9).get('')!;
    r.series[0].values.forEach((v, i) => (kept[i].length === 0 ? expect(v).toBeNaN() : expect(v).toBeCloseTo(Math.max(...kept[i]), 12)));
  });
});

describe('limits', () => {
  it('stops adding groups at maxSeries and says the result is truncated', async () => {
    const r = await executeMetrics('{} | count_over_time() by (span:id)', new MemoryColumnFetcher(DATA.traces), { ...RANGE, maxSeries: 5 });
    expect(r.series).toHaveLength(5);
    expect(r.truncated).toBe(true);
    const ok = await run('{} | count_over_time() by (resource.service.name)', new MemoryColumnFetcher(DATA.traces), { maxSeries: 5 });
    expect(ok.truncated).toBe(false);
  });

  it('refuses a grid of too many steps, and a search query', () => {
    expect(() => planMetrics('{} | rate()', { start: BASE, end: BASE + 3600n * S, step: 100_000_000n })).toThrow(/more than 11000 steps/);
    expect(() => planMetrics('{ .a = 1 }', RANGE)).toThrow(/search query/);
  });
});
