// Full decode of ExportTraceServiceRequest / TracesData protobuf into the span model, by hand
// from the OTLP field numbers (see proto/opentelemetry/proto/trace/v1/trace.proto). Unknown
// fields are skipped; a known field with the wrong wire type is malformed. This runs off the
// ingest hot path (trace-by-id, the truncation slow path, tools); ingest uses scan.ts.
import type { AnyValue, KeyValue, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, StatusCode, TracesData } from '@spanbase/model';
import { malformed, rethrowAt, toNamedError } from './errors.ts';
import {
  ANY_VALUE_FIELDS, checkOrSkip, EVENT_FIELDS, fieldPath, KEY_VALUE_FIELDS, LINK_FIELDS, REQUEST_FIELDS, RESOURCE_FIELDS, RESOURCE_SPANS_FIELDS,
  SCOPE_FIELDS, SCOPE_SPANS_FIELDS, SPAN_FIELDS, STATUS_FIELDS, VALUES_FIELDS,
} from './fields.ts';
import type { Fields } from './fields.ts';
import { EMPTY_BYTES, EMPTY_STATUS, EMPTY_VALUE, emptySpan } from './model-defaults.ts';
import type { SpanDraft } from './model-defaults.ts';
import { MAX_DEPTH, ProtoReader, WireType } from './proto-reader.ts';
import { StringCache } from './utf8.ts';

// Attribute keys repeat in every span; short string values ("GET", "postgresql") often do.
const KEYS = new StringCache(2048, 64);
const VALUES = new StringCache(2048, 24);


/** Decodes an OTLP ExportTraceServiceRequest (or TracesData, or Tempo's Trace: same wire form). */
export function decodeExportRequest(bytes: Uint8Array): TracesData {
  const r = new ProtoReader(bytes);
  const resourceSpans: ResourceSpans[] = [];
  try {
    while (r.pos < r.end) {
      const t = r.tag();
      if (t === ((1 << 3) | WireType.LEN)) {
        try {
          resourceSpans.push(readResourceSpans(r));
        } catch (e) {
          rethrowAt(e, `resource_spans[${resourceSpans.length}]`);
        }
      } else checkOrSkip(r, t, REQUEST_FIELDS);
    }
  } catch (e) {
    throw toNamedError(e);
  }
  return { resourceSpans };
}

/** `body` over bytes[offset, offset + length) of the reader's buffer; its errors named (OTLP_ERR_*). */
export function decodeAt<T>(r: ProtoReader, offset: number, length: number, body: (r: ProtoReader) => T): T {
  r.pos = offset;
  r.end = offset + length;
  try {
    return body(r);
  } catch (e) {
    throw toNamedError(e);
  }
}

/**
 * Decodes single messages of one buffer by byte range (the body offsets and lengths a scan
 * records), so a trace can be decoded straight out of the requests that carried it, and a
 * resource or scope shared by many spans decoded once. The ranges must hold message bodies
 * (no tag or length prefix) of a buffer that `scanExportRequest` accepted.
 */
export class MessageDecoder {
  /** The buffer the ranges refer to. */
  readonly bytes: Uint8Array;
  private readonly r: ProtoReader;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.r = new ProtoReader(bytes);
  }

  private at<T>(offset: number, length: number, body: (r: ProtoReader) => T): T {
    return decodeAt(this.r, offset, length, body);
  }

  /** The Span whose body is bytes[offset, offset + length). */
  span(offset: number, length: number): Span {
    return this.at(offset, length, spanBody);
  }

  /** The Resource whose body is bytes[offset, offset + length). */
  resource(offset: number, length: number): Resource {
    return this.at(offset, length, resourceBody);
  }

  /** The InstrumentationScope whose body is bytes[offset, offset + length). */
  scope(offset: number, length: number): Scope {
    return this.at(offset, length, scopeBody);
  }

  /** The AnyValue whose body is bytes[offset, offset + length) (an attribute's value). */
  anyValue(offset: number, length: number): AnyValue {
    return this.at(offset, length, (r) => anyValueBody(r, 1));
  }

  /** The events of the Span whose body is bytes[offset, offset + length). */
  events(offset: number, length: number): SpanEvent[] {
    return this.at(offset, length, (r) => repeated(r, (11 << 3) | WireType.LEN, readEvent));
  }

  /** The links of the Span whose body is bytes[offset, offset + length). */
  links(offset: number, length: number): SpanLink[] {
    return this.at(offset, length, (r) => repeated(r, (13 << 3) | WireType.LEN, readLink));
  }
}

