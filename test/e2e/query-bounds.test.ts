// What one query may build is bounded, and every bound answers clearly: a 400 naming the flag
// for what the request asks, a 422 naming --query.max-response-bytes for a search answer too big
// to send, and a PARTIAL metrics answer naming --query.max-series or --query.max-response-bytes.
// The data sits half in blocks, half in memory, so both the query workers and the live-query
// worker are held to the bounds.
import { encodeTracesData } from '@spanbase/otlp';
import type { Span } from '@spanbase/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { request, span } from '../src/spans.ts';

let sb: TestSpanbase;
const TRACES = 400;
const enc = encodeURIComponent;
const now = () => Math.floor(Date.now() / 1000);
const range = () => `start=${now() - 600}&end=${now() + 60}`;

async function get(path: string): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  const r = await fetch(`${sb.api}${path}`);
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

async function send(n: number, tag: string): Promise<void> {
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const root = span({ name: `${tag}-${i}` });
    spans.push(root, span({ traceId: root.traceId, parentSpanId: root.spanId, name: 'child', kind: 3 }));
  }
  const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf' } });
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  sb = await startTestSpanbase({ ...FAST_FLUSH, 'query.max-limit': 500, 'query.max-spans-per-spanset': 10, 'query.max-series': 50, 'query.max-response-bytes': 64 * 1024 });
  await send(TRACES / 2, 'flushed');
  await waitForFlush(sb);
  // The rest stays in memory: the idle period is long enough for the test.
  await sb.stop();
  sb = await startTestSpanbase({ 'wal.path': sb.cfg['wal.path'], 'query.max-limit': 500, 'query.max-spans-per-spanset': 10, 'query.max-series': 50, 'query.max-response-bytes': 64 * 1024 });
  await send(TRACES / 2, 'live');
}, 60_000);
afterAll(() => sb?.stop());

describe('bounds on one query', () => {
  it('refuses a limit or spss over the maximum with a 400 naming the flag', async () => {
    const big = await get(`/api/search?q=${enc('{}')}&limit=501&${range()}`);
    expect(big.status).toBe(400);
    expect(big.text).toContain('--query.max-limit');
    const spss = await get(`/api/search?q=${enc('{}')}&spss=11&${range()}`);
    expect(spss.status).toBe(400);
    expect(spss.text).toContain('--query.max-spans-per-spanset');
  });

  it('answers a search whose answer would pass --query.max-response-bytes with a 422, and a smaller one in full', async () => {
    const big = await get(`/api/search?q=${enc('{}')}&limit=500&spss=10&${range()}`);
    expect(big.status, big.text).toBe(422);
    expect(big.text).toContain('--query.max-response-bytes');
    // Only memory (the live worker) or only blocks (the query workers) still too big.
    for (const name of ['live', 'flushed']) {
      const one = await get(`/api/search?q=${enc(`{ name =~ "${name}-.*" }`)}&limit=500&spss=10&${range()}`);
      expect(one.status, `${name}: ${one.text}`).toBe(422);
    }
    const small = await get(`/api/search?q=${enc('{}')}&limit=20&${range()}`);
    expect(small.status).toBe(200);
    expect((small.json().traces as unknown[]).length).toBe(20);
  });

  it('cuts a metrics answer at --query.max-series and says so', async () => {
    const r = await get(`/api/metrics/query_range?q=${enc('{} | rate() by (span:id)')}&step=1s&${range()}`);
    expect(r.status).toBe(200);
    const body = r.json() as { series: unknown[]; status?: string; message?: string };
    expect(body.series.length).toBeLessThanOrEqual(50);
    expect(body.series.length).toBeGreaterThan(0);
    expect(body.status).toBe('PARTIAL');
    expect(body.message).toContain('--query.max-series');
  });

  it('cuts a metrics answer at --query.max-response-bytes and says so', async () => {
    // count_over_time gives every step a sample (0 where nothing happened): 50 series of 660
    // one-second steps would be about a megabyte of JSON.
    const r = await get(`/api/metrics/query_range?q=${enc('{} | count_over_time() by (name)')}&step=1s&${range()}`);
    expect(r.status).toBe(200);
    const body = r.json() as { series: unknown[]; status?: string; message?: string };
    expect(r.text.length).toBeLessThan(64 * 1024);
    expect(body.status).toBe('PARTIAL');
    expect(body.message).toContain('--query.max-response-bytes');
  });
});
