// A small shop, recorded with the OpenTelemetry SDK, that gives every Drilldown and metrics
// request something to find: two services calling each other (RED panels broken down by
// service and route), nested spans (the structure tab), errors with exception events and stack
// traces (the exceptions tab), spread over several minutes (more than one step of a graph) and
// with fixed durations (span lists by latency, histograms, quantiles).
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** Resource attribute whose key holds a "/" (Grafana double-encodes it in tag-value URLs). */
export const K8S_APP_LABEL = 'k8s.pod.label.app.kubernetes.io/name';

/** Instrumentation scope attribute of the shop's spans (the `instrumentation` tag scope). */
export const SCOPE_ATTRIBUTE = 'shop.module';

/** Seconds between the starts of consecutive shop traces: each lands in another minute. */
export const TRACE_SPACING_S = 61;

interface Call {
  /** Who records the span. */
  tracer: 'frontend' | 'checkout';
  name: string;
  kind: SpanKind;
  /** Offset from the trace start and duration, ms. */
  at: number;
  ms: number;
  attributes?: Attributes;
  error?: boolean;
  /** Exceptions recorded on the span, in order (type, message). */
  exceptions?: [string, string][];
  children?: Call[];
}

function server(tracer: Call['tracer'], method: string, route: string, at: number, ms: number, status: number, children: Call[] = [], extra: Partial<Call> = {}): Call {
  return { tracer, name: `${method} ${route}`, kind: SpanKind.SERVER, at, ms, attributes: { 'http.request.method': method, 'http.route': route, 'http.status_code': status }, error: status >= 500, children, ...extra };
}

function client(name: string, at: number, ms: number, child: Call, error = false): Call {
  return { tracer: 'frontend', name, kind: SpanKind.CLIENT, at, ms, error, children: [child] };
}

/** The shop's traces, one tree each, in start order. */
const TRACES: Call[] = [
  server('frontend', 'GET', '/home', 0, 40, 200, [client('GET checkout', 5, 30, server('checkout', 'GET', '/api/recommendations', 8, 20, 200))]),
  server('frontend', 'GET', '/cart', 0, 150, 200, [
    client('GET checkout', 10, 120, server('checkout', 'GET', '/api/cart', 15, 100, 200, [
      { tracer: 'checkout', name: 'SELECT cart', kind: SpanKind.CLIENT, at: 20, ms: 60, attributes: { 'db.system': 'postgresql' } },
    ])),
  ]),
  server('frontend', 'POST', '/checkout', 0, 400, 500, [
    client('POST checkout', 10, 350, server('checkout', 'POST', '/api/pay', 20, 300, 500, [
      { tracer: 'checkout', name: 'charge card', kind: SpanKind.INTERNAL, at: 50, ms: 200, error: true, exceptions: [['PaymentError', 'card declined: insufficient funds (order 1234)']] },
    ]), true),
  ]),
  server('frontend', 'POST', '/checkout', 0, 450, 504, [
    client('POST checkout', 10, 420, server('checkout', 'POST', '/api/pay', 20, 410, 504, [], {
      exceptions: [['TimeoutError', 'payment gateway timed out (attempt 1)'], ['TimeoutError', 'payment gateway timed out (attempt 2)']],
    }), true),
  ], { exceptions: [['HTTPError', 'upstream answered 504']] }),
];

function provider(service: string, app: string): { tracer: Tracer; memory: InMemorySpanExporter } {
  const memory = new InMemorySpanExporter();
  const p = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, [K8S_APP_LABEL]: app }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  return { tracer: p.getTracer('shop', '1.0.0'), memory };
}

function thrown(type: string, message: string): Error {
  const e = new Error(message);
  e.name = type;
  return e;
}

function record(tracers: Record<Call['tracer'], Tracer>, call: Call, traceStartMs: number, parent: Span | undefined): void {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  const span = tracers[call.tracer].startSpan(call.name, { kind: call.kind, attributes: call.attributes, startTime: traceStartMs + call.at }, ctx);
  for (const [type, message] of call.exceptions ?? []) span.recordException(thrown(type, message), traceStartMs + call.at + call.ms / 2);
  if (call.error) span.setStatus({ code: SpanStatusCode.ERROR, message: `${call.name} failed` });
  for (const child of call.children ?? []) record(tracers, child, traceStartMs, span);
  span.end(traceStartMs + call.at + call.ms);
}

/**
 * Records the shop's traces for services `${prefix}-frontend` and `${prefix}-checkout`, the
 * first starting at `startMs` and each next one TRACE_SPACING_S later.
 */
export function recordShopTraces(prefix: string, startMs: number): ReadableSpan[] {
  const frontend = provider(`${prefix}-frontend`, 'frontend');
  const checkout = provider(`${prefix}-checkout`, 'checkout');
  TRACES.forEach((t, i) => record({ frontend: frontend.tracer, checkout: checkout.tracer }, t, startMs + i * TRACE_SPACING_S * 1000, undefined));
  const spans = [...frontend.memory.getFinishedSpans(), ...checkout.memory.getFinishedSpans()];
  // The JS API has no scope attributes, but the exporter sends them when the scope has some.
  for (const s of spans) Object.assign(s, { instrumentationScope: { ...s.instrumentationScope, attributes: { [SCOPE_ATTRIBUTE]: s.resource.attributes[K8S_APP_LABEL] } } });
  return spans;
}