/** Every occurrence of one repeated message field of the body in [pos, end), other fields skipped. */
function repeated<T>(r: ProtoReader, tag: number, read: (r: ProtoReader) => T): T[] {
  const out: T[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t === tag) out.push(read(r));
    else r.skip(t);
  }
  return out;
}

/** Narrows the reader to the nested message that starts here; returns the outer end to restore. */
function enter(r: ProtoReader): number {
  const outer = r.end;
  const len = r.length(); // before reading r.pos: the prefix moves it
  r.end = r.pos + len;
  return outer;
}

/** ResourceSpans and ScopeSpans share one shape: a header message (1), children (2), a schema URL (3). */
interface Container<H, C> {
  head: H | undefined;
  children: C[];
  schemaUrl: string;
}

function readContainer<H, C>(r: ProtoReader, fields: Fields, readHead: (r: ProtoReader) => H, readChild: (r: ProtoReader) => C): Container<H, C> {
  const outer = enter(r);
  let head: H | undefined;
  const children: C[] = [];
  let schemaUrl = '';
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case (1 << 3) | WireType.LEN:
        try {
          head = readHead(r);
        } catch (e) {
          rethrowAt(e, fields[1]![0]);
        }
        break;
      case (2 << 3) | WireType.LEN:
        try {
          children.push(readChild(r));
        } catch (e) {
          rethrowAt(e, `${fields[2]![0]}[${children.length}]`);
        }
        break;
      case (3 << 3) | WireType.LEN:
        schemaUrl = r.string();
        break;
      default:
        checkOrSkip(r, t, fields);
    }
  }
  r.end = outer;
  return { head, children, schemaUrl };
}

function readResourceSpans(r: ProtoReader): ResourceSpans {
  const c = readContainer(r, RESOURCE_SPANS_FIELDS, readResource, readScopeSpans);
  return { resource: c.head, scopeSpans: c.children, schemaUrl: c.schemaUrl };
}

function readScopeSpans(r: ProtoReader): ScopeSpans {
  const c = readContainer(r, SCOPE_SPANS_FIELDS, readScope, readSpan);
  return { scope: c.head, spans: c.children, schemaUrl: c.schemaUrl };
}

function readResource(r: ProtoReader): Resource {
  const outer = enter(r);
  const resource = resourceBody(r);
  r.end = outer;
  return resource;
}

/** A Resource message body that fills the reader's [pos, end). */
function resourceBody(r: ProtoReader): Resource {
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case (1 << 3) | WireType.LEN:
        readAttribute(r, attributes, 0);
        break;
      case (2 << 3) | WireType.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      default:
        checkOrSkip(r, t, RESOURCE_FIELDS);
    }
  }
  return { attributes, droppedAttributesCount };
}

function readScope(r: ProtoReader): Scope {
  const outer = enter(r);
  const scope = scopeBody(r);
  r.end = outer;
  return scope;
}

/** An InstrumentationScope message body that fills the reader's [pos, end). */
function scopeBody(r: ProtoReader): Scope {
  let name = '';
  let version = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case (1 << 3) | WireType.LEN:
        name = r.string();
        break;
      case (2 << 3) | WireType.LEN:
        version = r.string();
        break;
      case (3 << 3) | WireType.LEN:
        readAttribute(r, attributes, 0);
        break;
      case (4 << 3) | WireType.VARINT:
        droppedAttributesCount = r.uint32();
        break;
      default:
        checkOrSkip(r, t, SCOPE_FIELDS);
    }
  }
  return { name, version, attributes, droppedAttributesCount };
}

function readSpan(r: ProtoReader): Span {
  const outer = enter(r);
  const span = spanBody(r);
  r.end = outer;
  return span;
}

/** A Span message body that fills the reader's [pos, end). */
function spanBody(r: ProtoReader): Span {
  const s = emptySpan();
  const parts: SpanParts = { attributes: [], events: [], links: [] };
  s.attributes = parts.attributes;
  s.events = parts.events;
  s.links = parts.links;
  spanFields(r, s, parts);
  return s;
}

