// Locates the fields of a Span message body without building model objects: offsets of byte
// fields, numbers as numbers (64-bit values as 32-bit halves), and a cursor over the attributes.
// For writers that copy span bytes straight into columns (the block writer's ingest path); the
// semantics are exactly proto-decode.ts's (the last occurrence of a scalar field wins, a status
// replaces an earlier one, an AnyValue takes its last member), so both paths store the same data.
// Input must be a body `scanExportRequest` accepted; a malformed one throws OTLP_ERR_MALFORMED.
import { toNamedError } from './errors.ts';
import { ProtoReader, WireType } from './proto-reader.ts';

const LEN = WireType.LEN;
const VARINT = WireType.VARINT;

/**
 * One reader per buffer, kept: a trace's spans come from several requests in turn, and a reader
 * (with its DataView) per span showed in profiles. Bounded; callers use one per object.
 */
class Readers {
  private readonly byBuffer = new Map<Uint8Array, ProtoReader>();

  get(bytes: Uint8Array): ProtoReader {
    let r = this.byBuffer.get(bytes);
    if (r === undefined) {
      if (this.byBuffer.size >= 1024) this.byBuffer.clear();
      this.byBuffer.set(bytes, (r = new ProtoReader(bytes)));
    }
    return r;
  }
}

/** The fields of one Span body, as offsets into its buffer (-1 when absent) and numbers. */
export class SpanFields {
  /** Offset and length of `trace_id` (-1 / 0 when absent). */
  traceId = -1;
  traceIdLength = 0;
  /** `span_id`. */
  spanId = -1;
  spanIdLength = 0;
  /** `parent_span_id`. */
  parentSpanId = -1;
  parentSpanIdLength = 0;
  /** `trace_state` (UTF-8). */
  traceState = -1;
  traceStateLength = 0;
  /** `name` (UTF-8). */
  name = -1;
  nameLength = 0;
  /** `kind` as int32. */
  kind = 0;
  /** `start_time_unix_nano` as unsigned 32-bit halves. */
  startLo = 0;
  startHi = 0;
  /** `end_time_unix_nano` as unsigned 32-bit halves. */
  endLo = 0;
  endHi = 0;
  /** `dropped_attributes_count`, `dropped_events_count`, `dropped_links_count` (uint32). */
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  /** `flags` (fixed32, unsigned). */
  flags = 0;
  /** `status.code` as int32. */
  statusCode = 0;
  /** `status.message` (UTF-8). */
  statusMessage = -1;
  statusMessageLength = 0;
  /** How many `attributes`, `events` and `links` entries the body has. */
  attributes = 0;
  events = 0;
  links = 0;
  private readonly readers = new Readers();

  /** Reads the Span body bytes[offset, offset + length). */
  read(bytes: Uint8Array, offset: number, length: number): void {
    const r = this.readers.get(bytes);
    r.pos = offset;
    r.end = offset + length;
    this.traceId = this.spanId = this.parentSpanId = this.traceState = this.name = this.statusMessage = -1;
    this.traceIdLength = this.spanIdLength = this.parentSpanIdLength = this.traceStateLength = this.nameLength = this.statusMessageLength = 0;
    this.kind = this.startLo = this.startHi = this.endLo = this.endHi = 0;
    this.droppedAttributesCount = this.droppedEventsCount = this.droppedLinksCount = this.flags = 0;
    this.statusCode = this.attributes = this.events = this.links = 0;
    try {
      while (r.pos < r.end) {
        const t = r.tag();
        switch (t) {
          case (1 << 3) | LEN: this.traceIdLength = r.length(); this.traceId = skip(r, this.traceIdLength); break;
          case (2 << 3) | LEN: this.spanIdLength = r.length(); this.spanId = skip(r, this.spanIdLength); break;
          case (3 << 3) | LEN: this.traceStateLength = r.length(); this.traceState = skip(r, this.traceStateLength); break;
          case (4 << 3) | LEN: this.parentSpanIdLength = r.length(); this.parentSpanId = skip(r, this.parentSpanIdLength); break;
          case (5 << 3) | LEN: this.nameLength = r.length(); this.name = skip(r, this.nameLength); break;
          case (6 << 3) | VARINT: this.kind = r.int32(); break;
          case (7 << 3) | WireType.I64: r.need(8); this.startLo = u32(bytes, r.pos); this.startHi = u32(bytes, r.pos + 4); r.pos += 8; break;
          case (8 << 3) | WireType.I64: r.need(8); this.endLo = u32(bytes, r.pos); this.endHi = u32(bytes, r.pos + 4); r.pos += 8; break;
          case (9 << 3) | LEN: this.attributes++; r.skipBytes(); break;
          case (10 << 3) | VARINT: this.droppedAttributesCount = r.uint32(); break;
          case (11 << 3) | LEN: this.events++; r.skipBytes(); break;
          case (12 << 3) | VARINT: this.droppedEventsCount = r.uint32(); break;
          case (13 << 3) | LEN: this.links++; r.skipBytes(); break;
          case (14 << 3) | VARINT: this.droppedLinksCount = r.uint32(); break;
          case (15 << 3) | LEN: this.readStatus(r); break;
          case (16 << 3) | WireType.I32: this.flags = r.fixed32(); break;
          default: r.skip(t);
        }
      }
    } catch (e) {
      throw toNamedError(e);
    }
  }

