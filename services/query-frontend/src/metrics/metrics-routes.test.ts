// The metrics routes over generated data split between a live source (column path) and a block
// source (spanset path): Tempo's response shapes field by field, merging, partial results and
// errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, silentLogger } from '@spanbase/server';
import { MemoryColumnFetcher, MemoryFetcher, evaluateMetrics, generateTraces } from '@spanbase/traceql';
import { QueryAdmission } from '../admission.ts';
import { AnswerPool } from '../answers/answer-pool.ts';
import { registerMetricsRoutes } from './metrics-routes.ts';
import type { MetricsSource } from '@spanbase/query';

const BASE_S = 1_700_000_040;
const BASE = BigInt(BASE_S) * 1_000_000_000n;
const DATA = generateTraces({ base: BASE, minutes: 10 });
const range = { start: String(BASE_S), end: String(BASE_S + 600), step: '60s' };

function source(name: string, traces: typeof DATA.traces, columns: boolean, block = false): MetricsSource {
  const fetcher = columns ? new MemoryColumnFetcher(traces) : new MemoryFetcher(traces);
  return {
    name,
    timeRange: block ? { startNs: BASE, endNs: BASE + 600n * 1_000_000_000n } : undefined,
    bytes: block ? 1234 : 0,
    isBlock: block,
    evaluate: (plan, signal) => evaluateMetrics(plan, fetcher, signal),
  };
}

// Every answer is checked as built in the test's thread and on a real answer worker thread.
const POOLS = { inline: new AnswerPool({ workers: 0 }), worker: new AnswerPool({ workers: 1 }) };
let pool: AnswerPool = POOLS.inline;
afterAll(() => POOLS.worker.close());

function app(extra: MetricsSource[] = []) {
  const a = createHttpApp({ logger: silentLogger() });
  const sources = [source('live', DATA.traces.filter((_, i) => i % 2 === 0), true), source('block-1', DATA.traces.filter((_, i) => i % 2 === 1), false, true), ...extra];
  registerMetricsRoutes(a, {
    sources: { live: () => sources.filter((s) => !s.isBlock), blocks: () => sources.filter((s) => s.isBlock) },
    multitenancy: false,
    limits: { maxRangeMs: 24 * 3600_000, maxQueryBytes: 128 * 1024, now: () => (BASE_S + 700) * 1000 },
    maxExemplars: 100,
    maxSeries: 1000,
    maxResponseBytes: 16 << 20,
    admission: new QueryAdmission({ maxConcurrent: 4, perTenant: () => 4, maxQueued: 4, queueTimeoutMs: 5000 }),
    answers: pool,
    parallelism: () => 2,
    timeoutMs: 10_000,
  });
  return a;
}

interface Body {
  series?: { labels: { key: string; value: Record<string, unknown> }[]; samples?: { timestampMs: string; value?: number }[]; exemplars?: { labels: { key: string; value: Record<string, unknown> }[]; value?: number; timestampMs: string }[]; value?: number }[];
  metrics: Record<string, unknown>;
  status?: string;
  message?: string;
}

async function get(a: ReturnType<typeof app>, path: string, params: Record<string, string>): Promise<{ status: number; body: Body; text: string }> {
  const r = await a.inject({ method: 'GET', url: `${path}?${new URLSearchParams(params)}` });
  return { status: r.statusCode, body: r.statusCode === 200 ? (r.json() as Body) : ({} as Body), text: r.body };
}

/** Spans per minute-step of the range: step 0 is the grid's extra first step. */
function countsPerStep(where: (s: (typeof DATA.spans)[number]) => boolean): number[] {
  const out = new Array(11).fill(0);
  for (const s of DATA.spans) if (where(s)) out[Number((s.start - BASE) / 60_000_000_000n) + 1]++;
  return out;
}

