// Hand-built traces for evaluator tests. Trees (start offsets in ms from the trace's base):
//
// trace A (id …0a, base T0)                       trace B (id …0b, base T0+1h)
//   a-root  GET /        server unset  1000ms       b-root job   producer ok     2000ms
//   ├─ auth               client ok      100ms       ├─ step      consumer error  1000ms
//   │  └─ auth.check      server ok       50ms       └─ notify    client   unset    10ms
//   ├─ db.query           client error   600ms       lost         internal unset    10ms (parent missing)
//   │  └─ pg.exec         internal error 500ms
//   └─ cache.get          client unset     5ms      trace C (id …0c, base T0+2h): no root
//                                                     orphan-1, orphan-2 (same missing parent)
import type { KeyValue, Resource, Scope, SpanEvent, SpanLink, SpanRecord } from '@spanbase/model';
import { av, hexToBytes } from '@spanbase/model';

/** Base time of trace A, unix ns. */
export const T0 = 1_700_000_000_000_000_000n;
const MS = 1_000_000n;

function resource(service: string, extra: Record<string, string> = {}): Resource {
  return { attributes: [kv('service.name', av.string(service)), ...Object.entries(extra).map(([k, v]) => kv(k, av.string(v)))], droppedAttributesCount: 0 };
}

function kv(key: string, value: KeyValue['value']): KeyValue {
  return { key, value };
}

const RES_FRONTEND = resource('frontend', { region: 'eu', 'deployment.environment': 'prod' });
const RES_AUTH = resource('auth', { region: 'us' });
const RES_DB = resource('db');
const RES_BATCH = resource('batch');
const SCOPE_HTTP: Scope = { name: 'io.opentelemetry.http', version: '1.2.0', attributes: [kv('lib.tier', av.string('gold'))], droppedAttributesCount: 0 };
const SCOPE_NONE: Scope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };

interface SpanSpec {
  readonly id: string;
  readonly parent?: string;
  readonly name: string;
  readonly kind: 0 | 1 | 2 | 3 | 4 | 5;
  readonly status?: 0 | 1 | 2;
  readonly message?: string;
  readonly start: number;
  readonly dur: number;
  readonly attrs?: KeyValue[];
  readonly resource: Resource;
  readonly scope?: Scope;
  readonly events?: { name: string; at: number; attrs?: KeyValue[] }[];
  readonly links?: { trace: string; span: string; attrs?: KeyValue[] }[];
}

function id(hex: string, bytes: number): Uint8Array {
  return hexToBytes(hex.padStart(bytes * 2, '0'))!;
}

function build(traceHex: string, base: bigint, specs: SpanSpec[]): SpanRecord[] {
  const traceId = id(traceHex, 16);
  return specs.map((s) => {
    const start = base + BigInt(s.start) * MS;
    const events: SpanEvent[] = (s.events ?? []).map((e) => ({ timeUnixNano: start + BigInt(e.at) * MS, name: e.name, attributes: e.attrs ?? [], droppedAttributesCount: 0 }));
    const links: SpanLink[] = (s.links ?? []).map((l) => ({ traceId: id(l.trace, 16), spanId: id(l.span, 8), traceState: '', attributes: l.attrs ?? [], droppedAttributesCount: 0, flags: 0 }));
    return {
      span: {
        traceId,
        spanId: id(s.id, 8),
        parentSpanId: s.parent ? id(s.parent, 8) : new Uint8Array(0),
        traceState: '',
        flags: 0,
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: start,
        endTimeUnixNano: start + BigInt(s.dur) * MS,
        attributes: s.attrs ?? [],
        droppedAttributesCount: 0,
        events,
        droppedEventsCount: 0,
        links,
        droppedLinksCount: 0,
        status: { code: s.status ?? 0, message: s.message ?? '' },
      },
      resource: s.resource,
      resourceSchemaUrl: '',
      scope: s.scope ?? SCOPE_NONE,
      scopeSchemaUrl: '',
    };
  });
}

/** Trace A: a web request with auth, a failing database call and a cache lookup. */
export const TRACE_A = build('0a', T0, [
  { id: 'a1', name: 'GET /', kind: 2, start: 0, dur: 1000, resource: RES_FRONTEND, scope: SCOPE_HTTP, attrs: [kv('http.method', av.string('GET')), kv('http.status_code', av.int(200)), kv('flag', av.bool(true)), kv('http route', av.string('/'))] },
  { id: 'a2', parent: 'a1', name: 'auth', kind: 3, status: 1, start: 10, dur: 100, resource: RES_FRONTEND, scope: SCOPE_HTTP, attrs: [kv('http.status_code', av.int(200)), kv('tags', av.array([av.string('x'), av.string('y')])), kv('flag', av.bool(false))] },
  { id: 'a3', parent: 'a2', name: 'auth.check', kind: 2, status: 1, start: 20, dur: 50, resource: RES_AUTH, attrs: [kv('ratio', av.double(0.5)), kv('retries', av.int(2)), kv('region', av.string('ap'))] },
  {
    id: 'a4', parent: 'a1', name: 'db.query', kind: 3, status: 2, message: 'timeout', start: 200, dur: 600, resource: RES_FRONTEND, scope: SCOPE_HTTP,
    attrs: [kv('db.system', av.string('postgres')), kv('nums', av.array([av.int(1), av.int(2), av.int(3)])), kv('retries', av.int(1)), kv('blob', av.bytes(new Uint8Array([1])))],
    events: [{ name: 'exception', at: 10, attrs: [kv('exception.message', av.string('boom'))] }, { name: 'retry', at: 20 }],
    links: [{ trace: '0b', span: 'b1', attrs: [kv('link.kind', av.string('follows'))] }],
  },
  { id: 'a5', parent: 'a4', name: 'pg.exec', kind: 1, status: 2, start: 250, dur: 500, resource: RES_DB, attrs: [kv('ratio', av.double(1.5))] },
  { id: 'a6', parent: 'a1', name: 'cache.get', kind: 3, start: 900, dur: 5, resource: RES_FRONTEND, scope: SCOPE_HTTP, attrs: [kv('http.status_code', av.int(500)), kv('region', av.int(7))] },
]);

/** Trace B: a batch job; one span's parent never arrived. */
export const TRACE_B = build('0b', T0 + 3_600_000n * MS, [
  { id: 'b1', name: 'job', kind: 4, status: 1, start: 0, dur: 2000, resource: RES_BATCH },
  { id: 'b2', parent: 'b1', name: 'step', kind: 5, status: 2, start: 100, dur: 1000, resource: RES_BATCH, attrs: [kv('retries', av.int(5))] },
  { id: 'b3', parent: 'b1', name: 'notify', kind: 3, start: 1500, dur: 10, resource: RES_BATCH },
  { id: 'b4', parent: 'ff', name: 'lost', kind: 1, start: 1600, dur: 10, resource: RES_BATCH },
]);

/** Trace C: no root span at all. */
export const TRACE_C = build('0c', T0 + 7_200_000n * MS, [
  { id: 'c1', parent: 'ee', name: 'orphan-1', kind: 1, start: 0, dur: 30, resource: RES_BATCH },
  { id: 'c2', parent: 'ee', name: 'orphan-2', kind: 1, start: 5, dur: 40, resource: RES_BATCH },
]);

/** All test traces. */
export const TRACES: readonly SpanRecord[][] = [TRACE_A, TRACE_B, TRACE_C];
