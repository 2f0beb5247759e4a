// Zipkin in, Jaeger and Zipkin out: spans sent by OpenTelemetry's own Zipkin exporter, by hand in
// Zipkin's v2 JSON and in its proto3, are found through Tempo's trace-by-id and TraceQL and
// through the Jaeger and Zipkin query APIs, with every field mapped; the answers have the shapes
// of Jaeger's and Zipkin's published API definitions; bad input gets the right 4xx.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jaegerEnvelopeProblems, jaegerTraceProblems, zipkinSpanProblems, zipkinTracesProblems } from '../src/compat-shapes.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans } from '../src/otel.ts';

let sb: TestSpanbase;
beforeAll(async () => {
  sb = await startTestSpanbase({ 'distributor.max-recv-msg-size': 64 * 1024 });
});
afterAll(async () => {
  await sb?.stop();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text error
  }
  return { status: res.status, body };
}

function post(path: string, body: string | Uint8Array, contentType: string | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sb.zipkin}${path}`, { method: 'POST', body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers } });
}

/** Microseconds as the exporter computes them (hrTimeToMicroseconds), rounded as we store them. */
const hrMicros = (t: [number, number]) => Math.round(t[0] * 1e6 + t[1] / 1e3);

/** A three-span trace recorded by the OpenTelemetry SDK (server → client with error and events, internal). */
function recordTrace(service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.1.0', 'team.owner': 'checkout' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('zipkin-e2e', '0.9.0');
  const root = tracer.startSpan('GET /cart/{id}', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.route': '/cart/{id}', 'http.status_code': 503, 'cart.items': 3 } });
  const ctx = trace.setSpan(context.active(), root);
  const client = tracer.startSpan('redis GET', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'redis' } }, ctx);
  client.addEvent('timeout', { 'retry.count': 2 });
  client.addEvent('giving-up');
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'redis timed out' });
  client.end();
  const internal = tracer.startSpan('render', { kind: SpanKind.INTERNAL }, ctx);
  internal.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  return memory.getFinishedSpans() as ReadableSpan[];
}

describe('spans from @opentelemetry/exporter-zipkin', () => {
  const service = `zipkin-e2e-${process.pid}`;
  let spans: ReadableSpan[];
  let traceId: string;
  const byName = (n: string) => spans.find((s) => s.name === n)!;

  beforeAll(async () => {
    spans = recordTrace(service);
    traceId = spans[0].spanContext().traceId;
    const exporter = new ZipkinExporter({ url: `${sb.zipkin}/api/v2/spans` });
    const r = await exportSpans(exporter, spans);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
  });

  it('are stored in the span model the way the Collector maps them (Tempo trace by id)', async () => {
    const { status, body } = await getJson(`${sb.api}/api/v2/traces/${traceId}`);
    expect(status).toBe(200);
    const rs = body.trace.resourceSpans as Json[];
    const resource = Object.fromEntries(rs[0].resource.attributes.map((a: Json) => [a.key, a.value.stringValue]));
    expect(resource['service.name']).toBe(service);
    expect(resource['service.version']).toBe('2.1.0');
    const got = rs.flatMap((r) => r.scopeSpans.flatMap((s: Json) => s.spans)) as Json[];
    expect(got).toHaveLength(3);
    const find = (n: string) => got.find((s) => s.name === n)!;
    const root = find('GET /cart/{id}');
    expect(root.kind).toBe('SPAN_KIND_SERVER');
    expect(root.status).toEqual({ code: 'STATUS_CODE_OK' });
    const rootAttrs = Object.fromEntries(root.attributes.map((a: Json) => [a.key, a.value]));
    // Zipkin tags are strings; the Collector keeps them so unless parse_string_tags is on.
    expect(rootAttrs['http.status_code']).toEqual({ stringValue: '503' });
    // A resource attribute outside the semantic conventions stays on the span, as the Collector leaves it.
    expect(rootAttrs['team.owner']).toEqual({ stringValue: 'checkout' });
    expect(root.startTimeUnixNano).toBe(String(hrMicros(byName('GET /cart/{id}').startTime) * 1000));
    const client = find('redis GET');
    expect(client.kind).toBe('SPAN_KIND_CLIENT');
    expect(client.status).toEqual({ code: 'STATUS_CODE_ERROR', message: 'redis timed out' });
    // The exporter sends an event's name, not its attributes (Zipkin annotations have none).
    expect(client.events.map((e: Json) => e.name)).toEqual(['timeout', 'giving-up']);
    expect(Buffer.from(client.parentSpanId, 'base64').toString('hex')).toBe(byName('GET /cart/{id}').spanContext().spanId);
    // The exporter sends no kind for internal spans: Zipkin has none, so they arrive unspecified.
    expect(find('render').kind ?? 'SPAN_KIND_UNSPECIFIED').toBe('SPAN_KIND_UNSPECIFIED');
  });

  it('are found by TraceQL', async () => {
    const q = `{ resource.service.name = "${service}" && span.http.route = "/cart/{id}" && kind = server }`;
    const { status, body } = await getJson(`${sb.api}/api/search?q=${encodeURIComponent(q)}`);
    expect(status).toBe(200);
    expect(body.traces.map((t: Json) => t.traceID.padStart(32, '0'))).toEqual([traceId]);
    const err = await getJson(`${sb.api}/api/search?q=${encodeURIComponent(`{ resource.service.name = "${service}" && status = error }`)}`);
    expect(err.body.traces).toHaveLength(1);
  });

  it('come back from Jaeger\'s /api/traces/{id} with every field mapped', async () => {
    const { status, body } = await getJson(`${sb.jaeger}/api/traces/${traceId}`);
    expect(status).toBe(200);
    expect(jaegerEnvelopeProblems(body)).toEqual([]);
    expect(body.total).toBe(1);
    const t = body.data[0];
    expect(jaegerTraceProblems(t)).toEqual([]);
    expect(t.traceID).toBe(traceId);
    const pids = Object.keys(t.processes);
    expect(pids).toEqual(['p1']);
    expect(t.processes.p1.serviceName).toBe(service);
    expect(t.processes.p1.tags).toContainEqual({ key: 'service.version', type: 'string', value: '2.1.0' });
    const find = (n: string) => t.spans.find((s: Json) => s.operationName === n);
    const rootSpan = byName('GET /cart/{id}');
    const root = find('GET /cart/{id}');
    expect(root.spanID).toBe(rootSpan.spanContext().spanId);
    expect(root.references).toEqual([]);
    expect(root.startTime).toBe(hrMicros(rootSpan.startTime));
    expect(root.duration).toBe(Math.round(hrMicros(rootSpan.duration)));
    expect(root.tags).toContainEqual({ key: 'span.kind', type: 'string', value: 'server' });
    expect(root.tags).toContainEqual({ key: 'http.route', type: 'string', value: '/cart/{id}' });
    expect(root.tags).toContainEqual({ key: 'otel.status_code', type: 'string', value: 'OK' });
    const client = find('redis GET');
    expect(client.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: rootSpan.spanContext().spanId }]);
    expect(client.tags).toContainEqual({ key: 'error', type: 'bool', value: true });
    expect(client.tags).toContainEqual({ key: 'otel.status_description', type: 'string', value: 'redis timed out' });
    expect(client.logs.map((l: Json) => l.fields[0])).toEqual([{ key: 'event', type: 'string', value: 'timeout' }, { key: 'event', type: 'string', value: 'giving-up' }]);
    expect(client.logs[0].timestamp).toBe(hrMicros(byName('redis GET').events[0].time));
  });

  it('come back from Zipkin\'s /api/v2/trace/{id} as they were sent', async () => {
    const { status, body } = await getJson(`${sb.zipkinQuery}/api/v2/trace/${traceId}`);
    expect(status).toBe(200);
    expect(body.flatMap((s: unknown, i: number) => zipkinSpanProblems(s, `[${i}]`))).toEqual([]);
    const find = (n: string) => body.find((s: Json) => s.name === n);
    const rootSpan = byName('GET /cart/{id}');
    const root = find('GET /cart/{id}');
    expect(root).toMatchObject({ traceId, id: rootSpan.spanContext().spanId, kind: 'SERVER', timestamp: hrMicros(rootSpan.startTime), duration: Math.round(hrMicros(rootSpan.duration)), localEndpoint: { serviceName: service } });
    expect(root.parentId).toBeUndefined();
    expect(root.tags).toMatchObject({ 'http.status_code': '503', 'http.route': '/cart/{id}', 'otel.status_code': 'OK', 'service.version': '2.1.0' });
    const client = find('redis GET');
    expect(client).toMatchObject({ parentId: rootSpan.spanContext().spanId, kind: 'CLIENT', annotations: [{ timestamp: hrMicros(byName('redis GET').events[0].time), value: 'timeout' }, { value: 'giving-up' }] });
    expect(client.tags).toMatchObject({ error: 'redis timed out', 'otel.status_code': 'ERROR' });
  });

  it('are found by Jaeger\'s search, services and operations', async () => {
    const svc = await getJson(`${sb.jaeger}/api/services`);
    expect(jaegerEnvelopeProblems(svc.body)).toEqual([]);
    expect(svc.body.data).toContain(service);
    const ops = await getJson(`${sb.jaeger}/api/services/${encodeURIComponent(service)}/operations`);
    expect(ops.body.data).toEqual(['GET /cart/{id}', 'redis GET', 'render']);
    const kinds = await getJson(`${sb.jaeger}/api/operations?service=${encodeURIComponent(service)}`);
    expect(jaegerEnvelopeProblems(kinds.body)).toEqual([]);
    expect(kinds.body.data).toEqual([{ name: 'GET /cart/{id}', spanKind: 'server' }, { name: 'redis GET', spanKind: 'client' }, { name: 'render', spanKind: '' }]);
    const server = await getJson(`${sb.jaeger}/api/operations?service=${encodeURIComponent(service)}&spanKind=server`);
    expect(server.body.data).toEqual([{ name: 'GET /cart/{id}', spanKind: 'server' }]);
    const now = Date.now() * 1000;
    // As Grafana's Jaeger datasource asks: start and end in microseconds, lookback=custom.
    const search = (extra: string) => getJson(`${sb.jaeger}/api/traces?service=${encodeURIComponent(service)}&start=${now - 3_600_000_000}&end=${now + 60_000_000}&limit=20&lookback=custom${extra}`);
    const found = await search(`&operation=${encodeURIComponent('redis GET')}&tags=${encodeURIComponent('{"db.system":"redis","error":"true"}')}`);
    expect(jaegerEnvelopeProblems(found.body)).toEqual([]);
    expect(found.body.data.map((t: Json) => t.traceID)).toEqual([traceId]);
    expect(found.body.data[0].spans).toHaveLength(3);
    expect((await search('&minDuration=1h')).body.data).toEqual([]);
    expect((await search('&maxDuration=1h&tag=http.status_code:503')).body.data).toHaveLength(1);
    expect((await search('&operation=nope')).body.data).toEqual([]);
    expect((await getJson(`${sb.jaeger}/api/traces?traceID=${traceId}`)).body.data.map((t: Json) => t.traceID)).toEqual([traceId]);
  });

  it('are found by Zipkin\'s search, services, span names, traceMany and autocomplete', async () => {
    const z = sb.zipkinQuery;
    expect((await getJson(`${z}/api/v2/services`)).body).toContain(service);
    expect((await getJson(`${z}/api/v2/spans?serviceName=${encodeURIComponent(service)}`)).body).toEqual(['GET /cart/{id}', 'redis GET', 'render']);
    const traces = await getJson(`${z}/api/v2/traces?serviceName=${encodeURIComponent(service)}&spanName=${encodeURIComponent('redis GET')}&annotationQuery=${encodeURIComponent('timeout and db.system=redis')}&endTs=${Date.now() + 60_000}&lookback=3600000`);
    expect(traces.status).toBe(200);
    expect(zipkinTracesProblems(traces.body)).toEqual([]);
    expect(traces.body.map((t: Json[]) => t[0].traceId)).toEqual([traceId]);
    expect((await getJson(`${z}/api/v2/traces?serviceName=${encodeURIComponent(service)}&minDuration=3600000000`)).body).toEqual([]);
    expect((await getJson(`${z}/api/v2/traces?serviceName=${encodeURIComponent(service)}&annotationQuery=nosuchannotation`)).body).toEqual([]);
    const many = await getJson(`${z}/api/v2/traceMany?traceIds=${traceId},${'f'.repeat(32)}`);
    expect(zipkinTracesProblems(many.body)).toEqual([]);
    expect(many.body.map((t: Json[]) => t[0].traceId)).toEqual([traceId]);
    expect((await getJson(`${z}/api/v2/autocompleteKeys`)).body).toContain('http.route');
    expect((await getJson(`${z}/api/v2/autocompleteValues?key=http.route`)).body).toContain('/cart/{id}');
  });
});

describe('spans in Zipkin\'s own encodings', () => {
  it('takes v2 JSON with 64-bit ids, both endpoints, annotations and a shared span', async () => {
    const ts = Date.now() * 1000;
    const spans = [
      { traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', kind: 'CLIENT', name: 'get /users', timestamp: ts, duration: 2500, localEndpoint: { serviceName: 'frontend-z', ipv4: '10.0.0.7', port: 8080 }, remoteEndpoint: { serviceName: 'users-z', ipv6: '2001:db8::c001', port: 9000 }, annotations: [{ timestamp: ts + 10, value: 'ws' }], tags: { 'http.path': '/users', 'w3c.tracestate': 'k=v' } },
      { traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', kind: 'SERVER', shared: true, name: 'get /users', timestamp: ts + 100, duration: 2000, localEndpoint: { serviceName: 'users-z' }, tags: { error: 'connection reset' } },
    ];
    const res = await post('/api/v2/spans', JSON.stringify(spans), 'application/json');
    expect(res.status).toBe(202);
    // A 64-bit id is the same trace as its zero-padded 128-bit form, in every API.
    const tempo = await getJson(`${sb.api}/api/v2/traces/463ac35c9f6413ad`);
    const got = tempo.body.trace.resourceSpans.flatMap((r: Json) => r.scopeSpans.flatMap((s: Json) => s.spans.map((sp: Json) => ({ ...sp, service: r.resource.attributes.find((a: Json) => a.key === 'service.name').value.stringValue }))));
    expect(got).toHaveLength(2);
    const client = got.find((s: Json) => s.kind === 'SPAN_KIND_CLIENT');
    const attrs = Object.fromEntries(client.attributes.map((a: Json) => [a.key, a.value]));
    expect(attrs).toMatchObject({ 'net.host.ip': { stringValue: '10.0.0.7' }, 'net.host.port': { intValue: '8080' }, 'peer.service': { stringValue: 'users-z' }, 'net.peer.ip': { stringValue: '2001:db8::c001' }, 'net.peer.port': { intValue: '9000' }, 'http.path': { stringValue: '/users' } });
    expect(client.traceState).toBe('k=v');
    expect(Buffer.from(client.traceId, 'base64').toString('hex')).toBe('0000000000000000463ac35c9f6413ad');
    // The shared server span gets its own id under the client span, so neither hides the other.
    const server = got.find((s: Json) => s.kind === 'SPAN_KIND_SERVER');
    expect(server.service).toBe('users-z');
    expect(Buffer.from(server.parentSpanId, 'base64').toString('hex')).toBe('72485a3953bb6124');
    expect(Buffer.from(server.spanId, 'base64').toString('hex')).not.toBe('72485a3953bb6124');
    expect(server.status).toEqual({ code: 'STATUS_CODE_ERROR', message: 'connection reset' });
    const zipkin = await getJson(`${sb.zipkinQuery}/api/v2/trace/463ac35c9f6413ad`);
    const zc = zipkin.body.find((s: Json) => s.kind === 'CLIENT');
    expect(zc).toMatchObject({ traceId: '463ac35c9f6413ad', id: '72485a3953bb6124', timestamp: ts, duration: 2500, localEndpoint: { serviceName: 'frontend-z', ipv4: '10.0.0.7', port: 8080 }, remoteEndpoint: { serviceName: 'users-z', ipv6: '2001:db8::c001', port: 9000 }, annotations: [{ timestamp: ts + 10, value: 'ws' }] });
    const jaeger = await getJson(`${sb.jaeger}/api/traces/463ac35c9f6413ad`);
    expect(jaegerTraceProblems(jaeger.body.data[0])).toEqual([]);
    expect(jaeger.body.data[0].traceID).toBe('463ac35c9f6413ad');
    expect(Object.values(jaeger.body.data[0].processes).map((p) => (p as Json).serviceName).sort()).toEqual(['frontend-z', 'users-z']);
    expect((await getJson(`${sb.zipkinQuery}/api/v2/remoteServices?serviceName=frontend-z`)).body).toEqual(['users-z']);
    // Sent again (a retry), nothing is duplicated.
    expect((await post('/api/v2/spans', JSON.stringify(spans), 'application/json')).status).toBe(202);
    expect((await getJson(`${sb.zipkinQuery}/api/v2/trace/463ac35c9f6413ad`)).body).toHaveLength(2);
  });

  it('takes proto3 ListOfSpans encoded from Zipkin\'s zipkin.proto field numbers', async () => {
    const root = protobuf.Root.fromJSON({
      nested: {
        Endpoint: { fields: { service_name: { type: 'string', id: 1 }, ipv4: { type: 'bytes', id: 2 }, ipv6: { type: 'bytes', id: 3 }, port: { type: 'int32', id: 4 } } },
        Annotation: { fields: { timestamp: { type: 'fixed64', id: 1 }, value: { type: 'string', id: 2 } } },
        Span: {
          fields: {
            trace_id: { type: 'bytes', id: 1 }, parent_id: { type: 'bytes', id: 2 }, id: { type: 'bytes', id: 3 }, kind: { type: 'int32', id: 4 }, name: { type: 'string', id: 5 },
            timestamp: { type: 'fixed64', id: 6 }, duration: { type: 'uint64', id: 7 }, local_endpoint: { type: 'Endpoint', id: 8 }, remote_endpoint: { type: 'Endpoint', id: 9 },
            annotations: { rule: 'repeated', type: 'Annotation', id: 10 }, tags: { keyType: 'string', type: 'string', id: 11 } as protobuf.IField, debug: { type: 'bool', id: 12 }, shared: { type: 'bool', id: 13 },
          },
        },
        ListOfSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 1 } } },
      },
    });
    const ts = Date.now() * 1000;
    const ListOfSpans = root.lookupType('ListOfSpans');
    const bytes = ListOfSpans.encode(ListOfSpans.fromObject({
      spans: [{
        trace_id: Buffer.from('aa00000000000000000000000000bb01', 'hex'), id: Buffer.from('00000000000000c1', 'hex'), parent_id: Buffer.from('00000000000000c0', 'hex'), kind: 4, name: 'consume orders',
        timestamp: ts, duration: 1234, local_endpoint: { service_name: 'worker-p', ipv4: Buffer.from([192, 168, 1, 9]) }, remote_endpoint: { service_name: 'kafka', port: 9092 },
        annotations: [{ timestamp: ts + 5, value: 'wr' }], tags: { 'messaging.destination': 'orders' },
      }],
    })).finish();
    const res = await post('/api/v2/spans', bytes, 'application/x-protobuf');
    expect(res.status).toBe(202);
    const z = await getJson(`${sb.zipkinQuery}/api/v2/trace/aa00000000000000000000000000bb01`);
    expect(z.status).toBe(200);
    expect(z.body).toEqual([{ traceId: 'aa00000000000000000000000000bb01', id: '00000000000000c1', parentId: '00000000000000c0', kind: 'CONSUMER', name: 'consume orders', timestamp: ts, duration: 1234, localEndpoint: { serviceName: 'worker-p', ipv4: '192.168.1.9' }, remoteEndpoint: { serviceName: 'kafka', port: 9092 }, annotations: [{ timestamp: ts + 5, value: 'wr' }], tags: { 'messaging.destination': 'orders' } }]);
  });

  it('takes v1 JSON, whose core annotations give kind and times', async () => {
    const ts = Date.now() * 1000;
    const v1 = [{ traceId: '00000000000000d1', id: '00000000000000d2', name: 'get', annotations: [{ timestamp: ts, value: 'cs', endpoint: { serviceName: 'v1-client' } }, { timestamp: ts + 300, value: 'cr', endpoint: { serviceName: 'v1-client' } }], binaryAnnotations: [{ key: 'http.path', value: '/v1', endpoint: { serviceName: 'v1-client' } }, { key: 'sa', value: true, endpoint: { serviceName: 'v1-server', port: 80 } }] }];
    expect((await post('/api/v1/spans', JSON.stringify(v1), 'application/json')).status).toBe(202);
    const z = await getJson(`${sb.zipkinQuery}/api/v2/trace/d1`);
    expect(z.body).toEqual([{ traceId: '00000000000000d1', id: '00000000000000d2', kind: 'CLIENT', name: 'get', timestamp: ts, duration: 300, localEndpoint: { serviceName: 'v1-client' }, remoteEndpoint: { serviceName: 'v1-server', port: 80 }, tags: { 'http.path': '/v1' } }]);
  });
});

describe('bad input', () => {
  const okSpan = { traceId: '0000000000000e01', id: '0000000000000e02', name: 'x', timestamp: Date.now() * 1000, localEndpoint: { serviceName: 'bad-input' } };

  it('the receiver answers 400, 413 and 415 and stores nothing', async () => {
    const cases: [string, string | Uint8Array, string | undefined, number, RegExp][] = [
      ['/api/v2/spans', '[{"traceId":', 'application/json', 400, /invalid JSON/],
      ['/api/v2/spans', '{"traceId":"1"}', 'application/json', 400, /array/],
      ['/api/v2/spans', JSON.stringify([{ ...okSpan, traceId: 'xyz' }]), 'application/json', 400, /\[0\]\.traceId: invalid traceId/],
      ['/api/v2/spans', JSON.stringify([{ ...okSpan, traceId: '0'.repeat(32) }]), 'application/json', 400, /traceId/],
      ['/api/v2/spans', JSON.stringify([okSpan, { ...okSpan, id: undefined }]), 'application/json', 400, /\[1\]\.id: id is required/],
      ['/api/v2/spans', JSON.stringify([{ ...okSpan, kind: 'SIDEWAYS' }]), 'application/json', 400, /invalid kind/],
      ['/api/v2/spans', JSON.stringify([{ ...okSpan, timestamp: -5 }]), 'application/json', 400, /timestamp/],
      ['/api/v2/spans', JSON.stringify([{ ...okSpan, duration: 'long' }]), 'application/json', 400, /duration/],
      ['/api/v2/spans', JSON.stringify([{ ...okSpan, tags: { a: { nested: 1 } } }]), 'application/json', 400, /tags\.a/],
      ['/api/v2/spans', new Uint8Array([0x0a, 0x05, 0x0a, 0x01]), 'application/x-protobuf', 400, /invalid Zipkin protobuf/],
      ['/api/v2/spans', new Uint8Array([0x0a, 0x02, 0x28, 0x01]), 'application/x-protobuf', 400, /trace_id: missing/],
      ['/api/v2/spans', JSON.stringify([okSpan]), 'text/plain', 415, /Content-Type/],
      ['/api/v1/spans', new Uint8Array([1]), 'application/x-protobuf', 415, /application\/json/],
      ['/api/v2/spans', JSON.stringify(Array.from({ length: 2000 }, () => okSpan)), 'application/json', 413, /too large/],
    ];
    for (const [path, body, type, status, message] of cases) {
      const res = await post(path, body, type);
      expect({ path, status: res.status, message: message.test(await res.text()) }).toEqual({ path, status, message: true });
    }
    const gz = await post('/api/v2/spans', JSON.stringify([okSpan]), 'application/json', { 'content-encoding': 'br' });
    expect(gz.status).toBe(415);
    // The valid span sent alongside the malformed one was not stored.
    expect((await getJson(`${sb.zipkinQuery}/api/v2/trace/0000000000000e01`)).status).toBe(404);
    expect((await post('/api/v2/spans', '[]', 'application/json')).status).toBe(202);
  });

  it('the Jaeger API answers 400 and 404 in Jaeger\'s envelope', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/traces', 400, /parameter 'service' is required/],
      ['/api/traces?service=a&tags=notjson', 400, /malformed 'tags'/],
      ['/api/traces?service=a&tags=%5B1%5D', 400, /malformed 'tags'/],
      ['/api/traces?service=a&tag=nocolon', 400, /malformed 'tag'/],
      ['/api/traces?service=a&minDuration=fast', 400, /minDuration/],
      ['/api/traces?service=a&minDuration=2s&maxDuration=1s', 400, /maxDuration/],
      ['/api/traces?service=a&start=yesterday', 400, /start/],
      ['/api/traces?service=a&start=2000000&end=1000000', 400, /after/],
      ['/api/traces?service=a&limit=-1', 400, /limit/],
      ['/api/traces?service=a&limit=99999999', 400, /limit/],
      ['/api/traces?traceID=zz', 400, /traceID/],
      ['/api/traces/nothex', 400, /trace id/],
      [`/api/traces/${'e'.repeat(32)}`, 404, /trace not found/],
      ['/api/operations', 400, /service/],
      ['/api/operations?service=a&spanKind=sideways', 400, /spanKind/],
      ['/api/nothing', 404, /no route/],
    ];
    for (const [path, status, message] of cases) {
      const r = await getJson(`${sb.jaeger}${path}`);
      expect({ path, status: r.status, envelope: jaegerEnvelopeProblems(r.body), data: r.body.data, code: r.body.errors?.[0]?.code, message: message.test(r.body.errors?.[0]?.msg) }).toEqual({ path, status, envelope: [], data: null, code: status, message: true });
    }
  });

  it('the Zipkin API answers 400 and 404', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/v2/spans', 400, /serviceName is required/],
      ['/api/v2/remoteServices', 400, /serviceName is required/],
      ['/api/v2/traces?minDuration=fast', 400, /minDuration/],
      ['/api/v2/traces?minDuration=20&maxDuration=10', 400, /maxDuration/],
      ['/api/v2/traces?endTs=-1', 400, /endTs/],
      ['/api/v2/traces?lookback=soon', 400, /lookback/],
      ['/api/v2/traces?limit=0', 400, /limit/],
      ['/api/v2/traces?annotationQuery=%3Dvalue', 400, /annotationQuery/],
      ['/api/v2/trace/not-hex', 400, /traceId/],
      [`/api/v2/trace/${'e'.repeat(32)}`, 404, /not found/],
      ['/api/v2/traceMany', 400, /traceIds is required/],
      ['/api/v2/traceMany?traceIds=,', 400, /traceIds/],
      ['/api/v2/traceMany?traceIds=abc,xyz', 400, /xyz/],
      ['/api/v2/autocompleteValues', 400, /key is required/],
    ];
    for (const [path, status, message] of cases) {
      const r = await getJson(`${sb.zipkinQuery}${path}`);
      expect({ path, status: r.status, message: message.test(String(r.body)) }).toEqual({ path, status, message: true });
    }
  });
});

describe('tenants', () => {
  let mt: TestSpanbase;
  beforeAll(async () => {
    mt = await startTestSpanbase({ 'multitenancy.enabled': true });
  });
  afterAll(async () => {
    await mt?.stop();
  });

  it('keeps Zipkin spans in the tenant of X-Scope-OrgID, and every API asks for it', async () => {
    const span = { traceId: '0000000000000f01', id: '0000000000000f02', name: 'tenant-span', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'tenant-svc' } };
    const send = (headers: Record<string, string>) => fetch(`${mt.zipkin}/api/v2/spans`, { method: 'POST', body: JSON.stringify([span]), headers: { 'content-type': 'application/json', ...headers } });
    expect((await send({})).status).toBe(401);
    expect((await send({ 'x-scope-orgid': 'bad/tenant' })).status).toBe(400);
    expect((await send({ 'x-scope-orgid': 'team-a' })).status).toBe(202);
    expect((await getJson(`${mt.zipkinQuery}/api/v2/trace/f01`, { 'x-scope-orgid': 'team-a' })).status).toBe(200);
    expect((await getJson(`${mt.zipkinQuery}/api/v2/trace/f01`, { 'x-scope-orgid': 'team-b' })).status).toBe(404);
    expect((await getJson(`${mt.zipkinQuery}/api/v2/trace/f01`)).status).toBe(401);
    expect((await getJson(`${mt.jaeger}/api/traces/f01`, { 'x-scope-orgid': 'team-a' })).body.data[0].spans).toHaveLength(1);
    const missing = await getJson(`${mt.jaeger}/api/services`);
    expect(missing.status).toBe(401);
    expect(missing.body.errors[0].code).toBe(401);
    expect((await getJson(`${mt.jaeger}/api/services`, { 'x-scope-orgid': 'team-b' })).body.data).toEqual([]);
  });
});

describe('limits', () => {
  let limited: TestSpanbase;
  beforeAll(async () => {
    limited = await startTestSpanbase({ 'ingestion.rate-limit-bytes': 4000, 'ingestion.burst-size-bytes': 4000 });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('answers 429 with Retry-After when a tenant is over its ingestion rate, as for OTLP', async () => {
    const spans = Array.from({ length: 100 }, (_, i) => ({ traceId: '0000000000000a01', id: (i + 1).toString(16).padStart(16, '0'), name: 'rate', timestamp: Date.now() * 1000, localEndpoint: { serviceName: 'rate-z' }, tags: { payload: 'x'.repeat(40) } }));
    const res = await fetch(`${limited.zipkin}/api/v2/spans`, { method: 'POST', body: JSON.stringify(spans), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(`${limited.zipkin}/api/v2/spans`, { method: 'POST', body: JSON.stringify(spans.slice(0, 2)), headers: { 'content-type': 'application/json' } })).status).toBe(202);
    expect(await limited.metricsText()).toMatch(/spanbase_distributor_push_duration_seconds_count\{protocol="zipkin",outcome="ok"\} 1/);
  });
});
