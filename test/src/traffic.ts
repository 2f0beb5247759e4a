// Realistic generated traffic for sampling tests, recorded by the real OpenTelemetry SDK: ordinary
// requests (a server span with two children), errors (a child fails), slow requests (over a
// second) and health checks, each a whole trace, at start times spread over a window.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** What a generated trace is. */
export type TrafficKind = 'ordinary' | 'error' | 'slow' | 'health';

/** A generated trace. */
export interface TrafficTrace {
  kind: TrafficKind;
  /** Trace id, lowercase hex. */
  traceId: string;
  spans: ReadableSpan[];
}

const ROUTES: Record<TrafficKind, string> = { ordinary: '/orders', error: '/orders', slow: '/orders', health: '/healthz' };

/** Records `counts` traces of each kind, started within [startMs, startMs + spreadMs). */
export function generateTraffic(counts: Record<TrafficKind, number>, startMs: number, spreadMs: number): TrafficTrace[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('sampling-traffic');
  const out: TrafficTrace[] = [];
  const kinds = (Object.keys(counts) as TrafficKind[]).flatMap((k) => Array.from({ length: counts[k] }, () => k));
  kinds.forEach((kind, i) => {
    const t0 = startMs + Math.floor((i / kinds.length) * spreadMs);
    const length = kind === 'slow' ? 1500 : 20 + (i % 50);
    const root = tracer.startSpan(`GET ${ROUTES[kind]}`, { kind: SpanKind.SERVER, startTime: t0, attributes: { 'http.route': ROUTES[kind], 'http.method': 'GET' } });
    const ctx = trace.setSpan(context.active(), root);
    if (kind !== 'health') {
      const db = tracer.startSpan('SELECT', { kind: SpanKind.CLIENT, startTime: t0 + 2, attributes: { 'db.system': 'postgresql' } }, ctx);
      if (kind === 'error') db.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
      db.end(t0 + length - 5);
      tracer.startSpan('render', { startTime: t0 + length - 4 }, ctx).end(t0 + length - 1);
    }
    root.end(t0 + length);
    const spans = memory.getFinishedSpans();
    memory.reset();
    out.push({ kind, traceId: root.spanContext().traceId, spans });
  });
  return out;
}
