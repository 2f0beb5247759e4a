// Minimal protobuf wire writer into one growable buffer. A nested message is written in place
// after a one-byte length placeholder; when its body turns out to need a longer length prefix,
// the body is moved up (`copyWithin`), which is rare for attributes and cheap for the few large
// messages (ResourceSpans, ScopeSpans), so no size pre-pass is needed.
import { utf8Length, writeUtf8 } from './utf8.ts';
import type { WireType } from './proto-reader.ts';

const TWO_32 = 4294967296;

/** Builds one protobuf message. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Ensures room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Writes a field tag. */
  tag(field: number, wireType: WireType): void {
    this.uint32((field << 3) | wireType);
  }

  /** Writes an unsigned 32-bit varint. */
  uint32(value: number): void {
    this.reserve(5);
    const buf = this.buf;
    let v = value >>> 0;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** Writes an int32 varint (negative values take 10 bytes, as protobuf specifies). */
  int32(value: number): void {
    if (value >= 0) this.uint32(value);
    else this.varint64(value >>> 0, 0xffffffff);
  }

  /** Writes a signed 64-bit varint (int64). */
  int64(value: bigint): void {
    if (value >= 0n && value < 0x100000000n) return this.uint32(Number(value));
    const u = BigInt.asUintN(64, value);
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** Writes a varint from its two 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.reserve(10);
    const buf = this.buf;
    let pos = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi > 0 || lo >= 0x80) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** Writes a boolean varint. */
  bool(value: boolean): void {
    this.reserve(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /** Writes a little-endian fixed32. */
  fixed32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  /** Writes a fixed64 from an unsigned bigint (taken modulo 2^64). */
  fixed64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, value), true);
    this.pos += 8;
  }

  /** Writes a fixed64 from a non-negative number. */
  fixed64Number(value: number): void {
    this.reserve(8);
    this.view.setUint32(this.pos, value % TWO_32, true);
    this.view.setUint32(this.pos + 4, Math.floor(value / TWO_32), true);
    this.pos += 8;
  }

  /** Writes a little-endian IEEE double. */
  double(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Writes length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.raw(value);
  }

  /** Writes bytes with no prefix. */
  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Writes a length-prefixed UTF-8 string. */
  string(value: string): void {
    const n = value.length;
    if (n < 43) {
      // At most 126 bytes: the length prefix is one byte, so write the text straight after it.
      this.reserve(1 + n * 3);
      const written = writeUtf8(value, this.buf, this.pos + 1);
      this.buf[this.pos] = written;
      this.pos += 1 + written;
      return;
    }
    const len = utf8Length(value);
    this.uint32(len);
    this.reserve(n * 3);
    this.pos += writeUtf8(value, this.buf, this.pos);
  }

  /** Starts a nested message; pass the result to `finish`. */
  begin(): number {
    this.reserve(1);
    return this.pos++;
  }

  /** Ends a nested message started at `mark`, writing its length prefix. */
  finish(mark: number): void {
    const start = mark + 1;
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[mark] = len;
      return;
    }
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    this.reserve(extra);
    const buf = this.buf;
    buf.copyWithin(start + extra, start, this.pos);
    let pos = mark;
    let v = len;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos] = v;
    this.pos += extra;
  }

  /** The message written so far (a view, not a copy). */
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
