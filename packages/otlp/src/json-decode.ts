// OTLP/HTTP JSON → span model. Keys are the lowerCamelCase JSON names, and the original
// snake_case proto names are accepted too; unknown keys are ignored (as the OTLP spec asks);
// null is the same as absent. Each object is read with one pass over its own keys, so both
// spellings cost nothing extra.
import type { AnyValue, KeyValue, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, StatusCode, TracesData } from '@spanbase/model';
import { malformed, OTLP_ERR_MALFORMED, rethrowAt, toNamedError } from './errors.ts';
import { EMPTY_BYTES, EMPTY_VALUE, emptySpan } from './model-defaults.ts';
import { MAX_DEPTH } from './proto-reader.ts';
import {
  asArray, asBool, asObject, asString, base64Bytes, double, enumValue, hexId, int64, SPAN_KIND_NAMES, STATUS_CODE_NAMES, uint32, uint64,
} from './json-values.ts';

const utf8 = new TextDecoder();

/** Decodes an OTLP/JSON ExportTraceServiceRequest body. */
export function decodeOtlpJson(body: string | Uint8Array): TracesData {
  let root: unknown;
  try {
    root = JSON.parse(typeof body === 'string' ? body : utf8.decode(body));
  } catch (e) {
    throw OTLP_ERR_MALFORMED(`invalid JSON: ${(e as Error).message}`);
  }
  try {
    let resourceSpans: ResourceSpans[] = [];
    eachField(root, (key, x) => {
      if (key === 'resourceSpans' || key === 'resource_spans') resourceSpans = list(x, readResourceSpans);
    });
    return { resourceSpans };
  } catch (e) {
    throw toNamedError(e);
  }
}

/**
 * Calls `visit` for each non-null member of a JSON object (null means absent in protobuf JSON),
 * naming the member on failure.
 */
function eachField(v: unknown, visit: (key: string, x: unknown) => void): void {
  const o = asObject(v);
  let key = '';
  try {
    for (key in o) {
      const x = o[key];
      if (x !== null) visit(key, x);
    }
  } catch (e) {
    rethrowAt(e, key);
  }
}

/** Reads each element of a JSON array, naming the element's index on failure. */
function list<T>(v: unknown, read: (item: unknown) => T): T[] {
  const items = asArray(v);
  const out = new Array<T>(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = read(items[i]);
    } catch (e) {
      rethrowAt(e, `[${i}]`);
    }
  }
  return out;
}

function readResourceSpans(v: unknown): ResourceSpans {
  let resource: Resource | undefined;
  let scopeSpans: ScopeSpans[] = [];
  let schemaUrl = '';
  eachField(v, (key, x) => {
    switch (key) {
      case 'resource': resource = readResource(x); break;
      case 'scopeSpans': case 'scope_spans': scopeSpans = list(x, readScopeSpans); break;
      case 'schemaUrl': case 'schema_url': schemaUrl = asString(x); break;
    }
  });
  return { resource, scopeSpans, schemaUrl };
}

function readResource(v: unknown): Resource {
  let attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  eachField(v, (key, x) => {
    switch (key) {
      case 'attributes': attributes = readAttributes(x, 0); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': droppedAttributesCount = uint32(x); break;
    }
  });
  return { attributes, droppedAttributesCount };
}

function readScopeSpans(v: unknown): ScopeSpans {
  let scope: Scope | undefined;
  let spans: Span[] = [];
  let schemaUrl = '';
  eachField(v, (key, x) => {
    switch (key) {
      case 'scope': scope = readScope(x); break;
      case 'spans': spans = list(x, readSpan); break;
      case 'schemaUrl': case 'schema_url': schemaUrl = asString(x); break;
    }
  });
  return { scope, spans, schemaUrl };
}

function readScope(v: unknown): Scope {
  let name = '';
  let version = '';
  let attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  eachField(v, (key, x) => {
    switch (key) {
      case 'name': name = asString(x); break;
      case 'version': version = asString(x); break;
      case 'attributes': attributes = readAttributes(x, 0); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': droppedAttributesCount = uint32(x); break;
    }
  });
  return { name, version, attributes, droppedAttributesCount };
}

