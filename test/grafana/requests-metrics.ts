// TraceQL metrics as Grafana's Explore and dashboards send them (queryType traceql with a
// metrics function): its Go backend asks /api/metrics/query_range, or /api/metrics/query when
// the query's metricsQueryType is instant, with q, start and end in seconds, the query's step
// and exemplars options (pkg/tsdb/tempo/traceql_query.go).
import type { AttributeValue } from '@opentelemetry/api';
import { expect } from 'vitest';
import type { Fixture } from './fixture.ts';
import type { RangeSeries } from './metrics-checks.ts';
import { expectExemplars, expectQueryInstant, expectQueryRange, expectedPerStep, grafanaSeriesName, labelKeys, labelMap, sampleValues } from './metrics-checks.ts';
import type { SentSpan } from './oracle.ts';
import { anyValueOf, nearestRank, stepEnd } from './oracle.ts';
import type { ReplayedRequest } from './request-row.ts';
import { backendJson, goParams } from './request-row.ts';

const QUANTILES = [0.5, 0.9, 0.99];

/** quantile_over_time's documented error: the estimate is within a factor 2^(1/8) of the exact nearest-rank value. */
const QUANTILE_FACTOR = 2 ** (1 / 8);

/** Asserts non-empty samples equal `want` (timestampMs → value), step for step. */
export function expectSameValues(got: Map<string, number>, want: Map<string, number>, what: string): void {
  expect([...got.keys()].sort(), `${what}: steps with a value`).toEqual([...want.keys()].sort());
  for (const [t, v] of want) expect(got.get(t), `${what} at ${t}`).toBeCloseTo(v, 9);
}

/** Expected per-step quantile bounds of `spans`' durations (seconds). */
function quantileSteps(spans: readonly SentSpan[], stepS: number, q: number): Map<string, number> {
  const byStep = new Map<string, number[]>();
  const stepNs = BigInt(stepS) * 1_000_000_000n;
  for (const s of spans) {
    const t = String(stepEnd(s.startNs, stepNs) / 1_000_000n);
    byStep.set(t, [...(byStep.get(t) ?? []), Number(s.durationNs) / 1e9]);
  }
  return new Map([...byStep].map(([t, ds]) => [t, nearestRank(ds, q)]));
}

/**
 * Asserts quantile series: labels exactly `by` then `p` (a double), every quantile for every
 * group, values within the documented error of the exact quantile of the spans in each step,
 * exemplars on the group's spans valued at their own duration.
 */
export function expectQuantiles(series: RangeSeries[], fx: Fixture, stepS: number, by: string, spans: readonly SentSpan[], group: (s: SentSpan) => string | undefined): void {
  const groups = [...new Set(spans.map(group).filter((g) => g !== undefined))].sort();
  for (const s of series) expect(labelKeys(s)).toEqual([by, 'p']);
  for (const s of series) expect(s.labels[1].value, 'p is a double').toHaveProperty('doubleValue');
  const got = series.map((s) => `${String(labelMap(s)[by])}@${String(labelMap(s).p)}`).sort();
  expect(got).toEqual(groups.flatMap((g) => QUANTILES.map((q) => `${g}@${q}`)).sort());
  for (const s of series) {
    const g = String(labelMap(s)[by]);
    const q = Number(labelMap(s).p);
    const exact = quantileSteps(spans.filter((x) => group(x) === g), stepS, q);
    const values = sampleValues(s);
    expect([...values.keys()].sort(), `${grafanaSeriesName(s.labels)}: steps with spans`).toEqual([...exact.keys()].sort());
    for (const [t, v] of exact) {
      expect(values.get(t)!, `${grafanaSeriesName(s.labels)} at ${t}`).toBeGreaterThanOrEqual(v / QUANTILE_FACTOR);
      expect(values.get(t)!).toBeLessThanOrEqual(v * QUANTILE_FACTOR);
    }
    const exemplarSpans = expectExemplars(s, fx, [by, 'duration'], (y) => group(y) === g);
    (s.exemplars ?? []).forEach((e, i) => {
      expect(e.value, 'a quantile exemplar is valued at its own duration').toBeCloseTo(Number(exemplarSpans[i].durationNs) / 1e9, 9);
    });
  }
}

/**
 * An instant count grouped by one span attribute: one series per value, the label exactly the
 * group (typed; the string "nil" for spans without it), the legend the value, the count exact.
 */
function instantCountRow(does: string, by: string, read: (s: SentSpan) => AttributeValue | undefined): ReplayedRequest {
  return backendJson('TraceQL metrics', does, '/api/metrics/query', goParams({ q: `{} | count_over_time() by (${by})`, start: '${start}', end: '${end}' }), (body, fx) => {
    const series = expectQueryInstant(body);
    for (const s of series) expect(labelKeys(s)).toEqual([by]);
    const want = new Map<string, number>();
    for (const s of fx.sent) {
      const k = JSON.stringify(anyValueOf(read(s)));
      want.set(k, (want.get(k) ?? 0) + 1);
    }
    expect(new Map(series.map((s) => [JSON.stringify(s.labels[0].value), s.value]))).toEqual(want);
    expect(series.map((s) => grafanaSeriesName(s.labels)).sort()).toEqual([...new Set(fx.sent.map((s) => String(read(s) ?? 'nil')))].sort());
  });
}

export const METRICS_REQUESTS: ReplayedRequest[] = [
  backendJson('TraceQL metrics', 'runs a metrics range query (one series named after the function)', '/api/metrics/query_range',
    goParams({ q: '{resource.service.name="${service}-frontend"} | rate()', start: '${start}', end: '${end}', step: '60s' }), (body, fx) => {
      const series = expectQueryRange(body, fx, 60);
      expect(series.map(labelKeys)).toEqual([['__name__']]);
      expect(grafanaSeriesName(series[0].labels)).toBe('rate');
      const frontend = fx.sent.filter((s) => s.service === `${fx.vars.service}-frontend`);
      expectSameValues(sampleValues(series[0]), expectedPerStep(frontend, 60, 60), 'rate');
      const exemplars = expectExemplars(series[0], fx, ['resource.service.name'], (s) => frontend.includes(s));
      expect(exemplars.length).toBeGreaterThan(0);
    }),
  backendJson('TraceQL metrics', 'runs a metrics range query with exemplars (p50/p90/p99 by service)', '/api/metrics/query_range',
    goParams({ q: '{} | quantile_over_time(duration, .5, .9, .99) by (resource.service.name)', start: '${start}', end: '${end}', step: '60s', exemplars: '100' }), (body, fx) => {
      const series = expectQueryRange(body, fx, 60);
      expectQuantiles(series, fx, 60, 'resource.service.name', fx.sent, (s) => s.service);
      expect(series.filter((s) => (s.exemplars ?? []).length > 0).length, 'exemplars to click through to traces').toBeGreaterThan(0);
      expect(series.map((s) => grafanaSeriesName(s.labels))).toContain(`{p=0.9, resource.service.name="${fx.vars.service}-frontend"}`);
    }),
  instantCountRow('runs an instant metrics query (metricsQueryType=instant)', 'resource.service.name', (s) => s.service),
  instantCountRow('groups an instant query by an int attribute (int labels, a "nil" group for spans without it)', 'span.http.status_code', (s) => s.attributes['http.status_code']),
];
