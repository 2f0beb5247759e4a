// Traces Drilldown (grafana/traces-drilldown), every query through the Tempo datasource with the
// strings its query builders produce, spacing included: `${primarySignal} && ${filters}` with
// Root spans (`nestedSetParent<0`) or All spans (`true`) and no filters (`true`); RED panels and
// breakdowns (queries/generateMetricsQuery.ts, histogram.ts) with the panel step (the range over
// 50 points); the comparison tab (AttributesComparisonScene.tsx: one step over the range); span
// lists (TracesByServiceScene.tsx), exceptions (queries/exceptions.ts) and structure
// (StructureScene.tsx) as searches; attribute pickers and filter values as autocomplete does.
import { expect } from 'vitest';
import type { CompareAttribute } from './drilldown-checks.ts';
import { expectComparison, expectExceptions, expectStructure } from './drilldown-checks.ts';
import type { Fixture } from './fixture.ts';
import type { RangeSeries } from './metrics-checks.ts';
import { expectExemplars, expectQueryRange, expectedPerStep, grafanaSeriesName, labelKeys, labelMap, sampleValues, stepSeconds } from './metrics-checks.ts';
import type { SentSpan } from './oracle.ts';
import { histogramBucket, isRoot, stepEnd, trimmedTraceId } from './oracle.ts';
import type { ReplayedRequest } from './request-row.ts';
import { backendJson, goParams, proxyJson } from './request-row.ts';
import { TAG_SCOPES, expectTypedValues, grafanaTagKeys } from './requests-autocomplete.ts';
import { expectQuantiles, expectSameValues } from './requests-metrics.ts';
import { attributeMap, expectGrafanaSearchResponse, expectScalarAttributes, searchSpans } from './search-checks.ts';

/** Drilldown's latency threshold in the span list (a duration TraceQL reads). */
const SLOW_MS = 100;

const panel = (q: string): [string, string][] => goParams({ q, start: '${start}', end: '${end}', step: '${drilldownStep}' });
const comparison = (q: string): [string, string][] => goParams({ q, start: '${start}', end: '${end}', step: '${compareStep}' });
const search = (q: string, limit: number, spss: number): [string, string][] => goParams({ q, limit: String(limit), spss: String(spss), start: '${start}', end: '${end}' });

const STRUCTURE_SELECT = 'select(status, resource.service.name, name, nestedSetParent, nestedSetLeft, nestedSetRight)';

const COMPARED: CompareAttribute[] = [
  { label: 'resource.service.name', read: (s) => s.service },
  { label: 'name', read: (s) => s.name },
  { label: 'status', read: (s) => s.status },
  { label: 'span.http.route', read: (s) => s.attributes['http.route'] },
  { label: 'span.http.status_code', read: (s) => s.attributes['http.status_code'] },
];

/** The one ungrouped rate series of a RED panel, its values per step, and exemplars valued at their step's rate. */
function expectRatePanel(body: unknown, fx: Fixture, spans: readonly SentSpan[]): void {
  const step = stepSeconds(fx.vars.drilldownStep);
  const series = expectQueryRange(body, fx, step);
  expect(series.map(labelKeys)).toEqual([['__name__']]);
  expect(grafanaSeriesName(series[0].labels)).toBe('rate');
  const values = sampleValues(series[0]);
  expectSameValues(values, expectedPerStep(spans, step, step), 'rate');
  const exemplarSpans = expectExemplars(series[0], fx, [], (s) => spans.includes(s));
  expect(exemplarSpans.length, 'exemplars link the panel to traces').toBeGreaterThan(0);
  (series[0].exemplars ?? []).forEach((e, i) => {
    const t = String(stepEnd(exemplarSpans[i].startNs, BigInt(step) * 1_000_000_000n) / 1_000_000n);
    expect(e.value, "a rate exemplar is valued at its step's rate").toBeCloseTo(values.get(t)!, 9);
  });
}

