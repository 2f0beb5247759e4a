// Minimal protobuf wire reader. Every read checks the current message's end, so malformed input
// (truncated, lengths past the end, over-long varints, bad wire types) throws OTLP_ERR_MALFORMED
// instead of reading garbage or looping. 64-bit values become bigint only when asked for.
import { malformed } from './errors.ts';
import { decodeUtf8 } from './utf8.ts';
import type { StringCache } from './utf8.ts';

/** Protobuf wire types. */
export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Deepest message nesting accepted (as protobuf's own default), so recursion cannot overflow. */
export const MAX_DEPTH = 100;

const TWO_32 = 4294967296;

/** A cursor over one protobuf message region `[pos, end)` of `buf`. */
export class ProtoReader {
  /** The whole input; offsets are absolute. */
  readonly buf: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** End of the message being read (exclusive). */
  end: number;
  /** Low 32 bits of the last `varint64`. */
  lo = 0;
  /** High 32 bits of the last `varint64`. */
  hi = 0;
  private readonly view: DataView;
  private slab = new Uint8Array(0);
  private slabPos = 0;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a field tag; returns `field << 3 | wireType` (unsigned), rejecting field 0. */
  tag(): number {
    const t = this.uint32();
    if (t < 8 || this.hi !== 0) malformed(`invalid field number ${this.hi !== 0 ? 'over 2^29' : 0}`);
    return t;
  }

  /** Reads a varint and returns its low 32 bits as an unsigned number. */
  uint32(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        this.hi = 0;
        return b;
      }
    }
    this.varint64();
    return this.lo;
  }

  /** Reads a varint as int32 (two's complement of the low 32 bits). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Reads a varint of up to 10 bytes into `lo` / `hi`. */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) malformed('truncated varint');
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setVarint(pos, lo, 0);
    }
    if (pos >= end) malformed('truncated varint');
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return this.setVarint(pos, lo, hi);
    for (let shift = 3; shift < 38; shift += 7) {
      if (pos >= end) malformed('truncated varint');
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setVarint(pos, lo, hi);
    }
    malformed('varint longer than 10 bytes');
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a varint as a signed 64-bit bigint (int64). */
  int64(): bigint {
    this.varint64();
    const lo = this.lo;
    const hi = this.hi | 0;
    // Within ±2^53 a double holds the value exactly, and BigInt(number) is much cheaper.
    if (hi < 0x200000 && hi >= -0x200000) return BigInt(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(lo));
  }

  /** Reads a varint as a boolean. */
  bool(): boolean {
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  /** Reads a length prefix and checks the bytes it announces are there. */
  length(): number {
    const len = this.uint32();
    if (this.hi !== 0 || len > this.end - this.pos) malformed(`length ${this.hi !== 0 ? 'over 4 GiB' : len} runs past the end of its message (${this.end - this.pos} bytes left)`);
    return len;
  }

  /** Skips a length-delimited value. */
  skipBytes(): void {
    const len = this.length(); // not `pos += length()`: that would add to the pos before the prefix
    this.pos += len;
  }

  /** Checks that `n` more bytes are available. */
  need(n: number): void {
    if (this.end - this.pos < n) malformed(`truncated: needs ${n} bytes, ${this.end - this.pos} left`);
  }

  /** Reads a little-endian fixed32 as unsigned. */
  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a fixed64 as an unsigned bigint. */
  fixed64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a fixed64 as a double (exact below 2^53, otherwise rounded: enough for time bounds). */
  fixed64Number(): number {
    this.need(8);
    const v = this.view.getUint32(this.pos + 4, true) * TWO_32 + this.view.getUint32(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a little-endian IEEE double. */
  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length-delimited field as a copy (so the result does not pin the input buffer). */
  bytes(): Uint8Array<ArrayBuffer> {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return this.buf.slice(start, start + len);
  }

  /** Reads a length-delimited field as UTF-8 text through a cache of recent strings. */
  cachedString(cache: StringCache): string {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return cache.get(this.buf, start, start + len);
  }

  /**
   * Reads a short length-delimited field (an id) as a copy carved from a shared slab: one
   * ArrayBuffer per few hundred ids instead of one each, and the input buffer is not pinned.
   */
  id(): Uint8Array {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    if (len > 64) return this.buf.slice(start, start + len);
    if (this.slabPos + len > this.slab.length) {
      this.slab = new Uint8Array(4096);
      this.slabPos = 0;
    }
    const at = this.slabPos;
    this.slabPos = at + len;
    const slab = this.slab;
    const buf = this.buf;
    for (let i = 0; i < len; i++) slab[at + i] = buf[start + i];
    return slab.subarray(at, at + len);
  }

  /** Reads a length-delimited field as UTF-8 text. */
  string(): string {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return decodeUtf8(this.buf, start, start + len);
  }

  /** Skips the value of a field whose tag was just read. */
  skip(tag: number, depth = 0): void {
    switch (tag & 7) {
      case WireType.VARINT:
        this.varint64();
        return;
      case WireType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.skipBytes();
        return;
      case WireType.I32:
        this.need(4);
        this.pos += 4;
        return;
      case WireType.SGROUP:
        return this.skipGroup(tag >>> 3, depth);
      case WireType.EGROUP:
        malformed(`unexpected end-group for field ${tag >>> 3}`);
      // falls through (malformed never returns)
      default:
        malformed(`invalid wire type ${tag & 7} for field ${tag >>> 3}`);
    }
  }

  private skipGroup(field: number, depth: number): void {
    if (depth >= MAX_DEPTH) malformed('groups nested too deeply');
    while (this.pos < this.end) {
      const t = this.tag();
      if ((t & 7) === WireType.EGROUP) {
        if (t >>> 3 !== field) malformed(`end-group for field ${t >>> 3} closes group ${field}`);
        return;
      }
      this.skip(t, depth + 1);
    }
    malformed(`group ${field} is not closed`);
  }
}
