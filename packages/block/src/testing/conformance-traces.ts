// Traces that exercise everything a block must keep exactly: every AnyValue type (int64 beyond
// 2^53, bytes, nested arrays and kvlists, empty), doubles JSON cannot carry, events and links with
// attributes, trace state, flags, dropped counts, statuses, kinds, several resources and scopes,
// missing parents, several roots, an all-zero parent id, dedicated attributes of the wrong type,
// duplicate keys, and times near the ends of the uint64 range. Format-independent.
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanRecord } from '@spanbase/model';
import { av, compareIds } from '@spanbase/model';
import { Rng } from './random.ts';

/** Options for {@link conformanceTraces}. */
export interface ConformanceOptions {
  /** Number of traces (default 60). */
  traces?: number;
  /** Sequential trace ids (big-endian counter from `idBase`) instead of random ones. */
  sequentialIds?: boolean;
  /** First sequential id (default 1). */
  idBase?: bigint;
  /** PRNG seed. */
  seed?: number;
  /** Spans of the largest trace (default 300), to force row groups of their own. */
  bigTraceSpans?: number;
}

/** A 16-byte big-endian id holding `n`. */
export function idFromNumber(n: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function exoticValues(rng: Rng): KeyValue[] {
  const nested: AnyValue = av.array([av.string('x'), av.int(-1), av.double(0.25), av.bool(false), av.bytes(new Uint8Array([0, 255])), av.array([]), av.kvlist([{ key: 'inner', value: av.array([av.empty()]) }]), av.empty()]);
  return [
    { key: 'str', value: av.string('plain') },
    { key: 'str.unicode', value: av.string('日本語 🚀 ünïcødé') },
    { key: 'str.empty', value: av.string('') },
    { key: 'bool.t', value: av.bool(true) },
    { key: 'bool.f', value: av.bool(false) },
    { key: 'int.small', value: av.int(rng.int(100)) },
    { key: 'int.big', value: av.int(9_007_199_254_740_993n) },
    { key: 'int.max', value: av.int(2n ** 63n - 1n) },
    { key: 'int.min', value: av.int(-(2n ** 63n)) },
    { key: 'double', value: av.double(1.5 + rng.int(10)) },
    { key: 'double.nan', value: av.double(Number.NaN) },
    { key: 'double.inf', value: av.double(Number.POSITIVE_INFINITY) },
    { key: 'double.ninf', value: av.double(Number.NEGATIVE_INFINITY) },
    { key: 'double.negzero', value: av.double(-0) },
    { key: 'double.tiny', value: av.double(5e-324) },
    { key: 'bytes', value: av.bytes(rng.bytes(1 + rng.int(20))) },
    { key: 'bytes.empty', value: av.bytes(new Uint8Array(0)) },
    { key: 'array', value: nested },
    { key: 'kvlist', value: av.kvlist([{ key: 'a', value: av.int(1) }, { key: 'b', value: av.kvlist([{ key: 'c', value: av.string('d') }]) }, { key: 'a', value: av.string('dup') }]) },
    { key: 'empty', value: av.empty() },
    { key: '', value: av.string('empty key') },
    { key: 'dup', value: av.string('first') },
    { key: 'dup', value: av.int(2) },
  ];
}

const res = (attributes: KeyValue[], dropped = 0): Resource => ({ attributes, droppedAttributesCount: dropped });
const scope = (name: string, version: string, attributes: KeyValue[] = [], dropped = 0): Scope => ({ name, version, attributes, droppedAttributesCount: dropped });

function resources(rng: Rng): Resource[] {
  return [
    res([{ key: 'service.name', value: av.string('checkout') }, { key: 'k8s.namespace.name', value: av.string('shop') }, { key: 'service.version', value: av.string('1.2.3') }, { key: 'host.name', value: av.string('node-1') }, { key: 'process.pid', value: av.int(4242) }]),
    res([{ key: 'service.name', value: av.string('payments') }, { key: 'deployment.environment', value: av.string('prod') }, ...exoticValues(rng).slice(0, 8)]),
    res([{ key: 'service.name', value: av.int(7) }, { key: 'service.namespace', value: av.bool(true) }]),
    res([], 3),
    res([{ key: 'telemetry.sdk.language', value: av.string('go') }, { key: 'service.name', value: av.string('second-name-wins-not') }, { key: 'service.name', value: av.string('dup-service') }]),
  ];
}

const SCOPES = [scope('io.opentelemetry.http', '1.0.0', [{ key: 'scope.attr', value: av.string('v') }, { key: 'scope.int', value: av.int(3) }]), scope('', ''), scope('custom', '', [], 2)];

function span(rng: Rng, traceId: Uint8Array, parent: Uint8Array, start: bigint, i: number): Span {
  const kind = (i % 6) as Span['kind'];
  const attrs: KeyValue[] = [{ key: 'i', value: av.int(i) }];
  if (i % 3 === 0) attrs.push({ key: 'http.method', value: av.string(['GET', 'POST'][i % 2]) }, { key: 'http.status_code', value: av.int(200 + (i % 5)) }, { key: 'http.route', value: av.string('/r/{id}') });
  if (i % 5 === 0) attrs.push({ key: 'http.status_code', value: av.string('500') }, { key: 'http.method', value: av.int(1) }, { key: 'db.system', value: av.bytes(new Uint8Array([1, 2])) });
  if (i % 7 === 0) attrs.push(...exoticValues(rng));
  if (i % 11 === 0) attrs.push({ key: 'http.method', value: av.string('PUT') }, { key: 'http.method', value: av.string('PATCH') });
  const events = i % 4 === 0 ? [
    { timeUnixNano: start + 5n, name: 'exception', attributes: [{ key: 'exception.message', value: av.string('boom ' + i) }, { key: 'exception.count', value: av.int(9_007_199_254_740_995n) }, { key: 'nested', value: exoticValues(rng)[17].value }], droppedAttributesCount: 1 },
    { timeUnixNano: start - 3n, name: '', attributes: [], droppedAttributesCount: 0 },
    { timeUnixNano: 0n, name: 'zero time', attributes: [{ key: 'd', value: av.double(Number.NaN) }], droppedAttributesCount: 4294967295 },
  ] : [];
  const links = i % 6 === 1 ? [
    { traceId: rng.bytes(16), spanId: rng.bytes(8), traceState: 'vendor=x', attributes: [{ key: 'link.kind', value: av.string('follows') }, { key: 'b', value: av.bytes(rng.bytes(3)) }], droppedAttributesCount: 2, flags: 0x101 },
    { traceId: rng.bytes(16), spanId: rng.bytes(8), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 },
  ] : [];
  const dur = i % 13 === 0 ? -5n : BigInt(rng.int(1_000_000));
  return {
    traceId, spanId: rng.bytes(8), parentSpanId: parent, traceState: i % 3 === 0 ? `k=v${i},other=1` : '', flags: [0, 1, 0xffffffff, 0x301][i % 4],
    name: i % 9 === 0 ? '' : `op-${i % 4}`, kind, startTimeUnixNano: start, endTimeUnixNano: BigInt.asUintN(64, start + dur),
    attributes: attrs, droppedAttributesCount: [0, 5, 4294967295][i % 3], events, droppedEventsCount: i % 4 === 0 ? 7 : 0, links, droppedLinksCount: i % 6 === 1 ? 1 : 0,
    status: { code: (i % 3) as 0 | 1 | 2, message: i % 3 === 2 ? `failed ${i}` : '' },
  };
}

function trace(rng: Rng, traceId: Uint8Array, n: number, t: number): SpanRecord[] {
  const rs = resources(rng);
  const out: SpanRecord[] = [];
  const base = t % 17 === 5 ? 2n ** 63n + 11n : 1_767_225_600_000_000_000n + BigInt(t) * 1_000_000n;
  const roots = t % 5 === 1 ? 2 : 1;
  for (let i = 0; i < n; i++) {
    let parent: Uint8Array;
    if (i < roots) parent = i === 1 && t % 10 === 1 ? new Uint8Array(8) : new Uint8Array(0);
    else if (i % 8 === 3 && t % 3 === 0) parent = rng.bytes(8);
    else parent = out[rng.int(out.length)].span.spanId;
    const s = span(rng, traceId, parent, base + BigInt(rng.int(50_000)) * 1000n, i);
    out.push({ span: s, resource: rs[(i + t) % rs.length], resourceSchemaUrl: ['', 'https://opentelemetry.io/schemas/1.24.0'][i % 2], scope: SCOPES[(i * 7 + t) % SCOPES.length], scopeSchemaUrl: i % 5 === 0 ? 'https://example.com/s' : '' });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Conformance traces in ascending trace-id order; spans within a trace shuffled. */
export function conformanceTraces(opts: ConformanceOptions = {}): SpanRecord[][] {
  const rng = new Rng(opts.seed ?? 42);
  const n = opts.traces ?? 60;
  const out: SpanRecord[][] = [];
  for (let t = 0; t < n; t++) {
    const id = opts.sequentialIds ? idFromNumber((opts.idBase ?? 1n) + BigInt(t)) : rng.bytes(16);
    const size = t === 3 ? (opts.bigTraceSpans ?? 300) : t % 4 === 0 ? 1 : 2 + rng.int(25);
    out.push(trace(rng, id, size, t));
  }
  return out.sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
}