describe.each(['inline', 'worker'] as const)('answers built %s', (where) => {
  beforeAll(() => {
    pool = POOLS[where];
  });

  describe('GET /api/metrics/query_range', () => {
    it('answers rate() in Tempo shape: __name__ label, string timestamps, zero values left out, exemplars', async () => {
      const { status, body } = await get(app(), '/api/metrics/query_range', { ...range, q: '{} | rate()', exemplars: '20' });
      expect(status).toBe(200);
      expect(body.series).toHaveLength(1);
      const s = body.series![0];
      expect(s.labels).toEqual([{ key: '__name__', value: { stringValue: 'rate' } }]);
      const counts = countsPerStep(() => true);
      expect(s.samples).toHaveLength(11);
      s.samples!.forEach((sample, i) => {
        expect(sample.timestampMs).toBe(String((BASE_S + 60 * i) * 1000));
        if (counts[i] === 0) expect(sample).toEqual({ timestampMs: sample.timestampMs });
        else expect(sample.value).toBeCloseTo(counts[i] / 60, 12);
      });
      expect(s.exemplars!.length).toBeGreaterThan(0);
      expect(s.exemplars!.length).toBeLessThanOrEqual(20);
      for (const e of s.exemplars!) {
        expect(e.labels.find((l) => l.key === 'trace:id')!.value.stringValue).toMatch(/^[0-9a-f]+$/);
        expect(e.labels.find((l) => l.key === 'span:id')!.value.stringValue).toMatch(/^[0-9a-f]{16}$/);
        expect(e.timestampMs).toMatch(/^\d+$/);
        expect(s.samples!.some((x) => x.value === e.value)).toBe(true);
      }
      expect(body.metrics).toEqual({ inspectedBytes: '1234', totalBlockBytes: '1234', inspectedSpans: String(DATA.spans.length), totalJobs: 2, completedJobs: 2, totalBlocks: 1 });
      expect(body.status).toBeUndefined();
    });

    it('merges sources: count_over_time() by service equals the whole data set', async () => {
      const { body } = await get(app(), '/api/metrics/query_range', { ...range, query: '{ status = error } | count_over_time() by (resource.service.name)' });
      for (const svc of ['checkout', 'cart', 'payment']) {
        const s = body.series!.find((x) => x.labels[0].value.stringValue === svc)!;
        expect(s.labels).toEqual([{ key: 'resource.service.name', value: { stringValue: svc } }]);
        expect(s.samples!.map((x) => x.value ?? 0)).toEqual(countsPerStep((sp) => sp.error && sp.service === svc));
      }
    });

    it('labels quantiles with p and histogram buckets with __bucket, both doubles', async () => {
      const q = await get(app(), '/api/metrics/query_range', { ...range, q: '{} | quantile_over_time(duration, .5, .9, .99)' });
      expect(q.body.series!.map((s) => s.labels)).toEqual([0.5, 0.9, 0.99].map((p) => [{ key: 'p', value: { doubleValue: p } }]));
      const h = await get(app(), '/api/metrics/query_range', { ...range, q: '{} | histogram_over_time(duration) with(sample=true)' });
      const buckets = h.body.series!.map((s) => s.labels[0]);
      expect(buckets.every((l) => l.key === '__bucket' && typeof l.value.doubleValue === 'number')).toBe(true);
      const total = h.body.series!.reduce((n, s) => n + s.samples!.reduce((m, x) => m + (x.value ?? 0), 0), 0);
      expect(total).toBe(DATA.spans.length);
    });

    it('answers compare() with __meta_type series', async () => {
      const { body } = await get(app(), '/api/metrics/query_range', { start: String(BASE_S), end: String(BASE_S + 600), step: '600', q: '{} | compare({ status = error }, 10)' });
      const types = new Set(body.series!.map((s) => s.labels[0].value.stringValue));
      expect(types).toEqual(new Set(['baseline', 'selection', 'baseline_total', 'selection_total']));
      const sel = body.series!.find((s) => s.labels[0].value.stringValue === 'selection' && s.labels[1].key === 'status')!;
      expect(sel.labels[1].value).toEqual({ stringValue: 'error' });
      expect(sel.samples!.reduce((n, x) => n + (x.value ?? 0), 0)).toBe(DATA.spans.filter((s) => s.error).length);
    });

    it('reports a failing source as PARTIAL with a message', async () => {
      const broken: MetricsSource = { name: 'block-2', timeRange: undefined, bytes: 0, isBlock: true, evaluate: async () => Promise.reject(new Error('checksum mismatch')) };
      const { status, body } = await get(app([broken]), '/api/metrics/query_range', { ...range, q: '{} | rate()' });
      expect(status).toBe(200);
      expect(body.status).toBe('PARTIAL');
      expect(body.message).toMatch(/block-2/);
      expect(body.series).toHaveLength(1);
    });

    it('answers 400 for bad queries and parameters', async () => {
      const a = app();
      const bad = await get(a, '/api/metrics/query_range', { ...range, q: '{ .a = } | rate()' });
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/parse error at line 1, column \d+/);
      expect((await get(a, '/api/metrics/query_range', { ...range, q: '{ .a = 1 }' })).status).toBe(400);
      expect((await get(a, '/api/metrics/query_range', { ...range, q: '{} | rate()', step: '1ms' })).text).toMatch(/more than 11000 steps/);
      expect((await get(a, '/api/metrics/query_range', { q: '{} | rate()', start: '10', end: '5' })).status).toBe(400);
      expect((await get(a, '/api/metrics/query_range', { q: '{} | rate()', start: 'then' })).status).toBe(400);
    });
  });

  describe('GET /api/metrics/query', () => {
    it('answers one value per series over the range', async () => {
      const { status, body } = await get(app(), '/api/metrics/query', { start: String(BASE_S), end: String(BASE_S + 300), q: '{ status = error } | count_over_time() by (resource.service.name)' });
      expect(status).toBe(200);
      for (const svc of ['checkout', 'cart', 'payment']) {
        const s = body.series!.find((x) => x.labels[0].value.stringValue === svc)!;
        const n = DATA.spans.filter((sp) => sp.error && sp.service === svc && sp.start > BASE && sp.start <= BASE + 300_000_000_000n).length;
        expect(s).toEqual({ labels: [{ key: 'resource.service.name', value: { stringValue: svc } }], value: n });
      }
      expect(body.metrics.totalJobs).toBe(2);
    });
  });
});
