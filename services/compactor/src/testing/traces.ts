// Deterministic traces for the compactor's tests and bench: a few services, HTTP and DB spans,
// some errors and slow traces (so retention rules have something to pick), ids spread over the
// whole id space. Not exported from the package index.
import { createHash } from 'node:crypto';
import type { KeyValue, Resource, Scope, SpanRecord } from '@spanbase/model';
import { StatusCode, av, bytesToHex, compareIds } from '@spanbase/model';

const SERVICES = ['frontend', 'checkout', 'payments', 'inventory', 'email'];
const ROUTES = ['/', '/cart', '/checkout', '/product/{id}', '/api/orders'];
const SCOPE: Scope = { name: 'spanbase-test', version: '1.0.0', attributes: [], droppedAttributesCount: 0 };
const RESOURCES: Resource[] = SERVICES.map((s, i) => ({
  attributes: [
    { key: 'service.name', value: av.string(s) },
    { key: 'k8s.pod.name', value: av.string(`${s}-7d9f8c-${i}x2lq`) },
    { key: 'deployment.environment', value: av.string('production') },
  ],
  droppedAttributesCount: 0,
}));

function hash(text: string): Uint8Array {
  return createHash('sha256').update(text).digest();
}

/** The 16-byte id of test trace `n` (ids are hashes, so traces spread over the id space). */
export function testTraceId(n: number): Uint8Array {
  return hash(`trace-${n}`).subarray(0, 16);
}

/** The 8-byte id of span `i` of trace `n`. */
export function testSpanId(n: number, i: number): Uint8Array {
  return hash(`span-${n}-${i}`).subarray(0, 8);
}

/** Shape of one generated trace. */
export interface TestTraceOptions {
  /** Root start, unix ns. */
  startNs: bigint;
  /** Span count (default 1 + n % 7). */
  spans?: number;
  /** Root status ERROR. */
  error?: boolean;
  /** Root duration 3 s (else 20-80 ms). */
  slow?: boolean;
}

/** Test trace `n`: a root span and children, each with the resource of its service. */
export function testTrace(n: number, o: TestTraceOptions): SpanRecord[] {
  const traceId = testTraceId(n);
  const count = o.spans ?? 1 + (n % 7);
  const rootDur = o.slow ? 3_000_000_000n : BigInt(20_000_000 + (n % 60) * 1_000_000);
  const out: SpanRecord[] = [];
  for (let i = 0; i < count; i++) {
    const svc = (n + i) % SERVICES.length;
    const start = o.startNs + BigInt(i) * 1_000_000n;
    const dur = i === 0 ? rootDur : BigInt(1_000_000 + ((n * 7 + i) % 15) * 1_000_000);
    const attributes: KeyValue[] = i % 2 === 0
      ? [{ key: 'http.method', value: av.string(i === 0 ? 'GET' : 'POST') }, { key: 'http.route', value: av.string(ROUTES[(n + i) % ROUTES.length]) }, { key: 'http.status_code', value: av.int(i === 0 && o.error ? 500n : 200n) }]
      : [{ key: 'db.system', value: av.string('postgresql') }, { key: 'db.statement', value: av.string(`SELECT * FROM t${i} WHERE id = ${n}`) }];
    out.push({
      span: {
        traceId,
        spanId: testSpanId(n, i),
        parentSpanId: i === 0 ? new Uint8Array(0) : testSpanId(n, Math.floor((i - 1) / 2)),
        traceState: '',
        flags: 1,
        name: i === 0 ? `GET ${ROUTES[n % ROUTES.length]}` : `op-${i % 4}`,
        kind: i === 0 ? 2 : i % 2 === 0 ? 3 : 1,
        startTimeUnixNano: start,
        endTimeUnixNano: start + dur,
        attributes,
        droppedAttributesCount: 0,
        events: i === 0 && o.error ? [{ timeUnixNano: start + 1000n, name: 'exception', attributes: [{ key: 'exception.message', value: av.string(`boom ${n}`) }], droppedAttributesCount: 0 }] : [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: { code: i === 0 && o.error ? StatusCode.ERROR : StatusCode.UNSET, message: i === 0 && o.error ? 'failed' : '' },
      },
      resource: RESOURCES[svc],
      resourceSchemaUrl: '',
      scope: SCOPE,
      scopeSchemaUrl: '',
    });
  }
  return out;
}

/** Traces sorted by trace id, as a block writer takes them. */
export function sortTraces(traces: SpanRecord[][]): SpanRecord[][] {
  return traces.sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
}

/** `traceHex:spanHex:kind` of every span, for exact-once checks. */
export function spanKeys(traces: Iterable<readonly SpanRecord[]>): string[] {
  const out: string[] = [];
  for (const t of traces) for (const r of t) out.push(`${bytesToHex(r.span.traceId)}:${bytesToHex(r.span.spanId)}:${r.span.kind}`);
  return out.sort();
}
