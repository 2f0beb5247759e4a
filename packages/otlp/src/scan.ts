// The ingest scanner: walks an ExportTraceServiceRequest without building model objects and
// returns typed-array columns (span byte ranges, id offsets, times, resource/scope ranges) that
// the ingester indexes and later copies slices from (see assemble.ts). It validates everything
// the full decoder would reject, plus the ids, so a scanned buffer always decodes.
// Design note: docs/design/2026-11 OTLP decoding.md.
import { OTLP_ERR_BAD_SPAN_ID, OTLP_ERR_BAD_TRACE_ID, PathError, malformed, rethrowAt, toNamedError } from './errors.ts';
import type { ErrorFactory } from '@spanbase/model';
import {
  ANY_VALUE_FIELDS, checkOrSkip, EVENT_FIELDS, fieldPath, KEY_VALUE_FIELDS, LINK_FIELDS, REQUEST_FIELDS, RESOURCE_FIELDS, RESOURCE_SPANS_FIELDS,
  SCOPE_FIELDS, SCOPE_SPANS_FIELDS, SPAN_FIELDS, STATUS_FIELDS, VALUES_FIELDS,
} from './fields.ts';
import type { Fields } from './fields.ts';
import { decodeExportRequest } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { MAX_DEPTH, ProtoReader, WireType } from './proto-reader.ts';
import { truncateAttributes } from './truncate.ts';

/** Columns describing one scanned request; every offset points into `bytes`. */
export interface ScannedRequest {
  /** The buffer every offset refers to: the input, or a rewritten copy after truncation. */
  bytes: Uint8Array;
  /** Number of spans. */
  spanCount: number;
  /** Offset of each Span message body. */
  spanOffset: Uint32Array;
  /** Length of each Span message body. */
  spanLength: Uint32Array;
  /** Offset of each span's 16-byte trace id. */
  traceIdOffset: Uint32Array;
  /** Offset of each span's 8-byte span id. */
  spanIdOffset: Uint32Array;
  /** Start time, unix nanoseconds as a double (rounded above 2^53: fine for time bounds). */
  startTimeUnixNano: Float64Array;
  /** End time, unix nanoseconds as a double. */
  endTimeUnixNano: Float64Array;
  /** Index into the scope columns of each span's ScopeSpans. */
  spanScope: Uint32Array;
  /** Number of ScopeSpans. */
  scopeCount: number;
  /** Index into the resource columns of each scope's ResourceSpans. */
  scopeResource: Uint32Array;
  /** Offset of each InstrumentationScope message body, -1 when absent. */
  scopeMsgOffset: Int32Array;
  /** Length of each InstrumentationScope message body, -1 when absent. */
  scopeMsgLength: Int32Array;
  /** Offset of each ScopeSpans schema URL, -1 when absent. */
  scopeSchemaUrlOffset: Int32Array;
  /** Length of each ScopeSpans schema URL, -1 when absent. */
  scopeSchemaUrlLength: Int32Array;
  /** Number of ResourceSpans. */
  resourceCount: number;
  /** Offset of each Resource message body, -1 when absent. */
  resourceMsgOffset: Int32Array;
  /** Length of each Resource message body, -1 when absent. */
  resourceMsgLength: Int32Array;
  /** Offset of each ResourceSpans schema URL, -1 when absent. */
  resourceSchemaUrlOffset: Int32Array;
  /** Length of each ResourceSpans schema URL, -1 when absent. */
  resourceSchemaUrlLength: Int32Array;
  /** How many attribute keys and string values were truncated. */
  truncatedAttributes: number;
}

/** Options for `scanExportRequest`. */
export interface ScanOptions {
  /** Longest attribute key or string value in UTF-8 bytes; longer ones are truncated. 0 or absent: no limit. */
  maxAttributeBytes?: number;
}

/**
 * Scans and validates an OTLP ExportTraceServiceRequest. Throws OTLP_ERR_MALFORMED,
 * OTLP_ERR_BAD_TRACE_ID or OTLP_ERR_BAD_SPAN_ID (400) with the offending field path. When
 * attributes need truncating, decodes, truncates and re-encodes (the slow path) and returns
 * columns over the rewritten buffer.
 */
export function scanExportRequest(bytes: Uint8Array, options: ScanOptions = {}): ScannedRequest {
  const max = options.maxAttributeBytes ?? 0;
  const scanner = new Scanner(bytes, max > 0 ? max : Infinity);
  try {
    scanner.run();
  } catch (e) {
    throw toNamedError(e);
  }
  if (!scanner.tooLong) return scanner.result(0);
  const { data, truncated } = truncateAttributes(decodeExportRequest(bytes), max);
  const rewritten = new Scanner(encodeTracesData(data), max);
  try {
    rewritten.run();
  } catch (e) {
    throw toNamedError(e);
  }
  return rewritten.result(truncated);
}

