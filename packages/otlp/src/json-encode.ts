// Span model → protobuf-JSON as Tempo emits it for trace-by-id: lowerCamel names, 64-bit
// integers as strings, zero and empty values left out, enums by name, bytes as base64, and ids
// as base64 (Tempo's trace JSON) or hex (OTLP/JSON ingest). A oneof member (an AnyValue's value)
// is written even at its zero value, since its presence is the information.
import { bytesToHex } from '@spanbase/model';
import type { AnyValue, KeyValue, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, SpanLink, TracesData } from '@spanbase/model';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from './json-values.ts';

/** Options for `tracesDataToJson`. */
export interface JsonOptions {
  /** How trace and span ids are written: base64 (Tempo's trace JSON) or hex (OTLP/JSON). */
  ids: 'base64' | 'hex';
}

type Json = Record<string, unknown>;

/** Converts spans to a protobuf-JSON object (`{ resourceSpans: [...] }`, ready for JSON.stringify). */
export function tracesDataToJson(data: TracesData, options: JsonOptions): Json {
  const id = options.ids === 'hex' ? bytesToHex : base64;
  const out: Json = {};
  if (data.resourceSpans.length > 0) out.resourceSpans = data.resourceSpans.map((rs) => resourceSpansJson(rs, id));
  return out;
}

type IdEncoder = (bytes: Uint8Array) => string;

/** Base64 of bytes (standard alphabet, padded). */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function resourceSpansJson(rs: ResourceSpans, id: IdEncoder): Json {
  const out: Json = {};
  if (rs.resource !== undefined) out.resource = resourceJson(rs.resource);
  if (rs.scopeSpans.length > 0) out.scopeSpans = rs.scopeSpans.map((ss) => scopeSpansJson(ss, id));
  if (rs.schemaUrl !== '') out.schemaUrl = rs.schemaUrl;
  return out;
}

function resourceJson(r: Resource): Json {
  const out: Json = {};
  attributesJson(out, 'attributes', r.attributes);
  if (r.droppedAttributesCount !== 0) out.droppedAttributesCount = r.droppedAttributesCount;
  return out;
}

function scopeSpansJson(ss: ScopeSpans, id: IdEncoder): Json {
  const out: Json = {};
  if (ss.scope !== undefined) out.scope = scopeJson(ss.scope);
  if (ss.spans.length > 0) out.spans = ss.spans.map((s) => spanJson(s, id));
  if (ss.schemaUrl !== '') out.schemaUrl = ss.schemaUrl;
  return out;
}

function scopeJson(s: Scope): Json {
  const out: Json = {};
  if (s.name !== '') out.name = s.name;
  if (s.version !== '') out.version = s.version;
  attributesJson(out, 'attributes', s.attributes);
  if (s.droppedAttributesCount !== 0) out.droppedAttributesCount = s.droppedAttributesCount;
  return out;
}

function spanJson(s: Span, id: IdEncoder): Json {
  const out: Json = {};
  if (s.traceId.length > 0) out.traceId = id(s.traceId);
  if (s.spanId.length > 0) out.spanId = id(s.spanId);
  if (s.traceState !== '') out.traceState = s.traceState;
  if (s.parentSpanId.length > 0) out.parentSpanId = id(s.parentSpanId);
  if (s.flags !== 0) out.flags = s.flags;
  if (s.name !== '') out.name = s.name;
  if (s.kind !== 0) out.kind = SPAN_KIND_NAMES[s.kind] ?? s.kind;
  if (s.startTimeUnixNano !== 0n) out.startTimeUnixNano = String(s.startTimeUnixNano);
  if (s.endTimeUnixNano !== 0n) out.endTimeUnixNano = String(s.endTimeUnixNano);
  attributesJson(out, 'attributes', s.attributes);
  if (s.droppedAttributesCount !== 0) out.droppedAttributesCount = s.droppedAttributesCount;
  if (s.events.length > 0) out.events = s.events.map(eventJson);
  if (s.droppedEventsCount !== 0) out.droppedEventsCount = s.droppedEventsCount;
  if (s.links.length > 0) out.links = s.links.map((l) => linkJson(l, id));
  if (s.droppedLinksCount !== 0) out.droppedLinksCount = s.droppedLinksCount;
  // Status is always present on the wire (SDKs send it), so it is emitted even when UNSET.
  const status: Json = {};
  if (s.status.message !== '') status.message = s.status.message;
  if (s.status.code !== 0) status.code = STATUS_CODE_NAMES[s.status.code] ?? s.status.code;
  out.status = status;
  return out;
}

function eventJson(e: SpanEvent): Json {
  const out: Json = {};
  if (e.timeUnixNano !== 0n) out.timeUnixNano = String(e.timeUnixNano);
  if (e.name !== '') out.name = e.name;
  attributesJson(out, 'attributes', e.attributes);
  if (e.droppedAttributesCount !== 0) out.droppedAttributesCount = e.droppedAttributesCount;
  return out;
}

function linkJson(l: SpanLink, id: IdEncoder): Json {
  const out: Json = {};
  if (l.traceId.length > 0) out.traceId = id(l.traceId);
  if (l.spanId.length > 0) out.spanId = id(l.spanId);
  if (l.traceState !== '') out.traceState = l.traceState;
  attributesJson(out, 'attributes', l.attributes);
  if (l.droppedAttributesCount !== 0) out.droppedAttributesCount = l.droppedAttributesCount;
  if (l.flags !== 0) out.flags = l.flags;
  return out;
}

function attributesJson(out: Json, name: string, kvs: readonly KeyValue[]): void {
  if (kvs.length > 0) out[name] = kvs.map(keyValueJson);
}

function keyValueJson(kv: KeyValue): Json {
  return kv.key === '' ? { value: anyValueJson(kv.value) } : { key: kv.key, value: anyValueJson(kv.value) };
}

function anyValueJson(v: AnyValue): Json {
  switch (v.type) {
    case 'string':
      return { stringValue: v.value };
    case 'bool':
      return { boolValue: v.value };
    case 'int':
      return { intValue: String(v.value) };
    case 'double':
      // JSON numbers cannot carry NaN, ±Infinity or -0: those go as strings, which parsers accept.
      return { doubleValue: Number.isFinite(v.value) && !Object.is(v.value, -0) ? v.value : Object.is(v.value, -0) ? '-0' : String(v.value) };
    case 'bytes':
      return { bytesValue: base64(v.value) };
    case 'array': {
      const inner: Json = {};
      if (v.value.length > 0) inner.values = v.value.map(anyValueJson);
      return { arrayValue: inner };
    }
    case 'kvlist': {
      const inner: Json = {};
      attributesJson(inner, 'values', v.value);
      return { kvlistValue: inner };
    }
    case 'empty':
      return {};
    default: {
      const never: never = v;
      return never;
    }
  }
}
