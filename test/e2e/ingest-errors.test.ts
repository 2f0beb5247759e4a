// Acceptance (#2): every validation and limit case returns its status and a clear message, over
// OTLP/HTTP (protobuf and JSON) and OTLP/gRPC; tenants are isolated.
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { encodeTracesData } from '@spanbase/otlp';
import { bytesToHex, hexToBytes } from '@spanbase/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { grpcExport } from '../src/grpc-export.ts';
import { request, span } from '../src/spans.ts';

function post(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  return fetch(url, { method: 'POST', body, headers });
}

/** Decodes a google.rpc.Status protobuf body (code = 1, message = 2) without Spanbase's code. */
function statusMessage(buf: Uint8Array): string {
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++];
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      n |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (tag === 0x12) return Buffer.from(buf.subarray(i, i + n)).toString('utf8');
  }
  return '';
}

describe('validation', () => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase({ 'distributor.max-recv-msg-size': 64 * 1024, 'ingestion.burst-size-bytes': 1024 * 1024 });
  });
  afterAll(() => sb?.stop());

  const cases: { name: string; over: Parameters<typeof span>[0]; field: RegExp }[] = [
    { name: 'a 15-byte trace id', over: { traceId: new Uint8Array(15).fill(1) }, field: /trace_id.*16 bytes/ },
    { name: 'an all-zero trace id', over: { traceId: new Uint8Array(16) }, field: /trace_id.*zero/ },
    { name: 'a 7-byte span id', over: { spanId: new Uint8Array(7).fill(1) }, field: /span_id.*8 bytes/ },
    { name: 'an all-zero span id', over: { spanId: new Uint8Array(8) }, field: /span_id.*zero/ },
  ];

  it.each(cases)('rejects the whole request for $name (400 / INVALID_ARGUMENT) naming the field', async ({ over, field }) => {
    const good = span();
    const body = encodeTracesData(request([good, span(over)]));
    const r = await post(sb.otlpHttp, body, { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    const msg = statusMessage(new Uint8Array(await r.arrayBuffer()));
    expect(msg).toMatch(field);
    expect(msg).toMatch(/resource_spans\[0\]\.scope_spans\[0\]\.spans\[1\]/);
    const g = await grpcExport(sb.otlpGrpc, body);
    expect(g.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(g.details).toMatch(field);
    // Nothing of the rejected request was kept.
    expect((await fetch(`${sb.api}/api/traces/${bytesToHex(good.traceId)}`)).status).toBe(404);
  });

  it('rejects bad ids in OTLP JSON too, with a JSON status body', async () => {
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '00'.repeat(16), spanId: '01'.repeat(8), name: 'x' }] }] }] });
    const r = await post(sb.otlpHttp, body, { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const status = (await r.json()) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/trace_id/);
  });

  it('answers 400 for malformed protobuf and JSON', async () => {
    const p = await post(sb.otlpHttp, new Uint8Array([0x0a, 0xff, 0xff, 0x01, 0x02]), { 'content-type': 'application/x-protobuf' });
    expect(p.status).toBe(400);
    expect(statusMessage(new Uint8Array(await p.arrayBuffer()))).not.toBe('');
    const j = await post(sb.otlpHttp, '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(j.status).toBe(400);
    const wrongShape = await post(sb.otlpHttp, '{"resourceSpans": 5}', { 'content-type': 'application/json' });
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { message: string }).message).toMatch(/resourceSpans/);
  });

  it('answers 415 for other content types and encodings', async () => {
    const r = await post(sb.otlpHttp, 'hello', { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect(await r.text()).toMatch(/application\/x-protobuf or application\/json/);
    const enc = await post(sb.otlpHttp, encodeTracesData(request([span()])), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' });
    expect(enc.status).toBe(415);
  });

  it('answers 413 for bodies over the limit, compressed or not', async () => {
    const big = encodeTracesData(request(Array.from({ length: 400 }, () => span({ name: 'x'.repeat(200) }))));
    expect(big.length).toBeGreaterThan(64 * 1024);
    const r = await post(sb.otlpHttp, big, { 'content-type': 'application/x-protobuf' });
    expect(r.status).toBe(413);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(64 * 1024);
    const z = await post(sb.otlpHttp, zipped, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(z.status).toBe(413);
    expect(statusMessage(new Uint8Array(await z.arrayBuffer()))).toMatch(/exceeds 65536 bytes/);
  });

  it('accepts gzip bodies and truncates over-long attributes instead of rejecting', async () => {
    const s = span({ attributes: [{ key: 'long', value: { type: 'string', value: 'é'.repeat(3000) } }] });
    const r = await post(sb.otlpHttp, gzipSync(encodeTracesData(request([s]))), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    const got = (await (await fetch(`${sb.api}/api/traces/${bytesToHex(s.traceId)}`)).json()) as { batches: { scopeSpans: { spans: { attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[] };
    const value = got.batches[0].scopeSpans[0].spans[0].attributes.find((a) => a.key === 'long')!.value.stringValue;
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(value)).toBeGreaterThan(2040);
    expect(value).toBe('é'.repeat(1024));
  });
});

describe('rate limits', () => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase({ 'ingestion.rate-limit-bytes': 10, 'ingestion.burst-size-bytes': 4000, 'distributor.max-recv-msg-size': 4000 });
  });
  afterAll(() => sb?.stop());

  it('answers 429 with Retry-After (RESOURCE_EXHAUSTED over gRPC) past the burst', async () => {
    const body = encodeTracesData(request(Array.from({ length: 16 }, () => span())));
    expect(body.length).toBeGreaterThan(1000); // a few requests empty the burst; the refill (10 B/s) cannot catch up
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await post(sb.otlpHttp, body, { 'content-type': 'application/x-protobuf' });
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after');
        expect(statusMessage(new Uint8Array(await r.arrayBuffer()))).toMatch(/RATE_LIMITED/);
      }
    }
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const g = await grpcExport(sb.otlpGrpc, body);
    expect(g.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(g.details).toMatch(/RATE_LIMITED/);
  });
});

describe('tenants', () => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase({ 'multitenancy.enabled': true });
  });
  afterAll(() => sb?.stop());

  it('requires a valid X-Scope-OrgID and keeps tenants apart', async () => {
    const s = span();
    const body = encodeTracesData(request([s]));
    const none = await post(sb.otlpHttp, body, { 'content-type': 'application/x-protobuf' });
    expect(none.status).toBe(401);
    expect(statusMessage(new Uint8Array(await none.arrayBuffer()))).toMatch(/X-Scope-OrgID/);
    const bad = await post(sb.otlpHttp, body, { 'content-type': 'application/x-protobuf', 'x-scope-orgid': '../etc' });
    expect(bad.status).toBe(400);
    expect((await post(sb.otlpHttp, body, { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'team-a' })).status).toBe(200);
    const id = bytesToHex(s.traceId);
    expect((await fetch(`${sb.api}/api/traces/${id}`, { headers: { 'x-scope-orgid': 'team-a' } })).status).toBe(200);
    expect((await fetch(`${sb.api}/api/traces/${id}`, { headers: { 'x-scope-orgid': 'team-b' } })).status).toBe(404);
    expect((await fetch(`${sb.api}/api/traces/${id}`)).status).toBe(401);
    const md = new grpc.Metadata();
    md.set('x-scope-orgid', 'team-b');
    const s2 = span();
    expect((await grpcExport(sb.otlpGrpc, encodeTracesData(request([s2])), md)).code).toBe(0);
    expect((await fetch(`${sb.api}/api/traces/${bytesToHex(s2.traceId)}`, { headers: { 'x-scope-orgid': 'team-b' } })).status).toBe(200);
    expect((await fetch(`${sb.api}/api/traces/${bytesToHex(s2.traceId)}`, { headers: { 'x-scope-orgid': 'team-a' } })).status).toBe(404);
    expect((await grpcExport(sb.otlpGrpc, body)).code).toBe(grpc.status.UNAUTHENTICATED);
    expect(hexToBytes(id)).toEqual(s.traceId);
  });
});
