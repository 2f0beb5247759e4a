// TraceQL metrics over HTTP against a running Spanbase, with the queries Grafana's Traces
// Drilldown sends: RED panels (rate by attribute, error rate, duration quantiles, the duration
// histogram), the comparison tab and an instant query. Spans are hand-built with known times,
// services, routes, statuses and durations, so every value is known; one trace also comes
// through the real OpenTelemetry exporter.
import { av } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter, recordRichTrace } from '../src/otel.ts';
import { request, span } from '../src/spans.ts';

interface Label {
  key: string;
  value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
interface Series {
  labels: Label[];
  samples?: { timestampMs: string; value?: number }[];
  exemplars?: { labels: Label[]; value?: number; timestampMs: string }[];
  value?: number;
}
interface Body {
  series?: Series[];
  metrics: Record<string, unknown>;
  status?: string;
}

const SERVICES = ['checkout', 'cart'] as const;
const ROUTES = ['/cart', '/pay', '/home'] as const;
// Nine whole minutes ending at least a minute ago, so every span is in the past.
const BASE_S = Math.floor(Date.now() / 60_000) * 60 - 11 * 60;
const BASE = BigInt(BASE_S) * 1_000_000_000n;
const MS = 1_000_000n;

interface Sent {
  minute: number;
  service: string;
  route: string;
  error: boolean;
  durationMs: number;
}
const sent: Sent[] = [];
let sb: TestSpanbase;
let richSpans = 0;

async function query(path: string, params: Record<string, string>): Promise<{ status: number; body: Body; text: string }> {
  const r = await fetch(`${sb.api}${path}?${new URLSearchParams(params)}`, { headers: { accept: 'application/json' } });
  const text = await r.text();
  return { status: r.status, body: r.ok ? (JSON.parse(text) as Body) : ({} as Body), text };
}

const range = { start: String(BASE_S), end: String(BASE_S + 540), step: '60s' };
const value = (l: Label['value']) => l.stringValue ?? l.doubleValue ?? l.intValue ?? l.boolValue;
const find = (series: Series[], labels: Record<string, unknown>) => series.find((s) => s.labels.length === Object.keys(labels).length && s.labels.every((l) => labels[l.key] === value(l.value)));

/** Per step of the range (step 0 is the grid's extra first step): how many sent spans `where` keeps. */
function perStep(where: (s: Sent) => boolean): number[] {
  const out = new Array(10).fill(0);
  for (const s of sent) if (where(s)) out[s.minute + 1]++;
  return out;
}

beforeAll(async () => {
  // Keep everything in memory (live data) for the whole test.
  sb = await startTestSpanbase({ 'ingester.max-block-duration': 3_600_000, 'ingester.trace-idle-period': 3_600_000 });
  for (let minute = 0; minute < 9; minute++) {
    for (const service of SERVICES) {
      const spans: Span[] = [];
      const n = 4 + minute + (service === 'cart' ? 3 : 0);
      for (let k = 0; k < n; k++) {
        const route = ROUTES[k % 3];
        const error = k % 4 === 1;
        const durationMs = 1 + ((k * 37 + minute * 11) % 400);
        const start = BASE + BigInt(minute) * 60_000n * MS + BigInt(1000 + k * 1000) * MS;
        spans.push(span({ name: `GET ${route}`, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(durationMs) * MS, status: { code: error ? 2 : 0, message: '' }, attributes: [{ key: 'http.route', value: av.string(route) }] }));
        sent.push({ minute, service, route, error, durationMs });
      }
      const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, service)), headers: { 'content-type': 'application/x-protobuf' } });
      expect(r.status).toBe(200);
    }
  }
  const rich = recordRichTrace('otel-shop');
  richSpans = rich.length;
  expect((await exportSpans(makeExporter('proto', sb), rich)).code).toBe(0);
});
afterAll(() => sb?.stop());

