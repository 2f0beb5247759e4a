// Edges of the protocols where Spanbase must behave as documented: requests refused before any
// route runs (over-long paths, URLs and headers) answer in the listener's own error format on both
// ports; a parent span id of eight zero bytes marks a root span; metrics timestamps in an
// ambiguous unit are a 400; a tenant in gRPC metadata is trimmed as HTTP headers are.
import * as grpc from '@grpc/grpc-js';
import { bytesToHex, traceIdToSearchHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { grpcExport, statusMessage } from '../src/otlp-client.ts';
import { request, span } from '../src/spans.ts';

const PROTOBUF = 'application/x-protobuf';

describe('protocol edges', () => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase({ 'multitenancy.enabled': true });
  });
  afterAll(() => sb?.stop());

  it('answers over-long paths and URLs with a plain-text 414 on the API port', async () => {
    for (const url of [`/api/traces/${'a'.repeat(2000)}`, `/api/search?q=${'a'.repeat(20_000)}`]) {
      const r = await fetch(`${sb.api}${url}`, { headers: { 'x-scope-orgid': 't' } });
      expect(r.status).toBe(414);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await r.text()).toMatch(/^URI too long: .*\n$/);
    }
  });

  it('answers over-large headers with a plain-text 431 on the API port', async () => {
    const r = await fetch(`${sb.api}/api/echo`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await r.text()).toMatch(/^request headers too large: .*16384 bytes\n$/);
  });

  it('answers them on the OTLP port as a google.rpc.Status in the request encoding', async () => {
    const body = encodeTracesData(request([span()]));
    const long = await fetch(`${sb.otlpHttp}?${'a'.repeat(20_000)}`, { method: 'POST', body, headers: { 'content-type': PROTOBUF, 'x-scope-orgid': 't' } });
    expect(long.status).toBe(414);
    const longText = long.headers.get('content-type') === PROTOBUF ? statusMessage(new Uint8Array(await long.arrayBuffer())) : await long.text();
    expect(longText).toMatch(/URI too long/);

    const big = await fetch(sb.otlpHttp, { method: 'POST', body, headers: { 'content-type': PROTOBUF, 'x-scope-orgid': 't', 'x-big': 'a'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect(big.headers.get('content-type')).toBe(PROTOBUF);
    expect(statusMessage(new Uint8Array(await big.arrayBuffer()))).toMatch(/request headers too large/);

    const json = await fetch(sb.otlpHttp, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-scope-orgid': 't', 'x-big': 'a'.repeat(20_000) } });
    expect(json.status).toBe(431);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toMatchObject({ code: 3, message: expect.stringMatching(/request headers too large/) });
  });

  it('takes a parent span id of eight zero bytes as a root span', async () => {
    const root = span({ parentSpanId: new Uint8Array(8), name: 'zero-parent-root' });
    const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request([root], 'zero-svc')), headers: { 'content-type': PROTOBUF, 'x-scope-orgid': 't' } });
    expect(r.status).toBe(200);
    const q = encodeURIComponent('{ resource.service.name = "zero-svc" }');
    const found = (await (await fetch(`${sb.api}/api/search?q=${q}`, { headers: { 'x-scope-orgid': 't' } })).json()) as { traces: { traceID: string; rootServiceName?: string; rootTraceName?: string }[] };
    expect(found.traces).toEqual([expect.objectContaining({ traceID: traceIdToSearchHex(root.traceId), rootServiceName: 'zero-svc', rootTraceName: 'zero-parent-root' })]);
  });

  it('refuses metrics timestamps that are neither seconds nor nanoseconds with a 400', async () => {
    const q = encodeURIComponent('{} | rate()');
    const r = await fetch(`${sb.api}/api/metrics/query_range?q=${q}&start=0&end=99999999999`, { headers: { 'x-scope-orgid': 't' } });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/11 digits are neither unix seconds/);
  });

  it('trims spaces around a tenant in gRPC metadata as HTTP does for headers', async () => {
    const s = span();
    const md = new grpc.Metadata();
    md.set('x-scope-orgid', ' tenantB ');
    expect(await grpcExport(sb.otlpGrpc, encodeTracesData(request([s])), md)).toEqual({ code: 0, details: '' });
    const viaHttp = span();
    const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request([viaHttp])), headers: { 'content-type': PROTOBUF, 'x-scope-orgid': '  tenantB ' } });
    expect(r.status).toBe(200);
    for (const t of [s, viaHttp]) expect((await fetch(`${sb.api}/api/traces/${bytesToHex(t.traceId)}`, { headers: { 'x-scope-orgid': 'tenantB' } })).status).toBe(200);
  });
});
