// OTLP/JSON encoding (the protobuf JSON mapping the OTLP spec uses) for what sb1 keeps as JSON:
// attribute values that are bytes, arrays, kvlists or empty, and whole events and links. A
// standard encoding, so DuckDB users can `json_extract` these columns without our code.
// Exact round trip: int64 as decimal strings, bytes base64, ids hex (OTLP/JSON's rule), and
// doubles that JSON numbers cannot carry (NaN, ±Infinity, -0) as strings.
import type { AnyValue, KeyValue, SpanEvent, SpanLink } from '@spanbase/model';
import { bytesToHex, hexToBytes } from '@spanbase/model';
import { BlockFormat } from '../errors.ts';

/** An OTLP/JSON AnyValue. */
export type JsonAnyValue = Record<string, unknown>;

function encodeDouble(v: number): number | string {
  if (Number.isFinite(v) && !Object.is(v, -0)) return v;
  return Object.is(v, -0) ? '-0' : String(v);
}

/** OTLP/JSON form of a value. */
export function anyValueToJson(v: AnyValue): JsonAnyValue {
  switch (v.type) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int':
      return { intValue: v.value.toString() };
    case 'double':
      return { doubleValue: encodeDouble(v.value) };
    case 'bytes':
      return { bytesValue: Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64') };
    case 'array':
      return { arrayValue: { values: v.value.map(anyValueToJson) } };
    case 'kvlist':
      return { kvlistValue: { values: keyValuesToJson(v.value) } };
    case 'empty':
      return {};
    default: {
      const never: never = v;
      return never;
    }
  }
}

/** OTLP/JSON form of an attribute list. */
export function keyValuesToJson(kvs: readonly KeyValue[]): { key: string; value: JsonAnyValue }[] {
  return kvs.map((kv) => ({ key: kv.key, value: anyValueToJson(kv.value) }));
}

function bad(what: string): never {
  throw BlockFormat(`malformed OTLP/JSON ${what}`);
}

function obj(x: unknown, what: string): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : bad(what);
}

function arr(x: unknown, what: string): unknown[] {
  if (x === undefined) return [];
  return Array.isArray(x) ? x : bad(what);
}

function u64(x: unknown, what: string): bigint {
  if (x === undefined) return 0n;
  if (typeof x === 'string' && /^-?\d+$/.test(x)) return BigInt(x);
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  return bad(what);
}

function u32(x: unknown, what: string): number {
  if (x === undefined) return 0;
  return typeof x === 'number' && Number.isInteger(x) ? x : bad(what);
}

function str(x: unknown, what: string): string {
  if (x === undefined) return '';
  return typeof x === 'string' ? x : bad(what);
}

/** Value from its OTLP/JSON form. */
export function anyValueFromJson(x: unknown): AnyValue {
  const o = obj(x, 'AnyValue');
  if ('stringValue' in o) return { type: 'string', value: str(o.stringValue, 'stringValue') };
  if ('boolValue' in o) return typeof o.boolValue === 'boolean' ? { type: 'bool', value: o.boolValue } : bad('boolValue');
  if ('intValue' in o) return { type: 'int', value: u64(o.intValue, 'intValue') };
  if ('doubleValue' in o) {
    const d = o.doubleValue;
    if (typeof d === 'number') return { type: 'double', value: d };
    if (typeof d === 'string' && /^(-?Infinity|NaN|-0)$/.test(d)) return { type: 'double', value: Number(d) };
    return bad('doubleValue');
  }
  if ('bytesValue' in o) return { type: 'bytes', value: new Uint8Array(Buffer.from(str(o.bytesValue, 'bytesValue'), 'base64')) };
  if ('arrayValue' in o) return { type: 'array', value: arr(obj(o.arrayValue, 'arrayValue').values, 'arrayValue').map(anyValueFromJson) };
  if ('kvlistValue' in o) return { type: 'kvlist', value: keyValuesFromJson(obj(o.kvlistValue, 'kvlistValue').values) };
  return { type: 'empty' };
}

/** Attribute list from its OTLP/JSON form. */
export function keyValuesFromJson(x: unknown): KeyValue[] {
  return arr(x, 'attributes').map((e) => {
    const kv = obj(e, 'KeyValue');
    return { key: str(kv.key, 'key'), value: anyValueFromJson(kv.value ?? {}) };
  });
}

/** OTLP/JSON array of events; zero values omitted as protobuf JSON does. */
export function eventsToJson(events: readonly SpanEvent[]): unknown[] {
  return events.map((e) => {
    const o: Record<string, unknown> = { timeUnixNano: e.timeUnixNano.toString(), name: e.name };
    if (e.attributes.length) o.attributes = keyValuesToJson(e.attributes);
    if (e.droppedAttributesCount) o.droppedAttributesCount = e.droppedAttributesCount;
    return o;
  });
}

/** Events from their OTLP/JSON array. */
export function eventsFromJson(x: unknown): SpanEvent[] {
  return arr(x, 'events').map((e) => {
    const o = obj(e, 'Event');
    return { timeUnixNano: u64(o.timeUnixNano, 'timeUnixNano'), name: str(o.name, 'name'), attributes: keyValuesFromJson(o.attributes), droppedAttributesCount: u32(o.droppedAttributesCount, 'droppedAttributesCount') };
  });
}

/** OTLP/JSON array of links (ids hex, as OTLP/JSON writes them). */
export function linksToJson(links: readonly SpanLink[]): unknown[] {
  return links.map((l) => {
    const o: Record<string, unknown> = { traceId: bytesToHex(l.traceId), spanId: bytesToHex(l.spanId) };
    if (l.traceState) o.traceState = l.traceState;
    if (l.attributes.length) o.attributes = keyValuesToJson(l.attributes);
    if (l.droppedAttributesCount) o.droppedAttributesCount = l.droppedAttributesCount;
    if (l.flags) o.flags = l.flags;
    return o;
  });
}

/** Links from their OTLP/JSON array. */
export function linksFromJson(x: unknown): SpanLink[] {
  return arr(x, 'links').map((e) => {
    const o = obj(e, 'Link');
    const traceId = hexToBytes(str(o.traceId, 'traceId')) ?? bad('traceId');
    const spanId = hexToBytes(str(o.spanId, 'spanId')) ?? bad('spanId');
    return { traceId, spanId, traceState: str(o.traceState, 'traceState'), attributes: keyValuesFromJson(o.attributes), droppedAttributesCount: u32(o.droppedAttributesCount, 'droppedAttributesCount'), flags: u32(o.flags, 'flags') };
  });
}
