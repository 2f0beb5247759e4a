// Tempo's tag APIs over live data and blocks: names by scope, typed values, most frequent first,
// double-encoded tag names as Grafana sends them, and a q filter that narrows values.
import { av } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';

let sb: TestSpanbase;

async function send(service: string, route: string, status: number, n: number): Promise<void> {
  const spans = Array.from({ length: n }, () => span({ attributes: [{ key: 'http.route', value: av.string(route) }, { key: 'http.status_code', value: av.int(status) }, { key: 'retry', value: av.bool(status >= 500) }], status: { code: status >= 500 ? 2 : 0, message: '' } }));
  const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, service)), headers: { 'content-type': 'application/x-protobuf' } });
  expect(r.status).toBe(200);
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${sb.api}${path}`);
  return { status: r.status, body: r.ok ? ((await r.json()) as Record<string, unknown>) : { text: await r.text() } };
}

beforeAll(async () => {
  sb = await startTestSpanbase({ ...FAST_FLUSH });
  await send('checkout', '/cart', 200, 30);
  await send('payments', '/pay', 500, 5);
  await waitForFlush(sb); // these two are in blocks now
  await send('frontend', '/home', 200, 10); // and this one stays live a moment
});
afterAll(() => sb?.stop());

describe('tag APIs', () => {
  it('lists tag names per scope (v2) and flat (v1)', async () => {
    const v2 = await get('/api/v2/search/tags?limit=5000');
    expect(v2.status).toBe(200);
    const scopes = v2.body.scopes as { name: string; tags: string[] }[];
    expect(scopes.map((s) => s.name)).toEqual(['resource', 'span', 'intrinsic', 'event', 'link', 'instrumentation']);
    expect(scopes.find((s) => s.name === 'resource')!.tags).toContain('service.name');
    expect(scopes.find((s) => s.name === 'span')!.tags).toEqual(expect.arrayContaining(['http.route', 'http.status_code', 'retry']));
    expect(scopes.find((s) => s.name === 'intrinsic')!.tags).toEqual(expect.arrayContaining(['duration', 'name', 'status', 'kind', 'rootServiceName']));
    const spanOnly = await get('/api/v2/search/tags?scope=span');
    expect((spanOnly.body.scopes as unknown[]).length).toBe(1);
    expect((await get('/api/v2/search/tags?scope=bogus')).status).toBe(400);
    const v1 = await get('/api/search/tags');
    expect(v1.body.tagNames).toEqual(expect.arrayContaining(['http.route', 'service.name']));
  });

  it('returns typed values, most frequent first, from blocks and live data', async () => {
    const svc = await get(`/api/v2/search/tag/${encodeURIComponent(encodeURIComponent('resource.service.name'))}/values`);
    expect(svc.status).toBe(200);
    const values = svc.body.tagValues as { type: string; value: string }[];
    expect(values.map((v) => v.value)).toEqual(['checkout', 'frontend', 'payments']);
    expect(values.every((v) => v.type === 'string')).toBe(true);
    const codes = (await get('/api/v2/search/tag/span.http.status_code/values')).body.tagValues as { type: string; value: string }[];
    expect(codes).toEqual([{ type: 'int', value: '200' }, { type: 'int', value: '500' }]);
    const bools = (await get('/api/v2/search/tag/.retry/values')).body.tagValues as { type: string; value: string }[];
    expect(bools.map((b) => b.type)).toEqual(['bool', 'bool']);
    const status = (await get('/api/v2/search/tag/status/values')).body.tagValues as { type: string; value: string }[];
    expect(status).toEqual([{ type: 'keyword', value: 'error' }, { type: 'keyword', value: 'ok' }, { type: 'keyword', value: 'unset' }]);
    expect((await get('/api/v2/search/tag/duration/values')).body.tagValues).toEqual([]);
    const limited = (await get('/api/v2/search/tag/resource.service.name/values?limit=1')).body.tagValues as unknown[];
    expect(limited).toHaveLength(1);
    const v1 = (await get('/api/search/tag/service.name/values')).body.tagValues;
    expect(v1).toEqual(['checkout', 'frontend', 'payments']);
  });

  it('narrows values with a q filter and rejects a tag that is not TraceQL', async () => {
    const q = encodeURIComponent('{ resource.service.name = "payments" }');
    const routes = (await get(`/api/v2/search/tag/span.http.route/values?q=${q}`)).body.tagValues as { value: string }[];
    expect(routes.map((r) => r.value)).toEqual(['/pay']);
    const codes = (await get(`/api/v2/search/tag/span.http.status_code/values?q=${encodeURIComponent('{ span.http.route = "/cart" }')}`)).body.tagValues as { type: string; value: string }[];
    expect(codes).toEqual([{ type: 'int', value: '200' }]);
    expect((await get('/api/v2/search/tag/%7B%7D/values')).status).toBe(400);
  });
});
