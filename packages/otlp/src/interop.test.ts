// Interop with the reference encoder: bytes and JSON produced by the OpenTelemetry JS exporters'
// serializers (@opentelemetry/otlp-transformer) from real SDK spans must decode to what the SDK
// recorded, and the protobuf and JSON forms must decode to the same model.
import { describe, expect, it } from 'vitest';
import { context, SpanKind as ApiSpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Link } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { av, bytesToHex, findAttribute, serviceNameOf } from '@spanbase/model';
import { decodeOtlpJson } from './json-decode.ts';
import { decodeExportRequest } from './proto-decode.ts';
import { scanExportRequest } from './scan.ts';

function hrTimeToNanos(t: [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

function recordSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'interop-svc', 'deployment.environment': 'test', 'host.cpus': 8 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('interop-lib', '2.0.1', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
  const other = provider.getTracer('second-lib');
  const start = [1_700_000_000, 123_456_789] as [number, number];
  const root = tracer.startSpan('GET /users/:id', {
    kind: ApiSpanKind.SERVER,
    startTime: start,
    attributes: {
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'server.ratio': 0.25,
      'retry': false,
      'tags': ['a', 'ü'],
      'ports': [80, 443],
      'flags': [true, false],
      'big.int': 2 ** 40,
      'negative': -7,
      'unicode': 'naïve ✓ 日本',
    },
  });
  const parentCtx = trace.setSpan(context.active(), root);
  const link: Link = { context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true }, attributes: { 'link.reason': 'retry' } };
  const child = other.startSpan('SELECT users', { kind: ApiSpanKind.CLIENT, startTime: [1_700_000_000, 200_000_000], links: [link], attributes: { 'db.system': 'postgresql' } }, parentCtx);
  child.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'boom' }, [1_700_000_000, 250_000_000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'query failed' });
  child.end([1_700_000_000, 300_000_000]);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end([1_700_000_000, 400_000_000]);
  return exporter.getFinishedSpans();
}

describe('interop with @opentelemetry/otlp-transformer', () => {
  const spans = recordSpans();
  const protobuf = ProtobufTraceSerializer.serializeRequest(spans)!;
  const json = JsonTraceSerializer.serializeRequest(spans)!;

  it('decodes the protobuf exporter output to what the SDK recorded', () => {
    const data = decodeExportRequest(protobuf);
    expect(data.resourceSpans).toHaveLength(1);
    const rs = data.resourceSpans[0];
    expect(serviceNameOf(rs.resource)).toBe('interop-svc');
    expect(findAttribute(rs.resource!.attributes, 'host.cpus')).toEqual(av.int(8));
    const scopes = rs.scopeSpans;
    expect(scopes.map((s) => s.scope?.name).sort()).toEqual(['interop-lib', 'second-lib']);
    const lib = scopes.find((s) => s.scope?.name === 'interop-lib')!;
    expect(lib.scope!.version).toBe('2.0.1');
    expect(lib.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');

    const sdkRoot = spans.find((s) => s.name === 'GET /users/:id')!;
    const sdkChild = spans.find((s) => s.name === 'SELECT users')!;
    const root = lib.spans[0];
    expect(bytesToHex(root.traceId)).toBe(sdkRoot.spanContext().traceId);
    expect(bytesToHex(root.spanId)).toBe(sdkRoot.spanContext().spanId);
    expect(root.parentSpanId).toEqual(new Uint8Array(0));
    expect(root.kind).toBe(2);
    expect(root.startTimeUnixNano).toBe(hrTimeToNanos(sdkRoot.startTime));
    expect(root.endTimeUnixNano).toBe(1_700_000_000_400_000_000n);
    expect(root.flags & 0xff).toBe(sdkRoot.spanContext().traceFlags);
    expect(root.status).toEqual({ code: 1, message: '' });
    expect(root.attributes).toEqual([
      { key: 'http.request.method', value: av.string('GET') },
      { key: 'http.response.status_code', value: av.int(200) },
      { key: 'server.ratio', value: av.double(0.25) },
      { key: 'retry', value: av.bool(false) },
      { key: 'tags', value: av.array([av.string('a'), av.string('ü')]) },
      { key: 'ports', value: av.array([av.int(80), av.int(443)]) },
      { key: 'flags', value: av.array([av.bool(true), av.bool(false)]) },
      { key: 'big.int', value: av.int(2 ** 40) },
      { key: 'negative', value: av.int(-7) },
      { key: 'unicode', value: av.string('naïve ✓ 日本') },
    ]);

    const child = scopes.find((s) => s.scope?.name === 'second-lib')!.spans[0];
    expect(bytesToHex(child.traceId)).toBe(sdkRoot.spanContext().traceId);
    expect(bytesToHex(child.parentSpanId)).toBe(sdkRoot.spanContext().spanId);
    expect(bytesToHex(child.spanId)).toBe(sdkChild.spanContext().spanId);
    expect(child.kind).toBe(3);
    expect(child.status).toEqual({ code: 2, message: 'query failed' });
    expect(child.events).toEqual([{
      timeUnixNano: 1_700_000_000_250_000_000n, name: 'exception', droppedAttributesCount: 0,
      attributes: [{ key: 'exception.type', value: av.string('Error') }, { key: 'exception.message', value: av.string('boom') }],
    }]);
    expect(child.links).toHaveLength(1);
    expect(bytesToHex(child.links[0].traceId)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(bytesToHex(child.links[0].spanId)).toBe('00f067aa0ba902b7');
    expect(child.links[0].flags).toBe(0x301); // sampled, has-is-remote, is-remote
    expect(child.links[0].attributes).toEqual([{ key: 'link.reason', value: av.string('retry') }]);
  });

  it('decodes the JSON exporter output to the same model as the protobuf output', () => {
    const fromJson = decodeOtlpJson(json);
    expect(fromJson.resourceSpans[0].scopeSpans.flatMap((s) => s.spans)).toHaveLength(2);
    expect(fromJson).toEqual(decodeExportRequest(protobuf));
  });

  it('scans the protobuf exporter output', () => {
    const s = scanExportRequest(protobuf, { maxAttributeBytes: 2048 });
    expect(s.spanCount).toBe(2);
    expect(s.resourceCount).toBe(1);
    expect(s.scopeCount).toBe(2);
    expect(s.truncatedAttributes).toBe(0);
    expect(s.bytes).toBe(protobuf);
  });
});
