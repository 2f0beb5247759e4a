// The trace routes over a fake source: protobuf and JSON, v1 and v2, found, unknown, cut to size.
import { describe, expect, it } from 'vitest';
import { av, flattenTracesData, hexToBytes } from '@spanbase/model';
import type { Span, SpanRecord } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';
import { createHttpApp, silentLogger } from '@spanbase/server';
import { registerTraceRoutes } from './trace-routes.ts';
import type { TraceSource } from '@spanbase/query';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const traceId = hexToBytes(TRACE)!;

function span(i: number): Span {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1000n;
  return {
    traceId, spanId: hexToBytes((i + 1).toString(16).padStart(16, '0'))!, parentSpanId: new Uint8Array(0), traceState: '', flags: 0,
    name: `op-${i}`, kind: 2, startTimeUnixNano: start, endTimeUnixNano: start + 500n,
    attributes: [{ key: 'payload', value: av.string('p'.repeat(100)) }], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

function records(n: number): SpanRecord[] {
  const spans = Array.from({ length: n }, (_, i) => span(i));
  return flattenTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans }] }] });
}

function app(spanCount: number, maxBytesPerTrace = 1_000_000) {
  const source: TraceSource = {
    name: 'fake',
    async findTrace(_tenant, id) {
      return { records: Buffer.compare(Buffer.from(id), Buffer.from(traceId)) === 0 ? records(spanCount) : [] };
    },
  };
  const a = createHttpApp({ logger: silentLogger() });
  registerTraceRoutes(a, { sources: () => [source], multitenancy: false, maxBytesPerTrace: () => maxBytesPerTrace, timeoutMs: 10_000 });
  return a;
}

/** Top-level fields of a protobuf message: field number → raw values (varints as numbers, LEN as bytes). */
function fields(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let pos = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[pos++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    const list = out.get(tag >> 3) ?? [];
    if ((tag & 7) === 0) list.push(varint());
    else if ((tag & 7) === 2) {
      const len = varint();
      list.push(bytes.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`unexpected wire type ${tag & 7}`);
    out.set(tag >> 3, list);
  }
  return out;
}

const PB = { accept: 'application/protobuf' };

describe('trace routes, protobuf', () => {
  it('v1 answers a Trace: the TracesData bytes of every span', async () => {
    const r = await app(3).inject({ url: `/api/traces/${TRACE}`, headers: PB });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/protobuf');
    const trace = decodeExportRequest(r.rawPayload);
    expect(trace.resourceSpans[0].scopeSpans[0].spans.map((s) => s.name)).toEqual(['op-0', 'op-1', 'op-2']);
  });

  it('v2 answers a TraceByIDResponse wrapping the same Trace, with inspected bytes and no status', async () => {
    const a = app(3);
    const v1 = (await a.inject({ url: `/api/traces/${TRACE}`, headers: PB })).rawPayload;
    const r = await a.inject({ url: `/api/v2/traces/${TRACE}?start=1699999000&end=1700001000`, headers: PB });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/protobuf');
    const f = fields(r.rawPayload);
    expect(Buffer.from(f.get(1)![0] as Uint8Array)).toEqual(v1);
    expect(fields(f.get(2)![0] as Uint8Array).get(1)).toEqual([v1.byteLength]);
    expect(f.has(3)).toBe(false);
    expect(f.has(4)).toBe(false);
  });

  it('v2 answers an unknown trace with an empty Trace (200), v1 with 404', async () => {
    const a = app(3);
    const v2 = await a.inject({ url: '/api/v2/traces/1234', headers: PB });
    expect(v2.statusCode).toBe(200);
    const f = fields(v2.rawPayload);
    expect((f.get(1)![0] as Uint8Array).byteLength).toBe(0);
    expect(f.has(3)).toBe(false);
    const v1 = await a.inject({ url: '/api/traces/1234', headers: PB });
    expect(v1.statusCode).toBe(404);
    expect(v1.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('cuts a trace over --query.max-bytes-per-trace: PARTIAL with a message on v2, 422 on v1', async () => {
    const a = app(200, 4000);
    const v2 = await a.inject({ url: `/api/v2/traces/${TRACE}`, headers: PB });
    expect(v2.statusCode).toBe(200);
    const f = fields(v2.rawPayload);
    const trace = f.get(1)![0] as Uint8Array;
    expect(trace.byteLength).toBeLessThanOrEqual(4000);
    const kept = decodeExportRequest(trace).resourceSpans[0].scopeSpans[0].spans;
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(200);
    expect(f.get(3)).toEqual([1]);
    expect(new TextDecoder().decode(f.get(4)![0] as Uint8Array)).toBe('Trace exceeds maximum size of 4000 bytes, a partial trace is returned');
    const v1 = await a.inject({ url: `/api/traces/${TRACE}`, headers: PB });
    expect(v1.statusCode).toBe(422);
    expect(v1.body).toMatch(/maximum size of 4000 bytes/);
  });
});

describe('trace routes, JSON', () => {
  it('v2 JSON: PARTIAL by name, inspectedBytes as a string; an unknown trace is {"trace":{}}', async () => {
    const a = app(200, 4000);
    const r = await a.inject({ url: `/api/v2/traces/${TRACE}` });
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const body = r.json() as { trace: { resourceSpans: unknown[] }; status: string; message: string; metrics: { inspectedBytes: string } };
    expect(body.status).toBe('PARTIAL');
    expect(body.message).toMatch(/a partial trace is returned/);
    expect(body.metrics.inspectedBytes).toMatch(/^[1-9]\d*$/);
    const missing = await a.inject({ url: '/api/v2/traces/1234' });
    expect(missing.statusCode).toBe(200);
    expect(missing.json()).toEqual({ trace: {}, metrics: {} });
  });

  it('v1 JSON keeps the batches shape and 404s an unknown trace', async () => {
    const a = app(2);
    const r = await a.inject({ url: `/api/traces/${TRACE}`, headers: { accept: 'application/json' } });
    expect(Object.keys(r.json() as object)).toEqual(['batches']);
    expect((await a.inject({ url: '/api/traces/1234' })).statusCode).toBe(404);
  });
});