const LEN = WireType.LEN;
const VARINT = WireType.VARINT;

class Scanner {
  /** True once a key or string value longer than the limit was seen. */
  tooLong = false;
  private readonly r: ProtoReader;
  private readonly max: number;
  private spanCount = 0;
  private spanCap: number;
  private spanOffset: Uint32Array;
  private spanLength: Uint32Array;
  private traceIdOffset: Uint32Array;
  private spanIdOffset: Uint32Array;
  private startTime: Float64Array;
  private endTime: Float64Array;
  private spanScope: Uint32Array;
  private readonly resources = new Level(RESOURCE_SPANS_FIELDS, RESOURCE_FIELDS);
  private readonly scopes = new Level(SCOPE_SPANS_FIELDS, SCOPE_FIELDS);

  constructor(bytes: Uint8Array, max: number) {
    this.r = new ProtoReader(bytes);
    this.max = max;
    // A span with a dozen attributes is a few hundred bytes; start there and double as needed.
    const cap = Math.max(16, Math.min(1 << 16, bytes.length >>> 8));
    this.spanCap = cap;
    this.spanOffset = new Uint32Array(cap);
    this.spanLength = new Uint32Array(cap);
    this.traceIdOffset = new Uint32Array(cap);
    this.spanIdOffset = new Uint32Array(cap);
    this.startTime = new Float64Array(cap);
    this.endTime = new Float64Array(cap);
    this.spanScope = new Uint32Array(cap);
  }

  run(): void {
    const r = this.r;
    let index = 0;
    while (r.pos < r.end) {
      const t = r.tag();
      if (t !== ((1 << 3) | LEN)) {
        checkOrSkip(r, t, REQUEST_FIELDS);
        continue;
      }
      try {
        this.container(this.resources, 0);
      } catch (e) {
        rethrowAt(e, `resource_spans[${index}]`);
      }
      index++;
    }
  }

  /** Walks a ResourceSpans or ScopeSpans: header message (1), children (2), schema URL (3). */
  private container(level: Level, parent: number): void {
    const r = this.r;
    const outer = enter(r);
    const i = level.add(parent);
    let child = 0;
    while (r.pos < r.end) {
      const t = r.tag();
      switch (t) {
        case (1 << 3) | LEN: {
          const len = r.length();
          level.msgOffset[i] = r.pos;
          level.msgLength[i] = len;
          try {
            this.flat(r.pos + len, level.headFields);
          } catch (e) {
            rethrowAt(e, level.fields[1]![0]);
          }
          break;
        }
        case (2 << 3) | LEN:
          try {
            if (level === this.resources) this.container(this.scopes, i);
            else this.span(i);
          } catch (e) {
            rethrowAt(e, `${level.fields[2]![0]}[${child}]`);
          }
          child++;
          break;
        case (3 << 3) | LEN: {
          const len = r.length();
          level.urlOffset[i] = r.pos;
          level.urlLength[i] = len;
          r.pos += len;
          break;
        }
        default:
          checkOrSkip(r, t, level.fields);
      }
    }
    r.end = outer;
  }

  /**
   * Walks a message whose only nested content is attributes (Resource, InstrumentationScope,
   * Event, Link, Status) from the reader's position to `end`: checks wire types, walks the
   * attributes, skips the rest.
   */
  private flat(end: number, fields: Fields): void {
    const r = this.r;
    const outer = r.end;
    r.end = end;
    let field = 0;
    let attr = -1;
    let attrs = 0;
    try {
      while (r.pos < end) {
        field = 0;
        attr = -1;
        const t = r.tag();
        field = t >>> 3;
        const f = fields[field];
        if (f === undefined || (t & 7) !== f[1]) checkOrSkip(r, t, fields);
        else if (f[0] === 'attributes') {
          attr = attrs++;
          this.keyValue(0);
        } else r.skip(t);
      }
    } catch (e) {
      rethrowAt(e, fieldPath(fields, field, attr));
    }
    r.end = outer;
  }

  /** Walks the length-delimited flat message at the reader's position. */
  private nested(fields: Fields): void {
    const len = this.r.length();
    this.flat(this.r.pos + len, fields);
  }

