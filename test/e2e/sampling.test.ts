// Tail sampling end to end, with traffic recorded and sent by the real OpenTelemetry SDK and
// exporter: every error and slow trace is stored whole, no health check is stored, the ordinary
// share is within binomial bounds of the ratio, an independent ingester that also restarted
// before flushing (its WAL replayed) keeps exactly the same traces, late spans follow their
// trace's decision, and the drops are counted on /metrics.
import { SpanKind, TraceFlags, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Config } from '@spanbase/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter } from '../src/otel.ts';
import { generateTraffic } from '../src/traffic.ts';
import type { TrafficTrace } from '../src/traffic.ts';

const POLICY: Partial<Config> = {
  'sampling.keep': ['{ status = error }', '{ duration > 1s }'],
  'sampling.drop': ['{ span.http.route = "/healthz" }'],
  'sampling.default-ratio': 0.1,
};
const ORDINARY = 1500;
const startMs = Date.now() - 20 * 60_000;
const traffic = generateTraffic({ ordinary: ORDINARY, error: 40, slow: 40, health: 100 }, startMs, 10 * 60_000);
const opened: TestSpanbase[] = [];

async function send(sb: TestSpanbase, spans: ReadableSpan[]): Promise<void> {
  const exporter = makeExporter('proto', sb);
  for (let i = 0; i < spans.length; i += 600) expect((await exportSpans(exporter, spans.slice(i, i + 600))).code).toBe(0);
  await exporter.shutdown();
}

async function flush(sb: TestSpanbase): Promise<void> {
  await (sb.running.modules.get('ingester') as { ingester: { flushAll(): Promise<void> } }).ingester.flushAll();
  await waitForFlush(sb);
}

/** Span count of a stored trace, 0 when it is not stored. */
async function storedSpans(sb: TestSpanbase, traceId: string): Promise<number> {
  const r = await fetch(`${sb.api}/api/v2/traces/${traceId}`);
  if (r.status === 404) return 0;
  expect(r.status).toBe(200);
  const body = (await r.json()) as { trace?: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] } };
  // Tempo's v2 answer for a trace it does not have is an empty trace.
  return (body.trace?.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans).reduce((n, ss) => n + ss.spans.length, 0);
}