/** A span's repeated fields, the bulk of its bytes. */
export interface SpanParts {
  attributes: KeyValue[];
  events: SpanEvent[];
  links: SpanLink[];
}

/** The span's scalar fields of the body, and into `parts` its attributes, events and links (skipped without parts). */
export function spanFields(r: ProtoReader, s: Omit<SpanDraft, keyof SpanParts>, parts: SpanParts | undefined): void {
  let field = 0;
  try {
    while (r.pos < r.end) {
      field = 0;
      const t = r.tag();
      field = t >>> 3;
      switch (t) {
        case (1 << 3) | WireType.LEN: s.traceId = r.id(); break;
        case (2 << 3) | WireType.LEN: s.spanId = r.id(); break;
        case (3 << 3) | WireType.LEN: s.traceState = r.string(); break;
        case (4 << 3) | WireType.LEN: s.parentSpanId = r.id(); break;
        case (5 << 3) | WireType.LEN: s.name = r.string(); break;
        case (6 << 3) | WireType.VARINT: s.kind = r.int32() as SpanKind; break;
        case (7 << 3) | WireType.I64: s.startTimeUnixNano = r.fixed64(); break;
        case (8 << 3) | WireType.I64: s.endTimeUnixNano = r.fixed64(); break;
        case (9 << 3) | WireType.LEN: if (parts) readAttribute(r, parts.attributes, 0); else r.skipBytes(); break;
        case (10 << 3) | WireType.VARINT: s.droppedAttributesCount = r.uint32(); break;
        case (11 << 3) | WireType.LEN: if (parts) parts.events.push(readEvent(r)); else r.skipBytes(); break;
        case (12 << 3) | WireType.VARINT: s.droppedEventsCount = r.uint32(); break;
        case (13 << 3) | WireType.LEN: if (parts) parts.links.push(readLink(r)); else r.skipBytes(); break;
        case (14 << 3) | WireType.VARINT: s.droppedLinksCount = r.uint32(); break;
        case (15 << 3) | WireType.LEN: s.status = readStatus(r); break;
        case (16 << 3) | WireType.I32: s.flags = r.fixed32(); break;
        default: checkOrSkip(r, t, SPAN_FIELDS);
      }
    }
  } catch (e) {
    rethrowAt(e, spanFieldPath(field, parts));
  }
}

/** Where in a span a decoding error was: the field, and for a repeated one the entry it was reading. */
function spanFieldPath(field: number, parts: SpanParts | undefined): string {
  const list = field === 9 ? parts?.attributes : field === 11 ? parts?.events : field === 13 ? parts?.links : undefined;
  return fieldPath(SPAN_FIELDS, field, list ? list.length : -1);
}

/** Only the attributes, events and links of a span body (its other fields were read before). */
export function spanParts(r: ProtoReader, parts: SpanParts): void {
  let field = 0;
  try {
    while (r.pos < r.end) {
      const t = r.tag();
      field = t >>> 3;
      if (t === ((9 << 3) | WireType.LEN)) readAttribute(r, parts.attributes, 0);
      else if (t === ((11 << 3) | WireType.LEN)) parts.events.push(readEvent(r));
      else if (t === ((13 << 3) | WireType.LEN)) parts.links.push(readLink(r));
      else r.skip(t);
    }
  } catch (e) {
    rethrowAt(e, spanFieldPath(field, parts));
  }
}