/** Heatmap series: one per `__bucket` (a double, seconds), span counts per step and bucket. */
function expectHeatmap(series: RangeSeries[], fx: Fixture, spans: readonly SentSpan[]): void {
  const step = stepSeconds(fx.vars.drilldownStep);
  for (const s of series) expect(s.labels.map((l) => [l.key, Object.keys(l.value)])).toEqual([['__bucket', ['doubleValue']]]);
  const buckets = [...new Set(spans.map((s) => histogramBucket(s.durationNs)))].sort((a, b) => a - b);
  expect(series.map((s) => Number(labelMap(s).__bucket)).sort((a, b) => a - b)).toEqual(buckets);
  for (const s of series) {
    const b = Number(labelMap(s).__bucket);
    const inBucket = spans.filter((x) => histogramBucket(x.durationNs) === b);
    expectSameValues(sampleValues(s), expectedPerStep(inBucket, step, 1), `bucket ${b}`);
    expectExemplars(s, fx, ['duration'], (x) => inBucket.includes(x));
  }
}

const roots = (fx: Fixture) => fx.sent.filter(isRoot);
const inTrace = (trace: SentSpan, s: SentSpan) => s.traceId === trace.traceId;

/** The structure tab's spans: roots passing `root`, with their descendants passing `below`. */
function structureSpans(fx: Fixture, root: (s: SentSpan) => boolean, below: (s: SentSpan) => boolean): SentSpan[] {
  return roots(fx).filter(root).flatMap((r) => [r, ...fx.sent.filter((s) => inTrace(r, s) && s.ancestors.includes(r.spanId) && below(s))]);
}

const D = 'Traces Drilldown';
const RANGE_PATH = '/api/metrics/query_range';

