// TraceQL metrics count spans in blocks (evaluated on the query workers) exactly as they count
// them in memory: the same query before and after the flush gives the same series.
import { av } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

let sb: TestSpanbase;
// 40 minutes ago, aligned to a minute: 3 services × 10 minutes, (m+1) spans per service-minute.
const base = (BigInt(Date.now()) / 60_000n - 40n) * 60_000n * 1_000_000n;

async function query(q: string) {
  const start = Number(base / 1_000_000_000n);
  const r = await fetch(`${sb.api}/api/metrics/query_range?${new URLSearchParams({ q, start: String(start), end: String(start + 600), step: '60s' })}`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { series: { labels: { key: string; value: { stringValue?: string } }[]; samples: { timestampMs: string; value?: number }[]; exemplars?: unknown[] }[] };
  // Exemplars are a sample of spans and may differ between evaluations; the series must not.
  return body.series.map(({ labels, samples }) => ({ labels, samples }));
}

beforeAll(async () => {
  sb = await startTestSpanbase({ ...FAST_FLUSH, 'ingester.trace-idle-period': 60_000, 'ingester.max-block-duration': 3_600_000 });
  for (const service of ['a', 'b', 'c']) {
    const spans: Span[] = [];
    for (let m = 0; m < 10; m++) {
      for (let k = 0; k <= m; k++) {
        const start = base + BigInt(m) * 60_000_000_000n + BigInt(k + 1) * 1_000_000_000n;
        spans.push(span({ startTimeUnixNano: start, endTimeUnixNano: start + BigInt(k + 1) * 10_000_000n, attributes: [{ key: 'k', value: av.int(k) }] }));
      }
    }
    const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, service)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);
  }
});
afterAll(() => sb?.stop());

describe('metrics over blocks', () => {
  it('gives the same series from blocks as from memory', async () => {
    const queries = ['{} | count_over_time() by(resource.service.name)', '{} | max_over_time(duration)', '{ resource.service.name = "b" } | rate()', '{} | quantile_over_time(duration, .5)'];
    const live = await Promise.all(queries.map(query));
    const counts = live[0].find((s) => s.labels[0].value.stringValue === 'a')!.samples.map((x) => x.value ?? 0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(55);
    const ing = (sb.running.modules.get('ingester') as { ingester: { flushAll(): Promise<void> } }).ingester;
    await ing.flushAll();
    await waitForFlush(sb);
    const before = await partials();
    const fromBlocks = await Promise.all(queries.map(query));
    expect(fromBlocks).toEqual(live);
    // Every partial went from the query workers (and the live-query worker) straight to the
    // answer worker that merged it; none passed through the thread that acknowledges ingest.
    const after = await partials();
    expect(after.direct - before.direct).toBeGreaterThanOrEqual(queries.length * 2);
    expect(after.mainThread).toBe(0);
  });
});

async function partials(): Promise<{ direct: number; mainThread: number }> {
  const text = await sb.metricsText();
  const value = (route: string) => Number(new RegExp(`^spanbase_query_metrics_partials_total\\{route="${route}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { direct: value('direct'), mainThread: value('main-thread') };
}
