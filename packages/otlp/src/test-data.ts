// Fixtures for the codec's tests: a batch that uses every field and every AnyValue type, with
// values at the edges (int64 limits, NaN and infinities, unicode, 64-bit times).
import { av, hexToBytes } from '@spanbase/model';
import type { KeyValue, Span, TracesData } from '@spanbase/model';

/** Bytes of a hex string (fixtures only: throws on bad hex). */
export function hex(text: string): Uint8Array {
  const bytes = hexToBytes(text);
  if (!bytes) throw new Error(`bad hex in fixture: ${text}`);
  return bytes;
}

/** One attribute of every AnyValue type, nested ones included. */
export function everyValueType(): KeyValue[] {
  return [
    { key: 'str', value: av.string('hello') },
    { key: 'str.empty', value: av.string('') },
    { key: 'str.unicode', value: av.string('héllo wörld ✓ 日本語 🎉') },
    { key: 'bool.true', value: av.bool(true) },
    { key: 'bool.false', value: av.bool(false) },
    { key: 'int.zero', value: av.int(0) },
    { key: 'int.small', value: av.int(200) },
    { key: 'int.negative', value: av.int(-1) },
    { key: 'int.big', value: av.int(9007199254740993n) },
    { key: 'int.max', value: av.int(9223372036854775807n) },
    { key: 'int.min', value: av.int(-9223372036854775808n) },
    { key: 'double', value: av.double(3.25) },
    { key: 'double.zero', value: av.double(0) },
    { key: 'double.nan', value: av.double(NaN) },
    { key: 'double.inf', value: av.double(Infinity) },
    { key: 'double.neginf', value: av.double(-Infinity) },
    { key: 'double.tiny', value: av.double(5e-324) },
    { key: 'bytes', value: av.bytes(hex('00ff10')) },
    { key: 'bytes.empty', value: av.bytes(new Uint8Array(0)) },
    { key: 'array', value: av.array([av.string('a'), av.int(-5), av.double(1.5), av.bool(true), av.empty(), av.array([av.string('deep')])]) },
    { key: 'array.empty', value: av.array([]) },
    { key: 'kvlist', value: av.kvlist([{ key: 'inner', value: av.string('x') }, { key: 'nested', value: av.kvlist([{ key: 'n', value: av.int(1) }]) }]) },
    { key: 'kvlist.empty', value: av.kvlist([]) },
    { key: 'empty', value: av.empty() },
    { key: '', value: av.string('empty key') },
  ];
}

/** A span with every field set (or left at its zero value when `minimal`). */
export function makeSpan(n: number, minimal = false): Span {
  const traceId = hex('0af7651916cd43dd8448eb211c80319c');
  const spanId = hex(`b7ad6b71692033${(n & 0xff).toString(16).padStart(2, '0')}`);
  if (minimal) {
    return {
      traceId, spanId, parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: '', kind: 0,
      startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: [], droppedAttributesCount: 0, events: [],
      droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
    };
  }
  return {
    traceId,
    spanId,
    parentSpanId: hex('00f067aa0ba902b7'),
    traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    flags: 0x301,
    name: `GET /api/users/{id} #${n}`,
    kind: 2,
    startTimeUnixNano: 1_700_000_000_123_456_789n + BigInt(n),
    endTimeUnixNano: 1_700_000_000_223_456_789n + BigInt(n),
    attributes: everyValueType(),
    droppedAttributesCount: 2,
    events: [
      { timeUnixNano: 1_700_000_000_150_000_000n, name: 'exception', attributes: [{ key: 'exception.message', value: av.string('boom ✗') }], droppedAttributesCount: 1 },
      { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 3,
    links: [
      { traceId: hex('4bf92f3577b34da6a3ce929d0e0e4736'), spanId: hex('00f067aa0ba902b7'), traceState: 'k=v', attributes: [{ key: 'link.kind', value: av.string('follows') }], droppedAttributesCount: 4, flags: 0x101 },
      { traceId: hex('4bf92f3577b34da6a3ce929d0e0e4737'), spanId: hex('00f067aa0ba902b8'), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 },
    ],
    droppedLinksCount: 5,
    status: { code: 2, message: 'internal error: ✗' },
  };
}

/** A batch with two resources (one absent), scopes (one absent) and schema URLs. */
export function makeTracesData(): TracesData {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: av.string('checkout') }, { key: 'host.ports', value: av.array([av.int(80), av.int(443)]) }],
          droppedAttributesCount: 7,
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
        scopeSpans: [
          {
            scope: { name: 'io.opentelemetry.http', version: '1.2.3', attributes: [{ key: 'scope.attr', value: av.bool(true) }], droppedAttributesCount: 1 },
            schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
            spans: [makeSpan(1), makeSpan(2, true)],
          },
          { scope: undefined, schemaUrl: '', spans: [makeSpan(3)] },
        ],
      },
      {
        resource: undefined,
        schemaUrl: '',
        scopeSpans: [{ scope: { name: 'bare', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans: [makeSpan(4, true)] }],
      },
    ],
  };
}