  private span(si: number): void {
    const r = this.r;
    const outer = enter(r);
    const k = this.spanCount++;
    if (k === this.spanCap) this.growSpans();
    const body = r.pos;
    this.spanOffset[k] = body;
    this.spanLength[k] = r.end - body;
    this.spanScope[k] = si;
    let traceIdAt = 0;
    let traceIdLen = 0;
    let spanIdAt = 0;
    let spanIdLen = 0;
    let parentLen = 0;
    let start = 0;
    let end = 0;
    let field = 0;
    let index = -1;
    try {
      while (r.pos < r.end) {
        field = 0;
        index = -1;
        const t = r.tag();
        field = t >>> 3;
        switch (t) {
          case (1 << 3) | LEN: traceIdLen = r.length(); traceIdAt = r.pos; r.pos += traceIdLen; break;
          case (2 << 3) | LEN: spanIdLen = r.length(); spanIdAt = r.pos; r.pos += spanIdLen; break;
          case (4 << 3) | LEN: parentLen = r.length(); r.pos += parentLen; break;
          case (3 << 3) | LEN: case (5 << 3) | LEN: r.skipBytes(); break;
          case (7 << 3) | WireType.I64: start = r.fixed64Number(); break;
          case (8 << 3) | WireType.I64: end = r.fixed64Number(); break;
          case (9 << 3) | LEN: index = this.attrIndex++; this.keyValue(0); break;
          case (11 << 3) | LEN: index = this.eventIndex++; this.nested(EVENT_FIELDS); break;
          case (13 << 3) | LEN: index = this.linkIndex++; this.nested(LINK_FIELDS); break;
          case (15 << 3) | LEN: this.nested(STATUS_FIELDS); break;
          case (6 << 3) | VARINT: case (10 << 3) | VARINT: case (12 << 3) | VARINT: case (14 << 3) | VARINT: r.varint64(); break;
          case (16 << 3) | WireType.I32: r.need(4); r.pos += 4; break;
          default: checkOrSkip(r, t, SPAN_FIELDS);
        }
      }
      field = 0;
      index = -1;
      checkId(OTLP_ERR_BAD_TRACE_ID, 'trace_id', r.buf, traceIdAt, traceIdLen, 16);
      checkId(OTLP_ERR_BAD_SPAN_ID, 'span_id', r.buf, spanIdAt, spanIdLen, 8);
      // Eight zero bytes are accepted: SDKs send the invalid span id for "no parent", and the
      // OpenTelemetry Collector (in front of Tempo) reads them as a root span, as we do.
      if (parentLen !== 0 && parentLen !== 8) idError(OTLP_ERR_BAD_SPAN_ID, 'parent_span_id', `must be empty or 8 bytes, got ${parentLen}`);
    } catch (e) {
      this.attrIndex = this.eventIndex = this.linkIndex = 0;
      rethrowAt(e, fieldPath(SPAN_FIELDS, field, index));
    }
    this.attrIndex = this.eventIndex = this.linkIndex = 0;
    this.traceIdOffset[k] = traceIdAt;
    this.spanIdOffset[k] = spanIdAt;
    this.startTime[k] = start;
    this.endTime[k] = end;
    r.end = outer;
  }

  // Per-span counters for error paths (attributes[i], events[i], links[i]).
  private attrIndex = 0;
  private eventIndex = 0;
  private linkIndex = 0;

  /** Walks a KeyValue message, noting keys and string values over the limit. */
  private keyValue(depth: number): void {
    if (depth >= MAX_DEPTH) malformed('attribute values nested too deeply');
    const r = this.r;
    const outer = enter(r);
    while (r.pos < r.end) {
      const t = r.tag();
      if (t === ((1 << 3) | LEN)) {
        const len = r.length();
        if (len > this.max) this.tooLong = true;
        r.pos += len;
      } else if (t === ((2 << 3) | LEN)) this.anyValue(depth + 1);
      else checkOrSkip(r, t, KEY_VALUE_FIELDS);
    }
    r.end = outer;
  }

  private anyValue(depth: number): void {
    const r = this.r;
    const outer = enter(r);
    while (r.pos < r.end) {
      const t = r.tag();
      switch (t) {
        case (1 << 3) | LEN: {
          const len = r.length();
          if (len > this.max) this.tooLong = true;
          r.pos += len;
          break;
        }
        case (2 << 3) | VARINT: case (3 << 3) | VARINT: r.varint64(); break;
        case (4 << 3) | WireType.I64: r.need(8); r.pos += 8; break;
        case (5 << 3) | LEN: this.list(depth, false); break;
        case (6 << 3) | LEN: this.list(depth, true); break;
        case (7 << 3) | LEN: r.skipBytes(); break;
        default: checkOrSkip(r, t, ANY_VALUE_FIELDS);
      }
    }
    r.end = outer;
  }

