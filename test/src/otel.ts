// Real OpenTelemetry JS clients for end-to-end tests: a tracer that records finished spans, and
// the three OTLP exporters (protobuf over HTTP, JSON over HTTP, gRPC).
import { Metadata } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Which exporter sends. */
export type ExporterKind = 'proto' | 'json' | 'grpc';

/** An OTLP exporter of the given kind pointed at a Spanbase. */
export function makeExporter(kind: ExporterKind, urls: { otlpHttp: string; otlpGrpc: string }, headers: Record<string, string> = {}): SpanExporter {
  if (kind === 'proto') return new ProtoExporter({ url: urls.otlpHttp, headers });
  if (kind === 'json') return new JsonExporter({ url: urls.otlpHttp, headers });
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return new GrpcExporter({ url: urls.otlpGrpc, compression: 'gzip' as never, metadata });
}

/** Sends spans with a real exporter; resolves with the exporter's result code (0 = success). */
export function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, (r) => resolve(r)));
}

/** What OpenTelemetry itself would put on the wire for these spans, as OTLP JSON (hex ids). */
export function otelJson(spans: ReadableSpan[]): { resourceSpans: unknown[] } {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  return JSON.parse(new TextDecoder().decode(bytes)) as { resourceSpans: unknown[] };
}

/**
 * Records one trace that exercises every OTLP field the JS SDK can produce: a remote parent with
 * trace state, server/client/internal/producer/consumer spans, attributes of every type (bytes,
 * maps and an empty value are patched in after the fact, since the SDK API only takes primitives
 * and arrays, but its exporters encode them), events with attributes, links with trace state and
 * attributes, error status with a message, and resource and scope attributes.
 */
export function recordRichTrace(serviceName: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'deployment.environment': 'test', 'host.cpu.count': 8, 'process.pid': 4242.5 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('spanbase-e2e', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: randomHex(16),
    spanId: randomHex(8),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  });
  const rootAttrs: Attributes = {
    'http.method': 'POST',
    'http.route': '/api/orders/{id}',
    'http.status_code': 500,
    'order.amount': 1234.56,
    'order.paid': false,
    'order.items': ['a', 'b', 'c'],
    'order.counts': [1, 2, 3],
    'order.flags': [true, false],
    'big.int': 9007199254740991,
    'negative.int': -42,
  };
  const root = tracer.startSpan('POST /api/orders/{id}', { kind: SpanKind.SERVER, attributes: rootAttrs }, remoteParent);
  const rootCtx = trace.setSpan(context.active(), root);
  const linked = { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('link=1') };
  const client = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM orders WHERE id = $1' }, links: [{ context: linked, attributes: { 'link.reason': 'retry-of', 'link.attempt': 2 } }] }, rootCtx);
  client.addEvent('exception', { 'exception.type': 'TimeoutError', 'exception.message': 'query timed out', 'exception.escaped': true });
  client.addEvent('retry', { attempt: 2 });
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'query timed out after 5s' });
  client.end();
  for (const kind of [SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
    const s = tracer.startSpan(`work-${kind}`, { kind, attributes: { 'work.kind': kind } }, rootCtx);
    s.setStatus({ code: SpanStatusCode.OK });
    s.end();
  }
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'downstream failure' });
  root.end();
  const spans = memory.getFinishedSpans();
  // Types the SDK API does not accept but OTLP carries: bytes, key/value lists, empty values.
  const rootSpan = spans.find((s) => s.name.startsWith('POST'))!;
  const attrs = rootSpan.attributes as Record<string, unknown>;
  attrs['payload.bytes'] = new Uint8Array([0, 1, 2, 254, 255]);
  attrs['request.headers'] = { 'content-type': 'application/json', retries: 3, nested: { deep: true } };
  attrs['empty.value'] = null;
  return spans;
}

/** Random lowercase hex of `bytes` bytes (never all zero). */
export function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return /^0+$/.test(s) ? randomHex(bytes) : s;
}