export const DRILLDOWN_REQUESTS: ReplayedRequest[] = [
  backendJson(D, 'draws the rate panel (root spans)', RANGE_PATH, panel('{nestedSetParent<0 && true} | rate()  with(sample=true)'), (body, fx) => expectRatePanel(body, fx, roots(fx))),
  backendJson(D, 'draws the errors panel', RANGE_PATH, panel('{nestedSetParent<0 && true && status=error} | rate()  with(sample=true)'),
    (body, fx) => expectRatePanel(body, fx, roots(fx).filter((s) => s.status === 'error'))),
  backendJson(D, 'draws the duration heatmap', RANGE_PATH, panel('{nestedSetParent<0 && true} | histogram_over_time(duration) with(sample=true)'),
    (body, fx) => expectHeatmap(expectQueryRange(body, fx, stepSeconds(fx.vars.drilldownStep)), fx, roots(fx))),
  backendJson(D, 'breaks the rate down by service (all spans)', RANGE_PATH, panel('{true && true && resource.service.name != nil} | rate() by(resource.service.name)'), (body, fx) => {
    const step = stepSeconds(fx.vars.drilldownStep);
    const series = expectQueryRange(body, fx, step);
    for (const s of series) expect(labelKeys(s)).toEqual(['resource.service.name']);
    expect(series.map((s) => grafanaSeriesName(s.labels)).sort()).toEqual([...new Set(fx.sent.map((s) => s.service))].sort());
    for (const s of series) {
      const service = String(labelMap(s)['resource.service.name']);
      const spans = fx.sent.filter((x) => x.service === service);
      expectSameValues(sampleValues(s), expectedPerStep(spans, step, step), service);
      expectExemplars(s, fx, ['resource.service.name'], (x) => x.service === service);
    }
  }),
  backendJson(D, 'breaks the duration down by route (p50/p90/p99)', RANGE_PATH,
    panel('{nestedSetParent<0 && true && span.http.route != nil} | quantile_over_time(duration, 0.5,0.9,0.99) by(span.http.route)'), (body, fx) => {
      const step = stepSeconds(fx.vars.drilldownStep);
      const routed = roots(fx).filter((s) => s.attributes['http.route'] !== undefined);
      expectQuantiles(expectQueryRange(body, fx, step), fx, step, 'span.http.route', routed, (s) => s.attributes['http.route'] as string | undefined);
    }),
  backendJson(D, 'compares errors with the baseline (comparison tab)', RANGE_PATH, comparison('{nestedSetParent<0 && true} | compare({status = error}, 10)'),
    (body, fx) => expectComparison(expectQueryRange(body, fx, stepSeconds(fx.vars.compareStep)), roots(fx), (s) => s.status === 'error', COMPARED)),
  backendJson(D, 'compares a heatmap selection (durations and a time range) with the baseline', RANGE_PATH,
    comparison('{nestedSetParent<0 && true} | compare({duration >= 100ms && duration <= 500ms}, 10, ${selectionFromNs}, ${selectionToNs})'), (body, fx) => {
      const [from, to] = [BigInt(fx.vars.selectionFromNs), BigInt(fx.vars.selectionToNs)];
      const selected = (s: SentSpan) => s.durationNs >= 100_000_000n && s.durationNs <= 500_000_000n && s.startNs >= from && s.startNs <= to;
      expect(roots(fx).filter(selected).length, 'the selection holds spans').toBeGreaterThan(0);
      expectComparison(expectQueryRange(body, fx, stepSeconds(fx.vars.compareStep)), roots(fx), selected, COMPARED);
    }),
  backendJson(D, 'lists the slowest spans with chosen columns', '/api/search', search(`{nestedSetParent<0 && true&& duration > ${SLOW_MS}ms} | select(span.http.route, span.http.status_code)`, 200, 10), (body, fx) => {
    expectGrafanaSearchResponse(body);
    expectScalarAttributes(body);
    const slow = roots(fx).filter((s) => s.durationNs > BigInt(SLOW_MS) * 1_000_000n);
    const got = searchSpans(body);
    expect(got.map((g) => `${g.trace.traceID}/${g.span.spanID}`).sort()).toEqual(slow.map((s) => `${trimmedTraceId(s.traceId)}/${s.spanId}`).sort());
    for (const { span } of got) {
      const s = slow.find((x) => x.spanId === span.spanID)!;
      expect([span.name, span.durationNanos]).toEqual([s.name, String(s.durationNs)]);
      const a = attributeMap(span);
      expect(a['http.route']).toBe(s.attributes['http.route']);
      expect(a['http.status_code']).toBe(s.attributes['http.status_code'] === undefined ? undefined : String(s.attributes['http.status_code']));
    }
  }),
  backendJson(D, 'lists exceptions (all spans)', '/api/search',
    search('{true && true && status = error} | select(resource.service.name, event.exception.message,event.exception.stacktrace,event.exception.type) with(most_recent=true)', 400, 10),
    (body, fx) => expectExceptions(body, fx.sent.filter((s) => s.status === 'error'))),
  backendJson(D, 'shows the structure tab (root spans and their server spans)', '/api/search',
    search(`({nestedSetParent<0 && true } &>> { kind = server }) || ({nestedSetParent<0 && true }) | ${STRUCTURE_SELECT}`, 200, 20),
    (body, fx) => expectStructure(body, structureSpans(fx, () => true, (s) => s.kind === 'server'))),
  backendJson(D, 'shows the structure tab for errors (erroring roots and their erroring spans)', '/api/search',
    search(`({nestedSetParent<0 && true && status = error} &>> { status = error }) || ({nestedSetParent<0 && true && status = error}) | ${STRUCTURE_SELECT}`, 200, 20),
    (body, fx) => expectStructure(body, structureSpans(fx, (r) => r.status === 'error', (s) => s.status === 'error'))),
  proxyJson(D, 'loads attributes for its pickers (getTagKeys; default tag time range: no start/end)', '/api/v2/search/tags', [['limit', '5000']], (body) => {
    const scopes = (body as { scopes: { name: string; tags: string[] }[] }).scopes;
    expect(scopes.map((s) => s.name)).toEqual([...TAG_SCOPES]);
    const keys = grafanaTagKeys(new Map(scopes.map((s) => [s.name, s.tags])));
    expect(keys).toEqual(expect.arrayContaining(['resource.service.name', 'span.http.route', 'span.http.status_code', 'event.exception.message', 'name', 'status', 'kind', 'rootName']));
  }),
  proxyJson(D, 'loads values for a filter, narrowed by the other filters', '/api/v2/search/tag/resource.service.name/values', [['limit', '5000'], ['q', '{span.http.route="/checkout"}']], (body, fx) => {
    const services = [...new Set(fx.sent.filter((s) => s.attributes['http.route'] === '/checkout').map((s) => `string:${s.service}`))];
    expect(expectTypedValues(body).sort()).toEqual(services.sort());
  }),
];
