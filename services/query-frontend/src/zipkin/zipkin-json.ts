// Spans → Zipkin v2 JSON (the Span of Zipkin's v2 API), the reverse of how the Zipkin receiver
// maps Zipkin spans in (and as the OpenTelemetry Collector's Zipkin exporter maps OTLP out):
//   service.name → localEndpoint.serviceName, net.host.ip / net.host.port → its ipv4|ipv6 / port;
//   peer.service, net.peer.ip, net.peer.port → remoteEndpoint; other resource attributes → tags;
//   span kind → kind (absent for internal and unspecified); events → annotations (with their
//   attributes as "name|{json}|dropped", which the receiver reads back); status → tags
//   otel.status_code (and `error`, holding the message, for an error); scope → otel.library.*;
//   links → otlp.link.N; times in microseconds; empty fields left out.
import type { AnyValue, KeyValue, Span, TracesData } from '@spanbase/model';
import { SpanKind, StatusCode, bytesToHex, findAttribute, serviceNameOf } from '@spanbase/model';
import { jaegerTraceId } from '../jaeger/jaeger-json.ts';
import { plainValue } from '../compat/plain-value.ts';

/** A Zipkin endpoint. */
export interface ZipkinEndpointJson {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

/** A Zipkin v2 span. */
export interface ZipkinSpanJson {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  name?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: ZipkinEndpointJson;
  remoteEndpoint?: ZipkinEndpointJson;
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
}

const KINDS: Partial<Record<number, ZipkinSpanJson['kind']>> = { [SpanKind.CLIENT]: 'CLIENT', [SpanKind.SERVER]: 'SERVER', [SpanKind.PRODUCER]: 'PRODUCER', [SpanKind.CONSUMER]: 'CONSUMER' };
const ENDPOINT_KEYS = new Set(['net.host.ip', 'net.host.port', 'peer.service', 'net.peer.ip', 'net.peer.port', 'otel.zipkin.absentField.startTime']);

function text(v: AnyValue): string {
  switch (v.type) {
    case 'string': return v.value;
    case 'bool': case 'double': return String(v.value);
    case 'int': return v.value.toString();
    case 'bytes': return Buffer.from(v.value).toString('base64');
    case 'array': case 'kvlist': case 'empty': return JSON.stringify(plainValue(v));
  }
}

function attrsJson(list: readonly KeyValue[]): string {
  return JSON.stringify(Object.fromEntries(list.map((kv) => [kv.key, plainValue(kv.value)])));
}

function endpoint(attrs: readonly KeyValue[], service: string | undefined, ipKey: string, portKey: string): ZipkinEndpointJson | undefined {
  const e: ZipkinEndpointJson = {};
  if (service) e.serviceName = service;
  const ip = findAttribute(attrs, ipKey);
  if (ip?.type === 'string') {
    if (ip.value.includes(':')) e.ipv6 = ip.value;
    else e.ipv4 = ip.value;
  }
  const port = findAttribute(attrs, portKey);
  if (port?.type === 'int' && port.value > 0n) e.port = Number(port.value);
  return Object.keys(e).length > 0 ? e : undefined;
}

/** Zipkin's hex trace id: 16 digits when the high 64 bits are zero, else 32. */
export const zipkinTraceId = jaegerTraceId;

function toSpan(s: Span, resource: readonly KeyValue[], service: string | undefined, scopeName: string, scopeVersion: string): ZipkinSpanJson {
  const out: ZipkinSpanJson = { traceId: zipkinTraceId(s.traceId), id: bytesToHex(s.spanId) };
  if (s.parentSpanId.length === 8) out.parentId = bytesToHex(s.parentSpanId);
  const kind = KINDS[s.kind];
  if (kind) out.kind = kind;
  if (s.name) out.name = s.name;
  const absent = findAttribute(s.attributes, 'otel.zipkin.absentField.startTime');
  if (s.startTimeUnixNano > 0n && !(absent?.type === 'bool' && absent.value)) out.timestamp = Number(s.startTimeUnixNano / 1000n);
  const durNs = s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n;
  if (durNs > 0n) out.duration = Math.max(1, Number((durNs + 500n) / 1000n));
  const local = endpoint(s.attributes, service, 'net.host.ip', 'net.host.port');
  if (local) out.localEndpoint = local;
  const peer = findAttribute(s.attributes, 'peer.service');
  const remote = endpoint(s.attributes, peer?.type === 'string' ? peer.value : undefined, 'net.peer.ip', 'net.peer.port');
  if (remote) out.remoteEndpoint = remote;
  if (s.events.length > 0) {
    out.annotations = s.events.map((e) => ({ timestamp: Number(e.timeUnixNano / 1000n), value: e.attributes.length > 0 || e.droppedAttributesCount > 0 ? `${e.name}|${attrsJson(e.attributes)}|${e.droppedAttributesCount}` : e.name }));
  }
  const tags: Record<string, string> = {};
  for (const kv of resource) if (kv.key !== 'service.name') tags[kv.key] = text(kv.value);
  for (const kv of s.attributes) if (!ENDPOINT_KEYS.has(kv.key)) tags[kv.key] = text(kv.value);
  if (s.kind === SpanKind.INTERNAL) tags['span.kind'] = 'internal';
  if (s.status.code === StatusCode.OK) tags['otel.status_code'] = 'OK';
  if (s.status.code === StatusCode.ERROR) {
    tags['otel.status_code'] = 'ERROR';
    tags.error = s.status.message || 'true';
  } else if (s.status.message) tags['otel.status_description'] = s.status.message;
  if (scopeName) tags['otel.library.name'] = scopeName;
  if (scopeVersion) tags['otel.library.version'] = scopeVersion;
  if (s.traceState) tags['w3c.tracestate'] = s.traceState;
  s.links.forEach((l, i) => {
    tags[`otlp.link.${i}`] = `${bytesToHex(l.traceId)}|${bytesToHex(l.spanId)}|${l.traceState}|${attrsJson(l.attributes)}|${l.droppedAttributesCount}`;
  });
  if (Object.keys(tags).length > 0) out.tags = tags;
  return out;
}

/** Converts a trace to Zipkin's Trace (a list of spans), earliest first. */
export function toZipkinTrace(data: TracesData): ZipkinSpanJson[] {
  const spans: ZipkinSpanJson[] = [];
  for (const rs of data.resourceSpans) {
    const service = serviceNameOf(rs.resource);
    const resource = rs.resource?.attributes ?? [];
    for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push(toSpan(s, resource, service, ss.scope?.name ?? '', ss.scope?.version ?? ''));
  }
  return spans.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}