function readSpan(v: unknown): Span {
  const s = emptySpan();
  eachField(v, (key, x) => {
    switch (key) {
      case 'traceId': case 'trace_id': s.traceId = hexId(x); break;
      case 'spanId': case 'span_id': s.spanId = hexId(x); break;
      case 'parentSpanId': case 'parent_span_id': s.parentSpanId = hexId(x); break;
      case 'traceState': case 'trace_state': s.traceState = asString(x); break;
      case 'flags': s.flags = uint32(x); break;
      case 'name': s.name = asString(x); break;
      case 'kind': s.kind = enumValue(x, SPAN_KIND_NAMES) as SpanKind; break;
      case 'startTimeUnixNano': case 'start_time_unix_nano': s.startTimeUnixNano = uint64(x); break;
      case 'endTimeUnixNano': case 'end_time_unix_nano': s.endTimeUnixNano = uint64(x); break;
      case 'attributes': s.attributes = readAttributes(x, 0); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': s.droppedAttributesCount = uint32(x); break;
      case 'events': s.events = list(x, readEvent); break;
      case 'droppedEventsCount': case 'dropped_events_count': s.droppedEventsCount = uint32(x); break;
      case 'links': s.links = list(x, readLink); break;
      case 'droppedLinksCount': case 'dropped_links_count': s.droppedLinksCount = uint32(x); break;
      case 'status': s.status = readStatus(x); break;
    }
  });
  return s;
}

function readEvent(v: unknown): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  let attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  eachField(v, (key, x) => {
    switch (key) {
      case 'timeUnixNano': case 'time_unix_nano': timeUnixNano = uint64(x); break;
      case 'name': name = asString(x); break;
      case 'attributes': attributes = readAttributes(x, 0); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': droppedAttributesCount = uint32(x); break;
    }
  });
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function readLink(v: unknown): SpanLink {
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  let attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  eachField(v, (key, x) => {
    switch (key) {
      case 'traceId': case 'trace_id': traceId = hexId(x); break;
      case 'spanId': case 'span_id': spanId = hexId(x); break;
      case 'traceState': case 'trace_state': traceState = asString(x); break;
      case 'attributes': attributes = readAttributes(x, 0); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': droppedAttributesCount = uint32(x); break;
      case 'flags': flags = uint32(x); break;
    }
  });
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function readStatus(v: unknown): SpanStatus {
  let message = '';
  let code = 0;
  eachField(v, (key, x) => {
    switch (key) {
      case 'message': message = asString(x); break;
      case 'code': code = enumValue(x, STATUS_CODE_NAMES); break;
    }
  });
  return { code: code as StatusCode, message };
}

function readAttributes(v: unknown, depth: number): KeyValue[] {
  if (depth >= MAX_DEPTH) malformed('attribute values nested too deeply');
  return list(v, (item) => readKeyValue(item, depth));
}

function readKeyValue(v: unknown, depth: number): KeyValue {
  let key = '';
  let value = EMPTY_VALUE;
  eachField(v, (k, x) => {
    if (k === 'key') key = asString(x);
    else if (k === 'value') value = readAnyValue(x, depth + 1);
  });
  return { key, value };
}

function readAnyValue(v: unknown, depth: number): AnyValue {
  // A oneof: when several members are present, the last one wins (as on the wire).
  let value = EMPTY_VALUE;
  eachField(v, (key, x) => {
    switch (key) {
      case 'stringValue': case 'string_value': value = { type: 'string', value: asString(x) }; break;
      case 'boolValue': case 'bool_value': value = { type: 'bool', value: asBool(x) }; break;
      case 'intValue': case 'int_value': value = { type: 'int', value: int64(x) }; break;
      case 'doubleValue': case 'double_value': value = { type: 'double', value: double(x) }; break;
      case 'bytesValue': case 'bytes_value': value = { type: 'bytes', value: base64Bytes(x) }; break;
      case 'arrayValue': case 'array_value': value = { type: 'array', value: readValues(x, depth) }; break;
      case 'kvlistValue': case 'kvlist_value': value = { type: 'kvlist', value: readKvList(x, depth) }; break;
    }
  });
  return value;
}

function readValues(v: unknown, depth: number): AnyValue[] {
  if (depth >= MAX_DEPTH) malformed('attribute values nested too deeply');
  const values = asObject(v).values;
  try {
    return list(values, (item) => readAnyValue(item, depth + 1));
  } catch (e) {
    rethrowAt(e, 'values');
  }
}

function readKvList(v: unknown, depth: number): KeyValue[] {
  const values = asObject(v).values;
  try {
    return readAttributes(values, depth + 1);
  } catch (e) {
    rethrowAt(e, 'values');
  }
}
