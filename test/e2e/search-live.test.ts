// /api/search over traces still in the ingester's memory: Tempo's parameters and response shape,
// newest first, bad queries as positioned 400s.
import { av, bytesToHex } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

let sb: TestSpanbase;
const base = BigInt(Date.now() - 60_000) * 1_000_000n;
const sent: { traceId: string; service: string; start: bigint; error: boolean; ms: number }[] = [];

interface SearchBody {
  traces: {
    traceID: string;
    rootServiceName: string;
    rootTraceName?: string;
    startTimeUnixNano: string;
    durationMs?: number;
    spanSet?: unknown;
    spanSets: { spans: { spanID: string; startTimeUnixNano: string; durationNanos: string; attributes?: { key: string; value: Record<string, unknown> }[] }[]; matched: number; attributes?: { key: string; value: Record<string, unknown> }[] }[];
  }[];
  metrics: Record<string, unknown>;
}

async function search(params: Record<string, string>): Promise<{ status: number; body: SearchBody; text: string }> {
  const r = await fetch(`${sb.api}/api/search?${new URLSearchParams(params)}`);
  const text = await r.text();
  return { status: r.status, body: r.ok ? (JSON.parse(text) as SearchBody) : ({} as SearchBody), text };
}

beforeAll(async () => {
  sb = await startTestSpanbase();
  const spans: Span[] = [];
  for (let i = 0; i < 30; i++) {
    const service = i % 3 === 0 ? 'payments' : i % 3 === 1 ? 'checkout' : 'frontend';
    const start = base + BigInt(i) * 1_000_000_000n;
    const ms = 100 * (i % 10) + 5;
    const root = span({ name: `GET /r${i % 4}`, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(ms) * 1_000_000n, status: { code: i % 5 === 0 ? 2 : 0, message: '' }, attributes: [{ key: 'http.status_code', value: av.int(i % 5 === 0 ? 500 : 200) }, { key: 'order.id', value: av.string(`order-${i}`) }] });
    const child = span({ traceId: root.traceId, parentSpanId: root.spanId, name: 'db', kind: 3, startTimeUnixNano: start + 1_000_000n, endTimeUnixNano: start + 2_000_000n });
    spans.push(root, child);
    sent.push({ traceId: bytesToHex(root.traceId).replace(/^0+/, ''), service, start, error: i % 5 === 0, ms });
    const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request([root, child], service)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);
  }
});
afterAll(() => sb?.stop());

describe('GET /api/search over live data', () => {
  it('finds errored traces of a service, newest first, in Tempo shape', async () => {
    const { status, body } = await search({ q: '{ resource.service.name = "payments" && status = error }', limit: '20', spss: '3' });
    expect(status).toBe(200);
    const expected = sent.filter((s) => s.service === 'payments' && s.error).sort((a, b) => (a.start > b.start ? -1 : 1));
    expect(body.traces.map((t) => t.traceID)).toEqual(expected.map((e) => e.traceId));
    const t = body.traces[0];
    expect(t.rootServiceName).toBe('payments');
    expect(t.rootTraceName).toMatch(/^GET \/r/);
    expect(t.startTimeUnixNano).toBe(expected[0].start.toString());
    expect(t.durationMs).toBe(expected[0].ms);
    expect(t.spanSets).toHaveLength(1);
    expect(t.spanSet).toEqual(t.spanSets[0]);
    expect(t.spanSets[0].matched).toBe(1);
    expect(t.spanSets[0].spans[0].spanID).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof t.spanSets[0].spans[0].durationNanos).toBe('string');
    expect(body.metrics.inspectedTraces).toBeGreaterThan(0);
  });

  it('honours limit, returning the newest traces', async () => {
    const { body } = await search({ q: '{}', limit: '5' });
    const newest = [...sent].sort((a, b) => (a.start > b.start ? -1 : 1)).slice(0, 5);
    expect(body.traces.map((t) => t.traceID)).toEqual(newest.map((n) => n.traceId));
    expect(body.traces[0].spanSets[0].matched).toBe(2);
  });

  it('filters by duration and returns selected attributes', async () => {
    const { body } = await search({ q: '{ duration > 500ms && kind = server } | select(span.order.id)', limit: '50' });
    const expected = sent.filter((s) => s.ms > 500);
    expect(body.traces).toHaveLength(expected.length);
    const attrs = body.traces[0].spanSets[0].spans[0].attributes ?? [];
    expect(attrs.find((a) => a.key === 'order.id')?.value.stringValue).toMatch(/^order-/);
  });

  it('supports the legacy tags search and min/max duration', async () => {
    const { status, body } = await search({ tags: 'service.name=pay http.status_code=500', minDuration: '1ms', limit: '50' });
    expect(status).toBe(200);
    expect(body.traces).toHaveLength(sent.filter((s) => s.service === 'payments' && s.error).length);
    const short = await search({ tags: 'service.name=checkout', maxDuration: '200ms', limit: '50' });
    expect(short.body.traces).toHaveLength(sent.filter((s) => s.service === 'checkout' && s.ms <= 200).length);
  });

  it('answers 400 with a positioned message for a bad query, and for bad parameters', async () => {
    const bad = await search({ q: '{ .a = 1 && .b | count() }' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/parse error at line 1, column \d+/);
    expect(bad.text).toContain('^');
    expect((await search({ q: '{}', limit: 'abc' })).status).toBe(400);
    expect((await search({ q: '{}', start: '100', end: '50' })).status).toBe(400);
    expect((await search({ q: '{}', tags: 'a=b' })).status).toBe(400);
    const metrics = await search({ q: '{} | rate()' });
    expect(metrics.status).toBe(400);
  });
});