  private readStatus(r: ProtoReader): void {
    const len = r.length();
    const outer = r.end;
    r.end = r.pos + len;
    this.statusCode = 0;
    this.statusMessage = -1;
    this.statusMessageLength = 0;
    while (r.pos < r.end) {
      const t = r.tag();
      if (t === ((2 << 3) | LEN)) {
        this.statusMessageLength = r.length();
        this.statusMessage = skip(r, this.statusMessageLength);
      } else if (t === ((3 << 3) | VARINT)) this.statusCode = r.int32();
      else r.skip(t);
    }
    r.end = outer;
  }
}

function skip(r: ProtoReader, len: number): number {
  const at = r.pos;
  r.pos = at + len;
  return at;
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** AnyValue member types by field number (0: no member set, an empty value). */
export const VALUE_TYPES = ['empty', 'string', 'bool', 'int', 'double', 'array', 'kvlist', 'bytes'] as const;

/** Walks the `attributes` of a Span body: key and value of one KeyValue at a time. */
export class AttributeCursor {
  /** Offset and length of the key (UTF-8). */
  key = 0;
  keyLength = 0;
  /** Field number of the value's member (index into {@link VALUE_TYPES}; 0 for an empty value). */
  type = 0;
  /** string / bytes / array / kvlist: offset and length of the member's bytes. */
  value = 0;
  valueLength = 0;
  /** The AnyValue body (for decoding nested values), offset and length; length 0 when absent. */
  anyValue = 0;
  anyValueLength = 0;
  /** int: the varint's low and high 32 bits (two's complement); bool: lo !== 0. */
  lo = 0;
  hi = 0;
  /** double: the value. */
  double = 0;
  private readonly readers = new Readers();
  private r: ProtoReader | undefined;
  private end = 0;

  /** Starts on the Span body bytes[offset, offset + length). */
  start(bytes: Uint8Array, offset: number, length: number): void {
    const r = (this.r = this.readers.get(bytes));
    r.pos = offset;
    r.end = this.end = offset + length;
  }

  /** Moves to the next attribute; false when there is none. */
  next(): boolean {
    const r = this.r!;
    try {
      while (r.pos < this.end) {
        const t = r.tag();
        if (t !== ((9 << 3) | LEN)) {
          r.skip(t);
          continue;
        }
        const len = r.length();
        const kvEnd = r.pos + len;
        this.key = r.pos;
        this.keyLength = 0;
        this.type = 0;
        this.anyValue = this.anyValueLength = 0;
        r.end = kvEnd;
        while (r.pos < kvEnd) {
          const k = r.tag();
          if (k === ((1 << 3) | LEN)) {
            this.keyLength = r.length();
            this.key = skip(r, this.keyLength);
          } else if (k === ((2 << 3) | LEN)) this.readValue(r);
          else r.skip(k);
        }
        r.end = this.end;
        return true;
      }
      return false;
    } catch (e) {
      throw toNamedError(e);
    }
  }

  private readValue(r: ProtoReader): void {
    const len = r.length();
    const outer = r.end;
    r.end = r.pos + len;
    this.anyValue = r.pos;
    this.anyValueLength = len;
    // A oneof: when several members are on the wire, the last one wins.
    this.type = 0;
    while (r.pos < r.end) {
      const t = r.tag();
      const field = t >>> 3;
      switch (t) {
        case (1 << 3) | LEN: case (5 << 3) | LEN: case (6 << 3) | LEN: case (7 << 3) | LEN:
          this.type = field;
          this.valueLength = r.length();
          this.value = skip(r, this.valueLength);
          break;
        case (2 << 3) | VARINT: case (3 << 3) | VARINT:
          this.type = field;
          r.varint64();
          this.lo = r.lo;
          this.hi = r.hi;
          break;
        case (4 << 3) | WireType.I64:
          this.type = 4;
          this.double = r.double();
          break;
        default:
          r.skip(t);
      }
    }
    r.end = outer;
  }
}