function readEvent(r: ProtoReader): SpanEvent {
  const outer = enter(r);
  let timeUnixNano = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let field = 0;
  try {
    while (r.pos < r.end) {
      field = 0;
      const t = r.tag();
      field = t >>> 3;
      switch (t) {
        case (1 << 3) | WireType.I64: timeUnixNano = r.fixed64(); break;
        case (2 << 3) | WireType.LEN: name = r.string(); break;
        case (3 << 3) | WireType.LEN: readAttribute(r, attributes, 0); break;
        case (4 << 3) | WireType.VARINT: droppedAttributesCount = r.uint32(); break;
        default: checkOrSkip(r, t, EVENT_FIELDS);
      }
    }
  } catch (e) {
    rethrowAt(e, fieldPath(EVENT_FIELDS, field, field === 3 ? attributes.length : -1));
  }
  r.end = outer;
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function readLink(r: ProtoReader): SpanLink {
  const outer = enter(r);
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  let field = 0;
  try {
    while (r.pos < r.end) {
      field = 0;
      const t = r.tag();
      field = t >>> 3;
      switch (t) {
        case (1 << 3) | WireType.LEN: traceId = r.id(); break;
        case (2 << 3) | WireType.LEN: spanId = r.id(); break;
        case (3 << 3) | WireType.LEN: traceState = r.string(); break;
        case (4 << 3) | WireType.LEN: readAttribute(r, attributes, 0); break;
        case (5 << 3) | WireType.VARINT: droppedAttributesCount = r.uint32(); break;
        case (6 << 3) | WireType.I32: flags = r.fixed32(); break;
        default: checkOrSkip(r, t, LINK_FIELDS);
      }
    }
  } catch (e) {
    rethrowAt(e, fieldPath(LINK_FIELDS, field, field === 4 ? attributes.length : -1));
  }
  r.end = outer;
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function readStatus(r: ProtoReader): SpanStatus {
  const outer = enter(r);
  let message = '';
  let code = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case (2 << 3) | WireType.LEN: message = r.string(); break;
      case (3 << 3) | WireType.VARINT: code = r.int32(); break;
      default: checkOrSkip(r, t, STATUS_FIELDS);
    }
  }
  r.end = outer;
  return message === '' && code === 0 ? EMPTY_STATUS : { code: code as StatusCode, message };
}

/** Reads one KeyValue message and appends it to `out`. */
function readAttribute(r: ProtoReader, out: KeyValue[], depth: number): void {
  if (depth >= MAX_DEPTH) malformed('attribute values nested too deeply');
  const outer = enter(r);
  let key = '';
  let value = EMPTY_VALUE;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case (1 << 3) | WireType.LEN: key = r.cachedString(KEYS); break;
      case (2 << 3) | WireType.LEN: value = readAnyValue(r, depth + 1); break;
      default: checkOrSkip(r, t, KEY_VALUE_FIELDS);
    }
  }
  r.end = outer;
  out.push({ key, value });
}

function readAnyValue(r: ProtoReader, depth: number): AnyValue {
  const outer = enter(r);
  const value = anyValueBody(r, depth);
  r.end = outer;
  return value;
}

/** An AnyValue message body that fills the reader's [pos, end). */
function anyValueBody(r: ProtoReader, depth: number): AnyValue {
  // A oneof: when several members are on the wire, the last one wins.
  let value = EMPTY_VALUE;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case (1 << 3) | WireType.LEN: value = { type: 'string', value: r.cachedString(VALUES) }; break;
      case (2 << 3) | WireType.VARINT: value = { type: 'bool', value: r.bool() }; break;
      case (3 << 3) | WireType.VARINT: value = { type: 'int', value: r.int64() }; break;
      case (4 << 3) | WireType.I64: value = { type: 'double', value: r.double() }; break;
      case (5 << 3) | WireType.LEN: value = { type: 'array', value: readArray(r, depth) }; break;
      case (6 << 3) | WireType.LEN: value = { type: 'kvlist', value: readKvList(r, depth) }; break;
      case (7 << 3) | WireType.LEN: value = { type: 'bytes', value: r.bytes() }; break;
      default: checkOrSkip(r, t, ANY_VALUE_FIELDS);
    }
  }
  return value;
}

function readArray(r: ProtoReader, depth: number): AnyValue[] {
  if (depth >= MAX_DEPTH) malformed('attribute values nested too deeply');
  const outer = enter(r);
  const values: AnyValue[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t === ((1 << 3) | WireType.LEN)) values.push(readAnyValue(r, depth + 1));
    else checkOrSkip(r, t, VALUES_FIELDS);
  }
  r.end = outer;
  return values;
}

function readKvList(r: ProtoReader, depth: number): KeyValue[] {
  const outer = enter(r);
  const values: KeyValue[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t === ((1 << 3) | WireType.LEN)) readAttribute(r, values, depth + 1);
    else checkOrSkip(r, t, VALUES_FIELDS);
  }
  r.end = outer;
  return values;
}