  /** Walks an ArrayValue (values are AnyValue) or a KeyValueList (values are KeyValue). */
  private list(depth: number, kv: boolean): void {
    if (depth >= MAX_DEPTH) malformed('attribute values nested too deeply');
    const r = this.r;
    const outer = enter(r);
    while (r.pos < r.end) {
      const t = r.tag();
      if (t !== ((1 << 3) | LEN)) checkOrSkip(r, t, VALUES_FIELDS);
      else if (kv) this.keyValue(depth + 1);
      else this.anyValue(depth + 1);
    }
    r.end = outer;
  }

  private growSpans(): void {
    const cap = this.spanCap * 2;
    this.spanCap = cap;
    this.spanOffset = grow(this.spanOffset, cap);
    this.spanLength = grow(this.spanLength, cap);
    this.traceIdOffset = grow(this.traceIdOffset, cap);
    this.spanIdOffset = grow(this.spanIdOffset, cap);
    this.startTime = grow(this.startTime, cap);
    this.endTime = grow(this.endTime, cap);
    this.spanScope = grow(this.spanScope, cap);
  }

  result(truncatedAttributes: number): ScannedRequest {
    const n = this.spanCount;
    const s = this.scopes.count;
    const rc = this.resources.count;
    return {
      bytes: this.r.buf,
      spanCount: n,
      spanOffset: this.spanOffset.subarray(0, n),
      spanLength: this.spanLength.subarray(0, n),
      traceIdOffset: this.traceIdOffset.subarray(0, n),
      spanIdOffset: this.spanIdOffset.subarray(0, n),
      startTimeUnixNano: this.startTime.subarray(0, n),
      endTimeUnixNano: this.endTime.subarray(0, n),
      spanScope: this.spanScope.subarray(0, n),
      scopeCount: s,
      scopeResource: this.scopes.parent.subarray(0, s),
      scopeMsgOffset: this.scopes.msgOffset.subarray(0, s),
      scopeMsgLength: this.scopes.msgLength.subarray(0, s),
      scopeSchemaUrlOffset: this.scopes.urlOffset.subarray(0, s),
      scopeSchemaUrlLength: this.scopes.urlLength.subarray(0, s),
      resourceCount: rc,
      resourceMsgOffset: this.resources.msgOffset.subarray(0, rc),
      resourceMsgLength: this.resources.msgLength.subarray(0, rc),
      resourceSchemaUrlOffset: this.resources.urlOffset.subarray(0, rc),
      resourceSchemaUrlLength: this.resources.urlLength.subarray(0, rc),
      truncatedAttributes,
    };
  }
}

/** Columns of one container level: ResourceSpans or ScopeSpans. */
class Level {
  count = 0;
  /** Index of the enclosing ResourceSpans (scopes only). */
  parent = new Uint32Array(16);
  /** Header message (Resource / InstrumentationScope) body offset; -1 when absent. */
  msgOffset = new Int32Array(16);
  /** Header message body length; -1 when absent. */
  msgLength = new Int32Array(16);
  /** Schema URL offset; -1 when absent. */
  urlOffset = new Int32Array(16);
  /** Schema URL length; -1 when absent. */
  urlLength = new Int32Array(16);
  readonly fields: Fields;
  readonly headFields: Fields;

  constructor(fields: Fields, headFields: Fields) {
    this.fields = fields;
    this.headFields = headFields;
  }

  /** Opens a new entry under `parent` and returns its index. */
  add(parent: number): number {
    const i = this.count++;
    if (i === this.parent.length) {
      this.parent = grow(this.parent, 2 * i);
      this.msgOffset = grow(this.msgOffset, 2 * i);
      this.msgLength = grow(this.msgLength, 2 * i);
      this.urlOffset = grow(this.urlOffset, 2 * i);
      this.urlLength = grow(this.urlLength, 2 * i);
    }
    this.parent[i] = parent;
    this.msgOffset[i] = this.msgLength[i] = this.urlOffset[i] = this.urlLength[i] = -1;
    return i;
  }
}

function grow<T extends Uint32Array | Int32Array | Float64Array>(a: T, cap: number): T {
  const next = new (a.constructor as new (n: number) => T)(cap);
  next.set(a);
  return next;
}

function enter(r: ProtoReader): number {
  const outer = r.end;
  const len = r.length(); // before reading r.pos: the prefix moves it
  r.end = r.pos + len;
  return outer;
}

function checkId(factory: ErrorFactory, name: string, buf: Uint8Array, at: number, len: number, want: number): void {
  if (len !== want) idError(factory, name, `must be ${want} bytes, got ${len}`);
  for (let i = at; i < at + len; i++) if (buf[i] !== 0) return;
  idError(factory, name, 'is all zero');
}

function idError(factory: ErrorFactory, name: string, reason: string): never {
  const err = new PathError(factory, reason);
  err.path.push(name);
  throw err;
}