/** Ids of the stored traces (search over the traffic's window). */
async function storedIds(sb: TestSpanbase): Promise<Set<string>> {
  const q = new URLSearchParams({ q: '{ }', limit: '10000', spss: '1', start: String(Math.floor(startMs / 1000) - 60), end: String(Math.ceil(startMs / 1000) + 720) });
  const r = await fetch(`${sb.api}/api/search?${q}`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { traces: { traceID: string }[] };
  return new Set(body.traces.map((t) => t.traceID.padStart(32, '0')));
}

/** One more span for a trace, sent after the trace was decided. */
function lateSpan(t: TrafficTrace): ReadableSpan {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const root = t.spans.find((s) => !s.parentSpanContext)!;
  const parent = trace.setSpanContext(context.active(), { traceId: t.traceId, spanId: root.spanContext().spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const at = root.startTime[0] * 1000 + 1;
  provider.getTracer('late').startSpan('late-callback', { kind: SpanKind.INTERNAL, startTime: at }, parent).end(at + 1);
  return memory.getFinishedSpans()[0];
}

let a: TestSpanbase;
let keptByA: Set<string>;

beforeAll(async () => {
  a = await startTestSpanbase({ ...FAST_FLUSH, ...POLICY });
  opened.push(a);
  await send(a, traffic.flatMap((t) => t.spans));
  await flush(a);
  keptByA = await storedIds(a);
}, 120_000);
afterAll(async () => {
  for (const sb of opened) await sb.stop();
});

describe('tail sampling', () => {
  it('stores every error and slow trace whole, no health check, and about the ratio of the rest', async () => {
    for (const t of traffic.filter((x) => x.kind === 'error' || x.kind === 'slow')) expect(await storedSpans(a, t.traceId)).toBe(t.spans.length);
    expect(traffic.filter((t) => t.kind === 'health' && keptByA.has(t.traceId))).toEqual([]);
    const ordinary = traffic.filter((t) => t.kind === 'ordinary' && keptByA.has(t.traceId));
    // Within four standard deviations of a binomial(1500, 0.1): 150 ± 46.
    expect(Math.abs(ordinary.length - 0.1 * ORDINARY)).toBeLessThan(4 * Math.sqrt(ORDINARY * 0.1 * 0.9));
    for (const t of ordinary.slice(0, 10)) expect(await storedSpans(a, t.traceId)).toBe(t.spans.length);
    expect(keptByA.size).toBe(80 + ordinary.length);
  });

  it('counts every decision by tenant and rule on /metrics', async () => {
    const m = await a.metricsText();
    const value = (decision: string, rule: string) => Number(new RegExp(`spanbase_sampling_traces_total\\{tenant="single-tenant",decision="${decision}",rule="${rule}"\\} (\\d+)`).exec(m)?.[1] ?? 0);
    expect(value('dropped', '\\{ span\\.http\\.route = \\\\"/healthz\\\\" \\}')).toBe(100);
    expect(value('kept', '\\{ status = error \\}')).toBe(40);
    expect(value('kept', 'default') + value('dropped', 'default')).toBe(ORDINARY);
  });

  it('keeps the same traces on an independent ingester that restarted and replayed its WAL before deciding', async () => {
    // Nothing is sealed before the stop: every decision is made after the replay.
    const b = await startTestSpanbase({ ...FAST_FLUSH, ...POLICY, 'ingester.trace-idle-period': 3_600_000, 'ingester.max-block-duration': 3_600_000 });
    await send(b, traffic.flatMap((t) => t.spans));
    await b.stop();
    const again = await startTestSpanbase({ ...FAST_FLUSH, ...POLICY, 'wal.path': b.cfg['wal.path'], 'storage.local.path': b.cfg['storage.local.path'] });
    opened.push(again);
    await flush(again);
    expect(await storedIds(again)).toEqual(keptByA);
  }, 120_000);

  it('makes late spans follow their trace decision', async () => {
    const errors = traffic.filter((t) => t.kind === 'error').slice(0, 10);
    const health = traffic.filter((t) => t.kind === 'health').slice(0, 10);
    // Judged alone, a late span of an error trace is ordinary: without the decision it would be kept one time in ten.
    await send(a, [...errors, ...health].map(lateSpan));
    await flush(a);
    for (const t of errors) expect(await storedSpans(a, t.traceId)).toBe(t.spans.length + 1);
    for (const t of health) expect(await storedSpans(a, t.traceId)).toBe(0);
  });

  it('makes late spans follow their trace decision after a restart', async () => {
    opened.splice(opened.indexOf(a), 1);
    await a.stop();
    const again = await startTestSpanbase({ ...FAST_FLUSH, ...POLICY, 'wal.path': a.cfg['wal.path'], 'storage.local.path': a.cfg['storage.local.path'] });
    opened.push(again);
    const errors = traffic.filter((t) => t.kind === 'error').slice(10, 20);
    const health = traffic.filter((t) => t.kind === 'health').slice(10, 20);
    await send(again, [...errors, ...health].map(lateSpan));
    await flush(again);
    for (const t of errors) expect(await storedSpans(again, t.traceId)).toBe(t.spans.length + 1);
    for (const t of health) expect(await storedSpans(again, t.traceId)).toBe(0);
  }, 60_000);
});

describe('adjusted counts', () => {
  it('estimates the traffic before sampling within 5% with count_over_time() with(adjusted_count=true)', async () => {
    // 20,000 traces kept at a quarter: the kept share's relative standard deviation is 1.2%.
    const sb = await startTestSpanbase({ ...FAST_FLUSH, 'sampling.keep': ['{ status = error }'], 'sampling.default-ratio': 0.25 });
    opened.push(sb);
    const t0 = Date.now() - 30 * 60_000;
    const many = generateTraffic({ ordinary: 20_000, error: 200, slow: 0, health: 0 }, t0, 10 * 60_000);
    const truth = many.reduce((n, t) => n + t.spans.length, 0);
    await send(sb, many.flatMap((t) => t.spans));
    await flush(sb);
    const total = async (q: string) => {
      const params = new URLSearchParams({ q, start: String(Math.floor(t0 / 1000) - 60), end: String(Math.floor(t0 / 1000) + 720), step: '780s' });
      const r = await fetch(`${sb.api}/api/metrics/query_range?${params}`);
      expect(r.status).toBe(200);
      const body = (await r.json()) as { series: { samples: { value?: number }[] }[] };
      return body.series.flatMap((s) => s.samples).reduce((n, x) => n + (x.value ?? 0), 0);
    };
    const stored = await total('{ } | count_over_time()');
    const weighted = await total('{ } | count_over_time() with(adjusted_count=true)');
    expect(stored).toBeLessThan(0.3 * truth);
    expect(Math.abs(weighted - truth) / truth).toBeLessThan(0.05);
    // Errors were kept whole at a share of 1: they count once each.
    expect(await total('{ status = error } | count_over_time() with(adjusted_count=true)')).toBe(200);
  }, 180_000);
});
