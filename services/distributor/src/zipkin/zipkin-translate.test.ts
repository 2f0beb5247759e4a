// The Zipkin → span model mapping, case by case as the OpenTelemetry Collector's zipkinv2
// translator maps it (default settings), plus the two places Spanbase goes further.
import { describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, av, bytesToHex } from '@spanbase/model';
import { decodeZipkinJson } from './zipkin-json.ts';
import { typedTagValue, zipkinToTracesData } from './zipkin-translate.ts';

const base = { traceId: '463ac35c9f6413ad48485a3953bb6124', id: 'a2fb4a1d1a96d312', name: 'get', timestamp: 1_700_000_000_000_000, duration: 2500, localEndpoint: { serviceName: 'frontend' } };

function translate(spans: object[], parseStringTags = false) {
  return zipkinToTracesData(decodeZipkinJson(Buffer.from(JSON.stringify(spans))), { parseStringTags });
}

function only(spans: object[], parseStringTags = false) {
  const td = translate(spans, parseStringTags);
  const rs = td.resourceSpans[0];
  return { resource: rs.resource, scope: rs.scopeSpans[0].scope, span: rs.scopeSpans[0].spans[0] };
}

describe('zipkinToTracesData', () => {
  it('maps ids, times, kind and the local service', () => {
    const { resource, span } = only([{ ...base, parentId: 'b2fb4a1d1a96d312', kind: 'SERVER' }]);
    expect(resource?.attributes).toEqual([{ key: 'service.name', value: av.string('frontend') }]);
    expect(bytesToHex(span.traceId)).toBe(base.traceId);
    expect(bytesToHex(span.parentSpanId)).toBe('b2fb4a1d1a96d312');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.startTimeUnixNano).toBe(1_700_000_000_000_000_000n);
    expect(span.endTimeUnixNano - span.startTimeUnixNano).toBe(2_500_000n);
  });

  it('pads a 64-bit trace id and drops a parent equal to the span itself', () => {
    const { span } = only([{ ...base, traceId: '48485a3953bb6124', parentId: base.id }]);
    expect(bytesToHex(span.traceId)).toBe('000000000000000048485a3953bb6124');
    expect(span.parentSpanId.length).toBe(0);
  });

  it('maps endpoints to net.host.*, peer.service and net.peer.*', () => {
    const { span } = only([{ ...base, localEndpoint: { serviceName: 'frontend', ipv4: '10.1.2.3', port: 80 }, remoteEndpoint: { serviceName: 'db', ipv6: '::1', port: 5432 } }]);
    expect(span.attributes).toEqual([
      { key: 'net.host.ip', value: av.string('10.1.2.3') },
      { key: 'net.host.port', value: av.int(80) },
      { key: 'peer.service', value: av.string('db') },
      { key: 'net.peer.ip', value: av.string('::1') },
      { key: 'net.peer.port', value: av.int(5432) },
    ]);
  });

  it('moves resource-like tags to the resource and library tags to the scope', () => {
    const { resource, scope, span } = only([{ ...base, tags: { 'service.version': '1.2', 'host.name': 'h1', 'otel.library.name': 'lib', 'otel.library.version': '0.1', 'http.path': '/x' } }]);
    expect(resource?.attributes).toEqual([{ key: 'service.name', value: av.string('frontend') }, { key: 'service.version', value: av.string('1.2') }, { key: 'host.name', value: av.string('h1') }]);
    expect(scope).toMatchObject({ name: 'lib', version: '0.1' });
    expect(span.attributes).toEqual([{ key: 'http.path', value: av.string('/x') }]);
  });

  it('names the service key by otlp.service.name.source', () => {
    const { resource } = only([{ ...base, tags: { 'otlp.service.name.source': 'faas.name' } }]);
    expect(resource?.attributes).toEqual([{ key: 'faas.name', value: av.string('frontend') }]);
  });

  it('maps status tags; an error tag with any value is an error whose message it is', () => {
    expect(only([{ ...base, tags: { 'otel.status_code': 'STATUS_CODE_OK' } }]).span.status).toEqual({ code: StatusCode.OK, message: '' });
    expect(only([{ ...base, tags: { 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' } }]).span.status).toEqual({ code: StatusCode.ERROR, message: 'boom' });
    expect(only([{ ...base, tags: { error: 'true' } }]).span.status).toEqual({ code: StatusCode.ERROR, message: '' });
    const e = only([{ ...base, tags: { error: 'connection reset' } }]).span;
    expect(e.status).toEqual({ code: StatusCode.ERROR, message: 'connection reset' });
    expect(e.attributes).toEqual([]);
  });

  it('reads span.kind=internal for local spans and the absent timestamp', () => {
    const { span } = only([{ ...base, timestamp: undefined, tags: { 'span.kind': 'internal' } }]);
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.startTimeUnixNano).toBe(0n);
    expect(span.attributes).toEqual([{ key: 'otel.zipkin.absentField.startTime', value: av.bool(true) }]);
  });

  it('maps annotations to events, with the Collector\'s encoded attributes', () => {
    const { span } = only([{ ...base, annotations: [{ timestamp: 5, value: 'ws' }, { timestamp: 6, value: 'exception|{"exception.type":"E","count":2,"ratio":0.5,"ok":true}|1' }] }]);
    expect(span.events).toEqual([
      { timeUnixNano: 5000n, name: 'ws', attributes: [], droppedAttributesCount: 0 },
      { timeUnixNano: 6000n, name: 'exception', attributes: [{ key: 'exception.type', value: av.string('E') }, { key: 'count', value: av.int(2) }, { key: 'ratio', value: av.double(0.5) }, { key: 'ok', value: av.bool(true) }], droppedAttributesCount: 1 },
    ]);
    expect(() => only([{ ...base, annotations: [{ timestamp: 6, value: 'x|{not json|1' }] }])).toThrow(/annotations\[0\]/);
  });

  it('reads links and trace state from their tags', () => {
    const { span } = only([{ ...base, tags: { 'otlp.link.0': `${'ab'.repeat(16)}|${'cd'.repeat(8)}|k=v|{"reason":"retry"}|0`, 'w3c.tracestate': 'a=1' } }]);
    expect(span.links).toHaveLength(1);
    expect(bytesToHex(span.links[0].spanId)).toBe('cd'.repeat(8));
    expect(span.links[0]).toMatchObject({ traceState: 'k=v', attributes: [{ key: 'reason', value: av.string('retry') }] });
    expect(span.traceState).toBe('a=1');
    expect(span.attributes).toEqual([]);
  });

  it('types tags only with parseStringTags, by the Collector\'s patterns', () => {
    const tags = { i: '42', f: '1.5', b: 'true', s: 'x1', big: '99999999999999999999' };
    expect(only([{ ...base, tags }]).span.attributes.every((a) => a.value.type === 'string')).toBe(true);
    expect(Object.fromEntries(only([{ ...base, tags }], true).span.attributes.map((a) => [a.key, a.value]))).toEqual({ i: av.int(42), f: av.double(1.5), b: av.bool(true), s: av.string('x1'), big: av.string('99999999999999999999') });
    expect(typedTagValue('-7')).toEqual(av.int(-7));
    expect(typedTagValue('1.')).toEqual(av.string('1.'));
  });

  it('gives a shared server span a stable id of its own under the client span', () => {
    const client = { ...base, kind: 'CLIENT' };
    const server = { ...base, kind: 'SERVER', shared: true, localEndpoint: { serviceName: 'backend' } };
    const td = translate([client, server]);
    const spans = td.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const srv = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(bytesToHex(srv.parentSpanId)).toBe(base.id);
    expect(bytesToHex(srv.spanId)).not.toBe(base.id);
    const again = translate([server]).resourceSpans[0].scopeSpans[0].spans[0];
    expect(bytesToHex(again.spanId)).toBe(bytesToHex(srv.spanId));
  });

  it('groups spans by service and keeps a span without one resource-less', () => {
    const td = translate([base, { ...base, id: 'b2fb4a1d1a96d312', localEndpoint: { serviceName: 'other' } }, { ...base, id: 'c2fb4a1d1a96d312' }, { ...base, id: 'd2fb4a1d1a96d312', localEndpoint: undefined, tags: { 'host.name': 'dropped' } }]);
    expect(td.resourceSpans.map((r) => r.scopeSpans[0].spans.length)).toEqual([2, 1, 1]);
    expect(td.resourceSpans[2].resource).toBeUndefined();
    expect(td.resourceSpans[2].scopeSpans[0].spans[0].attributes).toEqual([]);
  });
});