describe('Traces Drilldown metrics over HTTP', () => {
  it('{resource.service.name="checkout"} | rate() by(span.http.route)', async () => {
    for (const q of ['{resource.service.name="checkout"} | rate() by(span.http.route)', '{resource.service.name="checkout" && span.http.route != nil} | rate() by(span.http.route)']) {
      const { status, body } = await query('/api/metrics/query_range', { ...range, q });
      expect(status).toBe(200);
      expect(body.series).toHaveLength(3);
      for (const route of ROUTES) {
        const s = find(body.series!, { 'span.http.route': route })!;
        expect(s.labels).toEqual([{ key: 'span.http.route', value: { stringValue: route } }]);
        const expected = perStep((x) => x.service === 'checkout' && x.route === route);
        expect(s.samples!.map((x) => x.timestampMs)).toEqual(expected.map((_, i) => String((BASE_S + 60 * i) * 1000)));
        s.samples!.forEach((x, i) => (expected[i] === 0 ? expect(x.value).toBeUndefined() : expect(x.value).toBeCloseTo(expected[i] / 60, 12)));
      }
    }
  });

  it('{status=error} | rate() with exemplars', async () => {
    const { body } = await query('/api/metrics/query_range', { ...range, q: '{status=error} | rate()', exemplars: '10' });
    expect(body.series).toHaveLength(1);
    const s = body.series![0];
    expect(s.labels).toEqual([{ key: '__name__', value: { stringValue: 'rate' } }]);
    const expected = perStep((x) => x.error);
    s.samples!.forEach((x, i) => expect(x.value ?? 0).toBeCloseTo(expected[i] / 60, 12));
    expect(s.exemplars!.length).toBeGreaterThan(0);
    expect(s.exemplars!.length).toBeLessThanOrEqual(10);
    for (const e of s.exemplars!) {
      const traceId = e.labels.find((l) => l.key === 'trace:id')!.value.stringValue!;
      expect(e.labels.find((l) => l.key === 'span:id')!.value.stringValue).toMatch(/^[0-9a-f]{16}$/);
      // The exemplar's trace is there to open.
      expect((await fetch(`${sb.api}/api/v2/traces/${traceId}`)).status).toBe(200);
    }
  });

  it('{} | quantile_over_time(duration, .5, .9, .99)', async () => {
    const { body } = await query('/api/metrics/query_range', { ...range, q: '{} | quantile_over_time(duration, .5, .9, .99)' });
    expect(body.series!.map((s) => s.labels)).toEqual([0.5, 0.9, 0.99].map((p) => [{ key: 'p', value: { doubleValue: p } }]));
    for (const [qi, p] of [0.5, 0.9, 0.99].entries()) {
      const samples = body.series![qi].samples!;
      for (let minute = 0; minute < 9; minute++) {
        const ds = sent.filter((s) => s.minute === minute).map((s) => s.durationMs).sort((a, b) => a - b);
        const exact = ds[Math.max(1, Math.ceil(p * ds.length)) - 1] / 1000;
        const got = samples[minute + 1].value!;
        expect(Math.abs(got / exact - 1), `p${p} minute ${minute}`).toBeLessThan(0.0906);
      }
    }
  });

  it('{} | histogram_over_time(duration) with(sample=true)', async () => {
    const { body } = await query('/api/metrics/query_range', { ...range, q: '{} | histogram_over_time(duration) with(sample=true)' });
    const buckets = new Map<number, number>();
    for (const s of sent) {
      const ns = s.durationMs * 1e6;
      const b = 2 ** Math.ceil(Math.log2(ns)) / 1e9;
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    for (const [b, n] of buckets) {
      const s = body.series!.find((x) => x.labels.length === 1 && x.labels[0].key === '__bucket' && Math.abs(x.labels[0].value.doubleValue! - b) < 1e-12);
      expect(s, `bucket ${b}`).toBeDefined();
      expect(s!.samples!.reduce((a, x) => a + (x.value ?? 0), 0)).toBe(n);
    }
  });

  it('{…} | compare({status=error}, 10) over one step, as the comparison tab asks', async () => {
    // The filter leaves out the exporter's trace, which the one long step may reach.
    const q = '{resource.service.name=~"checkout|cart"} | compare({status=error}, 10)';
    const { body } = await query('/api/metrics/query_range', { start: range.start, end: range.end, step: '540s', q });
    const total = (s: Series | undefined) => (s?.samples ?? []).reduce((a, x) => a + (x.value ?? 0), 0);
    for (const service of SERVICES) {
      expect(total(find(body.series!, { __meta_type: 'selection', 'resource.service.name': service }))).toBe(sent.filter((s) => s.service === service && s.error).length);
      expect(total(find(body.series!, { __meta_type: 'baseline', 'resource.service.name': service }))).toBe(sent.filter((s) => s.service === service && !s.error).length);
    }
    expect(total(find(body.series!, { __meta_type: 'selection_total', status: 'nil' }))).toBe(sent.filter((s) => s.error).length);
    expect(total(find(body.series!, { __meta_type: 'baseline', 'span.http.route': '/pay' }))).toBe(sent.filter((s) => s.route === '/pay' && !s.error).length);
  });

  it('an instant query, and spans sent by the OpenTelemetry exporter', async () => {
    const { status, body } = await query('/api/metrics/query', { start: range.start, end: range.end, q: '{} | count_over_time() by (resource.service.name)' });
    expect(status).toBe(200);
    for (const service of SERVICES) {
      expect(find(body.series!, { 'resource.service.name': service })).toEqual({ labels: [{ key: 'resource.service.name', value: { stringValue: service } }], value: sent.filter((s) => s.service === service).length });
    }
    const now = Math.floor(Date.now() / 1000);
    const otel = await query('/api/metrics/query', { start: String(now - 300), end: String(now + 60), q: '{ resource.service.name = "otel-shop" } | count_over_time()' });
    expect(otel.body.series).toEqual([{ labels: [{ key: '__name__', value: { stringValue: 'count_over_time' } }], value: richSpans }]);
  });

  it('rejects a search query and a bad one with 400', async () => {
    expect((await query('/api/metrics/query_range', { ...range, q: '{ status = error }' })).status).toBe(400);
    const bad = await query('/api/metrics/query_range', { ...range, q: '{} | rate() by (' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/line 1, column \d+/);
  });
});
