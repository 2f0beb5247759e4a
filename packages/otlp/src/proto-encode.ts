// Span model → TracesData protobuf, the inverse of proto-decode.ts. The same bytes are an OTLP
// ExportTraceServiceRequest and Tempo's `tempopb.Trace` (protobuf trace-by-id responses).
// Fields at their zero value are left out, as proto3 encoders do; presence that the model keeps
// (an absent resource or scope) is kept on the wire.
import type { AnyValue, KeyValue, Resource, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, SpanLink, TracesData } from '@spanbase/model';
import { WireType } from './proto-reader.ts';
import { ProtoWriter } from './proto-writer.ts';

const LEN = WireType.LEN;
const VARINT = WireType.VARINT;
const I64 = WireType.I64;
const I32 = WireType.I32;

/** Encodes spans as TracesData / ExportTraceServiceRequest protobuf. */
export function encodeTracesData(data: TracesData): Uint8Array {
  const w = new ProtoWriter(4096);
  for (const rs of data.resourceSpans) {
    w.tag(1, LEN);
    writeResourceSpans(w, rs);
  }
  return compact(w.result());
}

/** A copy when the view wastes much of its buffer, so long-lived results do not pin it. */
function compact(view: Uint8Array): Uint8Array {
  return view.byteLength < view.buffer.byteLength * 0.75 ? view.slice() : view;
}

/** ResourceSpans and ScopeSpans share one shape: a header message (1), children (2), a schema URL (3). */
function writeContainer<H, C>(w: ProtoWriter, head: H | undefined, writeHead: (w: ProtoWriter, h: H) => void, children: readonly C[], writeChild: (w: ProtoWriter, c: C) => void, schemaUrl: string): void {
  const mark = w.begin();
  if (head !== undefined) {
    w.tag(1, LEN);
    const m = w.begin();
    writeHead(w, head);
    w.finish(m);
  }
  for (const child of children) {
    w.tag(2, LEN);
    writeChild(w, child);
  }
  stringField(w, 3, schemaUrl);
  w.finish(mark);
}

function writeResourceSpans(w: ProtoWriter, rs: ResourceSpans): void {
  writeContainer(w, rs.resource, writeResourceBody, rs.scopeSpans, writeScopeSpans, rs.schemaUrl);
}

function writeScopeSpans(w: ProtoWriter, ss: ScopeSpans): void {
  writeContainer(w, ss.scope, writeScopeBody, ss.spans, writeSpan, ss.schemaUrl);
}

function writeResourceBody(w: ProtoWriter, resource: Resource): void {
  writeAttributes(w, 1, resource.attributes);
  uint32Field(w, 2, resource.droppedAttributesCount);
}

function writeScopeBody(w: ProtoWriter, scope: Scope): void {
  stringField(w, 1, scope.name);
  stringField(w, 2, scope.version);
  writeAttributes(w, 3, scope.attributes);
  uint32Field(w, 4, scope.droppedAttributesCount);
}

function writeSpan(w: ProtoWriter, s: Span): void {
  const mark = w.begin();
  bytesField(w, 1, s.traceId);
  bytesField(w, 2, s.spanId);
  stringField(w, 3, s.traceState);
  bytesField(w, 4, s.parentSpanId);
  stringField(w, 5, s.name);
  if (s.kind !== 0) {
    w.tag(6, VARINT);
    w.int32(s.kind);
  }
  if (s.startTimeUnixNano !== 0n) {
    w.tag(7, I64);
    w.fixed64(s.startTimeUnixNano);
  }
  if (s.endTimeUnixNano !== 0n) {
    w.tag(8, I64);
    w.fixed64(s.endTimeUnixNano);
  }
  writeAttributes(w, 9, s.attributes);
  uint32Field(w, 10, s.droppedAttributesCount);
  for (const e of s.events) {
    w.tag(11, LEN);
    writeEvent(w, e);
  }
  uint32Field(w, 12, s.droppedEventsCount);
  for (const l of s.links) {
    w.tag(13, LEN);
    writeLink(w, l);
  }
  uint32Field(w, 14, s.droppedLinksCount);
  // Status is always written (OTel SDKs do too), so an UNSET status round-trips as present.
  w.tag(15, LEN);
  const sm = w.begin();
  stringField(w, 2, s.status.message);
  if (s.status.code !== 0) {
    w.tag(3, VARINT);
    w.int32(s.status.code);
  }
  w.finish(sm);
  if (s.flags !== 0) {
    w.tag(16, I32);
    w.fixed32(s.flags);
  }
  w.finish(mark);
}

function writeEvent(w: ProtoWriter, e: SpanEvent): void {
  const mark = w.begin();
  if (e.timeUnixNano !== 0n) {
    w.tag(1, I64);
    w.fixed64(e.timeUnixNano);
  }
  stringField(w, 2, e.name);
  writeAttributes(w, 3, e.attributes);
  uint32Field(w, 4, e.droppedAttributesCount);
  w.finish(mark);
}

function writeLink(w: ProtoWriter, l: SpanLink): void {
  const mark = w.begin();
  bytesField(w, 1, l.traceId);
  bytesField(w, 2, l.spanId);
  stringField(w, 3, l.traceState);
  writeAttributes(w, 4, l.attributes);
  uint32Field(w, 5, l.droppedAttributesCount);
  if (l.flags !== 0) {
    w.tag(6, I32);
    w.fixed32(l.flags);
  }
  w.finish(mark);
}

function bytesField(w: ProtoWriter, field: number, value: Uint8Array): void {
  if (value.length === 0) return;
  w.tag(field, LEN);
  w.bytes(value);
}

function stringField(w: ProtoWriter, field: number, value: string): void {
  if (value === '') return;
  w.tag(field, LEN);
  w.string(value);
}

function uint32Field(w: ProtoWriter, field: number, value: number): void {
  if (value === 0) return;
  w.tag(field, VARINT);
  w.uint32(value);
}

/** Writes each attribute as a KeyValue message in field `field`. */
function writeAttributes(w: ProtoWriter, field: number, attributes: readonly KeyValue[]): void {
  for (let i = 0; i < attributes.length; i++) {
    w.tag(field, LEN);
    writeKeyValue(w, attributes[i]);
  }
}

function writeKeyValue(w: ProtoWriter, kv: KeyValue): void {
  const mark = w.begin();
  stringField(w, 1, kv.key);
  w.tag(2, LEN);
  writeAnyValue(w, kv.value);
  w.finish(mark);
}

function writeAnyValue(w: ProtoWriter, v: AnyValue): void {
  const mark = w.begin();
  // Oneof members are written even at their zero value: that is what marks which one is set.
  switch (v.type) {
    case 'string':
      w.tag(1, LEN);
      w.string(v.value);
      break;
    case 'bool':
      w.tag(2, VARINT);
      w.bool(v.value);
      break;
    case 'int':
      w.tag(3, VARINT);
      w.int64(v.value);
      break;
    case 'double':
      w.tag(4, I64);
      w.double(v.value);
      break;
    case 'array':
      w.tag(5, LEN);
      {
        const m = w.begin();
        for (const item of v.value) {
          w.tag(1, LEN);
          writeAnyValue(w, item);
        }
        w.finish(m);
      }
      break;
    case 'kvlist':
      w.tag(6, LEN);
      {
        const m = w.begin();
        writeAttributes(w, 1, v.value);
        w.finish(m);
      }
      break;
    case 'bytes':
      w.tag(7, LEN);
      w.bytes(v.value);
      break;
    case 'empty':
      break;
    default: {
      const never: never = v;
      return never;
    }
  }
  w.finish(mark);
}
