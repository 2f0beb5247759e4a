// Helpers over the project's protobuf wire writer and reader (@spanbase/otlp) for the internal
// messages: nested messages, packed doubles (typed arrays copied as raw little-endian bytes, one
// memcpy rather than a value at a time) and a field loop that skips fields it does not know, so a
// peer one minor version ahead can add fields without breaking this one.
import { endianness } from 'node:os';
import { ProtoReader, ProtoWriter, WireType } from '@spanbase/otlp';
import { RpcMalformed } from '../errors.ts';

export { ProtoReader, ProtoWriter, WireType };

const LITTLE_ENDIAN = endianness() === 'LE';

/** Encodes one message. */
export function encodeMessage(write: (w: ProtoWriter) => void, initialSize = 256): Uint8Array {
  const w = new ProtoWriter(initialSize);
  write(w);
  return w.result().slice();
}

/** Decodes one message: `field` is called with each field's number and wire tag. */
export function decodeMessage<T>(bytes: Uint8Array, init: T, field: (r: ProtoReader, no: number, tag: number, into: T) => boolean): T {
  const r = new ProtoReader(bytes);
  fields(r, init, field);
  return init;
}

/** Reads fields up to the current end; unknown ones (`field` returns false) are skipped. */
export function fields<T>(r: ProtoReader, into: T, field: (r: ProtoReader, no: number, tag: number, into: T) => boolean): T {
  while (r.pos < r.end) {
    const tag = r.tag();
    if (!field(r, tag >>> 3, tag, into)) r.skip(tag);
  }
  return into;
}

/** Writes a nested message as field `no`. */
export function writeNested(w: ProtoWriter, no: number, write: (w: ProtoWriter) => void): void {
  w.tag(no, WireType.LEN);
  const mark = w.begin();
  write(w);
  w.finish(mark);
}

/** Reads a nested message (its tag just read) into `into`. */
export function readNested<T>(r: ProtoReader, into: T, field: (r: ProtoReader, no: number, tag: number, into: T) => boolean): T {
  const len = r.length();
  const end = r.pos + len;
  const outer = r.end;
  r.end = end;
  fields(r, into, field);
  r.end = outer;
  return into;
}

/** Writes a string field unless undefined (proto3 `optional`: an empty string is written). */
export function writeOptionalString(w: ProtoWriter, no: number, v: string | undefined): void {
  if (v === undefined) return;
  w.tag(no, WireType.LEN);
  w.string(v);
}

/** Writes a string field unless empty. */
export function writeString(w: ProtoWriter, no: number, v: string): void {
  if (v === '') return;
  w.tag(no, WireType.LEN);
  w.string(v);
}

/** Writes a bytes field unless empty. */
export function writeBytes(w: ProtoWriter, no: number, v: Uint8Array): void {
  if (v.byteLength === 0) return;
  w.tag(no, WireType.LEN);
  w.bytes(v);
}

/** Writes a uint32 field unless 0. */
export function writeUint(w: ProtoWriter, no: number, v: number): void {
  if (v === 0) return;
  w.tag(no, WireType.VARINT);
  w.uint32(v);
}

/** Writes an int64 field unless 0. */
export function writeInt64(w: ProtoWriter, no: number, v: bigint): void {
  if (v === 0n) return;
  w.tag(no, WireType.VARINT);
  w.int64(v);
}

/** Writes a double field unless 0 (NaN is written). */
export function writeDouble(w: ProtoWriter, no: number, v: number): void {
  if (v === 0 && !Object.is(v, -0)) return;
  w.tag(no, WireType.I64);
  w.double(v);
}

/** Writes a bool field unless false. */
export function writeBool(w: ProtoWriter, no: number, v: boolean): void {
  if (!v) return;
  w.tag(no, WireType.VARINT);
  w.bool(true);
}

/** Writes a `repeated double` (packed) field unless empty. */
export function writeDoubles(w: ProtoWriter, no: number, v: Float64Array): void {
  if (v.length === 0) return;
  w.tag(no, WireType.LEN);
  w.uint32(v.byteLength);
  if (LITTLE_ENDIAN) {
    w.raw(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    return;
  }
  for (const x of v) w.double(x);
}

/** Reads a packed `repeated double` field (its tag just read) into a fresh array. */
export function readDoubles(r: ProtoReader): Float64Array<ArrayBuffer> {
  const len = r.length();
  if (len % 8 !== 0) throw RpcMalformed(`packed doubles of ${len} bytes, not a multiple of 8`);
  const out = new Float64Array(len >>> 3);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(r.buf.subarray(r.pos, r.pos + out.byteLength));
    r.pos += len;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = r.double();
    r.pos += len - out.byteLength;
  }
  return out;
}

const TWO_32 = 4294967296;

/** Writes a non-negative integer below 2^53 as a uint64 field unless 0. */
export function writeCount(w: ProtoWriter, no: number, v: number): void {
  if (v === 0) return;
  w.tag(no, WireType.VARINT);
  w.varint64(v % TWO_32, Math.floor(v / TWO_32));
}

/** Reads a uint64 field as a number (exact below 2^53). */
export function readCount(r: ProtoReader): number {
  r.varint64();
  return r.hi * TWO_32 + r.lo;
}
