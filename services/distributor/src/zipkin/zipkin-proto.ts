// Zipkin proto3 (`zipkin.proto3.ListOfSpans`, what zipkin-reporter sends as
// application/x-protobuf) → decoded spans. The messages and field numbers Zipkin defines:
//   ListOfSpans { repeated Span spans = 1; }
//   Span        { bytes trace_id = 1; bytes parent_id = 2; bytes id = 3; Kind kind = 4;
//                 string name = 5; fixed64 timestamp = 6; uint64 duration = 7;
//                 Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9;
//                 repeated Annotation annotations = 10; map<string,string> tags = 11;
//                 bool debug = 12; bool shared = 13; }
//   Kind        { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
//   Endpoint    { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
//   Annotation  { fixed64 timestamp = 1; string value = 2; }
// Unknown fields are skipped, as proto3 asks.
import { ProtoReader, WireType } from '@spanbase/otlp';
import { isSpanbaseError } from '@spanbase/model';
import { ZipkinMalformed } from '../errors.ts';
import { ipv4Text, ipv6Text, padBinaryId } from './zipkin-ids.ts';
import type { ZipkinAnnotation, ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './zipkin-span.ts';

const KINDS: readonly (ZipkinKind | undefined)[] = [undefined, 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

const tagOf = (field: number, wire: number) => (field << 3) | wire;

/** Runs `read` over the length-delimited submessage at the reader's position. */
function sub<T>(r: ProtoReader, read: (r: ProtoReader) => T): T {
  const len = r.length();
  const end = r.end;
  r.end = r.pos + len;
  try {
    return read(r);
  } finally {
    r.pos = r.end;
    r.end = end;
  }
}

function endpoint(r: ProtoReader): ZipkinEndpoint {
  const e: ZipkinEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case tagOf(1, WireType.LEN): e.serviceName = r.string(); break;
      case tagOf(2, WireType.LEN): e.ipv4 = ipv4Text(r.bytes()); break;
      case tagOf(3, WireType.LEN): e.ipv6 = ipv6Text(r.bytes()); break;
      case tagOf(4, WireType.VARINT): e.port = r.int32() & 0xffff; break;
      default: r.skip(t);
    }
  }
  return e;
}

function annotation(r: ProtoReader): ZipkinAnnotation {
  const a: ZipkinAnnotation = { timestamp: 0n, value: '' };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case tagOf(1, WireType.I64): a.timestamp = r.fixed64(); break;
      case tagOf(2, WireType.LEN): a.value = r.string(); break;
      default: r.skip(t);
    }
  }
  return a;
}

function tagEntry(r: ProtoReader): [string, string] {
  let k = '';
  let v = '';
  while (r.pos < r.end) {
    const t = r.tag();
    if (t === tagOf(1, WireType.LEN)) k = r.string();
    else if (t === tagOf(2, WireType.LEN)) v = r.string();
    else r.skip(t);
  }
  return [k, v];
}

function span(r: ProtoReader, at: string): ZipkinSpan {
  let traceId: Uint8Array | undefined;
  let id: Uint8Array | undefined;
  let rawTrace: Uint8Array | undefined;
  let rawId: Uint8Array | undefined;
  const s: Omit<ZipkinSpan, 'traceId' | 'id'> = { parentId: undefined, kind: undefined, name: '', timestamp: undefined, duration: 0n, localEndpoint: undefined, remoteEndpoint: undefined, annotations: [], tags: [], debug: false, shared: false };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t) {
      case tagOf(1, WireType.LEN): rawTrace = r.bytes(); traceId = padBinaryId(rawTrace, 16); break;
      case tagOf(2, WireType.LEN): {
        const raw = r.bytes();
        if (raw.length === 0) break;
        s.parentId = padBinaryId(raw, 8);
        if (!s.parentId) throw ZipkinMalformed(`${at}.parent_id: invalid (${raw.length} bytes): expected 8 bytes, not all zero`);
        break;
      }
      case tagOf(3, WireType.LEN): rawId = r.bytes(); id = padBinaryId(rawId, 8); break;
      case tagOf(4, WireType.VARINT): s.kind = KINDS[r.int32()]; break;
      case tagOf(5, WireType.LEN): s.name = r.string(); break;
      case tagOf(6, WireType.I64): s.timestamp = r.fixed64() || undefined; break;
      case tagOf(7, WireType.VARINT): s.duration = r.int64() & 0xffffffffffffffffn; break;
      case tagOf(8, WireType.LEN): s.localEndpoint = sub(r, endpoint); break;
      case tagOf(9, WireType.LEN): s.remoteEndpoint = sub(r, endpoint); break;
      case tagOf(10, WireType.LEN): s.annotations.push(sub(r, annotation)); break;
      case tagOf(11, WireType.LEN): s.tags.push(sub(r, tagEntry)); break;
      case tagOf(12, WireType.VARINT): s.debug = r.bool(); break;
      case tagOf(13, WireType.VARINT): s.shared = r.bool(); break;
      default: r.skip(t);
    }
  }
  if (!traceId) throw ZipkinMalformed(`${at}.trace_id: ${rawTrace ? `invalid (${rawTrace.length} bytes)` : 'missing'}: expected 8 or 16 bytes, not all zero`);
  if (!id) throw ZipkinMalformed(`${at}.id: ${rawId ? `invalid (${rawId.length} bytes)` : 'missing'}: expected 8 bytes, not all zero`);
  return { traceId, id, ...s };
}

/** Decodes a Zipkin proto3 ListOfSpans body. */
export function decodeZipkinProto(body: Uint8Array): ZipkinSpan[] {
  const r = new ProtoReader(body);
  const spans: ZipkinSpan[] = [];
  try {
    while (r.pos < r.end) {
      const t = r.tag();
      if (t === tagOf(1, WireType.LEN)) spans.push(sub(r, (x) => span(x, `spans[${spans.length}]`)));
      else r.skip(t);
    }
  } catch (err) {
    if (isSpanbaseError(err)) throw err;
    throw ZipkinMalformed(`invalid Zipkin protobuf at spans[${spans.length}]: ${(err as Error).message}`, { cause: err });
  }
  return spans;
}
