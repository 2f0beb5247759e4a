// Column values of one row group as the writer collects them: typed arrays, and for BYTE_ARRAY
// and fixed-length columns a dictionary built as values arrive (each distinct value is encoded to
// UTF-8 once; rows hold codes). Whether a chunk is then written dictionary-encoded or PLAIN is
// decided when it is encoded (column-chunk.ts). Flat nullable columns keep a definition level
// per row; list columns share an offsets array per list group (keys and values of one type).
import { decodeUtf8, isValidUtf8 } from '@spanbase/otlp';
import { ByteBuffer, IntBuffer } from './bytes.ts';

/** Physical value storage of a column. */
export type ValuesKind = 'dict' | 'fixed' | 'i32' | 'i64' | 'f64' | 'bool';

/**
 * Definition levels of a flat nullable column, kept as the rows that hold a value: a null (the
 * common case for dedicated attribute columns) then costs a counter increment.
 */
export class Defs {
  /** Rows so far. */
  rows = 0;
  /** Indexes of the rows that hold a value, ascending. */
  readonly present = new IntBuffer(1024);

  /** Rows with a null. */
  get nulls(): number {
    return this.rows - this.present.length;
  }

  /** Forgets the rows. */
  clear(): void {
    this.rows = 0;
    this.present.clear();
  }
}

/** Common shape of every values collector. */
abstract class Values {
  abstract readonly kind: ValuesKind;
  /** Definition levels when the column is flat and nullable. */
  readonly defs: Defs | undefined;

  constructor(nullable: boolean) {
    this.defs = nullable ? new Defs() : undefined;
  }

  /** Values held (nulls excluded). */
  abstract get count(): number;

  /** Appends a null (flat nullable columns only). */
  addNull(): void {
    this.defs!.rows++;
  }

  protected present(): void {
    const d = this.defs;
    if (d) d.present.push(d.rows++);
  }

  /** Forgets the values. */
  clear(): void {
    this.defs?.clear();
  }
}

// Signed, as every hash here: only `h & mask` is used, and a number at or above 2^31 passed to a
// function that is not inlined is a heap object (one per value looked up).
const HASH_SEED = 0x811c9dc5 | 0;
// Keeps a leading BOM, as @spanbase/otlp's decoder does.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function hashRange(b: Uint8Array, from: number, to: number): number {
  let h = HASH_SEED;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

/**
 * BYTE_ARRAY (or FIXED_LEN_BYTE_ARRAY) values with a dictionary indexed by content (an
 * open-addressing table over the entry bytes), so values given as strings and values given as
 * UTF-8 byte ranges of a protobuf buffer share entries. Strings also go through a Map in front:
 * decoded strings are mostly shared objects whose hash V8 has cached, so a repeated string
 * costs a lookup rather than an encoding.
 */
export class DictValues extends Values {
  readonly kind = 'dict';
  /** Byte length of every value for FIXED_LEN_BYTE_ARRAY, else 0. */
  readonly fixedLength: number;
  /** Dictionary code of each value. */
  readonly codes = new IntBuffer(4096);
  /** Dictionary entries, concatenated. */
  readonly entries = new ByteBuffer(16384);
  /** Entry i is entries[starts[i], starts[i + 1]). */
  readonly starts = new IntBuffer(1024);
  /** Summed byte length of all values (for the PLAIN-or-dictionary choice). */
  valueBytes = 0;
  private strs: (string | undefined)[] = [];
  private strings = new Map<string, number>();
  private lastString: string | undefined;
  private lastCode = -1;
  /** Counts clear()s: codes handed out before one mean nothing after it (see StringRemap). */
  generation = 0;
  private table = new Int32Array(1024);
  private mask = 1023;

  constructor(nullable: boolean, fixedLength = 0) {
    super(nullable);
    this.fixedLength = fixedLength;
    this.starts.push(0);
  }

  get count(): number {
    return this.codes.length;
  }

  /** Distinct values. */
  get size(): number {
    return this.starts.length - 1;
  }

  /** Byte length of entry `code`. */
  entryLength(code: number): number {
    return this.starts.a[code + 1] - this.starts.a[code];
  }

  /** Entry `code` as a string (decoded from UTF-8 on first use when it was added as bytes). */
  stringOf(code: number): string {
    return (this.strs[code] ??= utf8.decode(this.entries.buf.subarray(this.starts.a[code], this.starts.a[code + 1])));
  }

  /** The code of a string (UTF-8), adding it to the dictionary when new. */
  stringCode(s: string): number {
    let code = this.strings.get(s);
    if (code === undefined) {
      const from = this.entries.length;
      this.entries.utf8(s);
      code = this.commitTail(from);
      this.strings.set(s, code);
      this.strs[code] = s;
    }
    return code;
  }

  /** Appends a string (UTF-8). */
  addString(s: string): void {
    // Many columns repeat the previous row's value ('' status messages, schema URLs).
    if (s !== this.lastString) {
      this.lastString = s;
      this.lastCode = this.stringCode(s);
    }
    this.addCode(this.lastCode);
  }

  /**
   * The code of the UTF-8 text in src[from, to). Ill-formed bytes are stored as the string a
   * decoder makes of them (U+FFFD for each bad sequence), as a value decoded to a string would be.
   */
  utf8Code(src: Uint8Array, from: number, to: number): number {
    let h = HASH_SEED;
    let high = 0;
    for (let i = from; i < to; i++) {
      const c = src[i];
      high |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (high >= 0x80 && !isValidUtf8(src, from, to)) return this.stringCode(decodeUtf8(src, from, to));
    const c = this.find(src, from, to, h);
    if (c >= 0) return c;
    this.entries.bytes(src, from, to);
    return this.commit(h);
  }

  /** Appends the UTF-8 text in src[from, to) (see {@link utf8Code}). */
  addUtf8(src: Uint8Array, from: number, to: number): void {
    this.addCode(this.utf8Code(src, from, to));
  }

  /** Appends a byte string. */
  addBytes(b: Uint8Array): void {
    this.addCode(this.codeOf(b, 0, b.length));
  }

  /** Appends the value held in src[from, to) (UTF-8 for string columns). */
  addRange(src: Uint8Array, from: number, to: number): void {
    this.addCode(this.codeOf(src, from, to));
  }

  /** Appends the value of an earlier row again, by its code. */
  addCode(code: number): void {
    this.codes.push(code);
    this.valueBytes += this.starts.a[code + 1] - this.starts.a[code];
    this.present();
  }

  private find(src: Uint8Array, from: number, to: number, h: number): number {
    const t = this.table;
    const e = this.entries.buf;
    const st = this.starts.a;
    const n = to - from;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const c = t[slot] - 1;
      if (c < 0) return -1;
      const at = st[c];
      if (st[c + 1] - at !== n) continue;
      let i = 0;
      while (i < n && e[at + i] === src[from + i]) i++;
      if (i === n) return c;
    }
  }

  /** The code of the value in src[from, to), adding it to the dictionary when new. */
  codeOf(src: Uint8Array, from: number, to: number): number {
    const h = hashRange(src, from, to);
    const c = this.find(src, from, to, h);
    if (c >= 0) return c;
    this.entries.bytes(src, from, to);
    return this.commit(h);
  }

  /** Makes the bytes written at entries[from, length) an entry, or drops them for an equal one. */
  private commitTail(from: number): number {
    const e = this.entries.buf;
    const to = this.entries.length;
    const h = hashRange(e, from, to);
    const c = this.find(e, from, to, h);
    if (c >= 0) {
      this.entries.length = from;
      return c;
    }
    return this.commit(h);
  }

  private commit(h: number): number {
    const code = this.starts.length - 1;
    this.starts.push(this.entries.length);
    if (2 * (code + 1) > this.mask) this.grow();
    const t = this.table;
    let slot = h & this.mask;
    while (t[slot] !== 0) slot = (slot + 1) & this.mask;
    t[slot] = code + 1;
    return code;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    const n = this.starts.length - 2;
    const e = this.entries.buf;
    const st = this.starts.a;
    for (let c = 0; c < n; c++) {
      let slot = hashRange(e, st[c], st[c + 1]) & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = c + 1;
    }
  }

  override clear(): void {
    super.clear();
    this.codes.clear();
    this.entries.clear();
    this.starts.clear();
    this.starts.push(0);
    this.valueBytes = 0;
    this.lastString = undefined;
    this.generation++;
    if (this.strings.size > 0) this.strings = new Map();
    if (this.strs.length > 0) this.strs = [];
    if (this.table.length > 1024) {
      this.table = new Int32Array(1024);
      this.mask = 1023;
    } else this.table.fill(0);
  }
}

/** FIXED_LEN_BYTE_ARRAY values written PLAIN (random ids: no dictionary can help). */
export class FixedValues extends Values {
  readonly kind = 'fixed';
  /** Value bytes, concatenated. */
  readonly bytes = new ByteBuffer(65536);
  /** Byte length of every value. */
  readonly fixedLength: number;

  constructor(fixedLength: number) {
    super(false);
    this.fixedLength = fixedLength;
  }

  get count(): number {
    return this.bytes.length / this.fixedLength;
  }

  /** Appends the `fixedLength` bytes at src[from]. */
  add(src: Uint8Array, from: number): void {
    this.bytes.bytes(src, from, from + this.fixedLength);
  }

  override clear(): void {
    super.clear();
    this.bytes.clear();
  }
}

/** INT32 values. */
export class I32Values extends Values {
  readonly kind = 'i32';
  /** The values. */
  readonly v = new IntBuffer(4096);

  get count(): number {
    return this.v.length;
  }

  /** Appends a value. */
  add(x: number): void {
    this.v.push(x);
    this.present();
  }

  override clear(): void {
    super.clear();
    this.v.clear();
  }
}

const TWO32 = 4294967296;

/**
 * INT64 values as little-endian 32-bit halves (the PLAIN bytes): numbers and bigints go in
 * without allocating, and encoders read the halves as numbers.
 */
export class I64Values extends Values {
  readonly kind = 'i64';
  /** Halves: value i is lo = h[2i] (unsigned), hi = h[2i + 1] (signed). */
  h = new Int32Array(8192);
  private big = new BigInt64Array(this.h.buffer);
  private n = 0;

  get count(): number {
    return this.n;
  }

  private room(): void {
    if (2 * this.n < this.h.length) return;
    const next = new Int32Array(this.h.length * 2);
    next.set(this.h);
    this.h = next;
    this.big = new BigInt64Array(next.buffer);
  }

  /** Appends a bigint, wrapped to 64 bits (uint64 times are stored as their two's complement). */
  addBig(x: bigint): void {
    this.room();
    this.big[this.n++] = x;
    this.present();
  }

  /** Appends a value given as its 32-bit halves (either signedness). */
  addHalves(lo: number, hi: number): void {
    this.room();
    this.h[2 * this.n] = lo;
    this.h[2 * this.n + 1] = hi;
    this.n++;
    this.present();
  }

  /** Appends a safe integer. */
  addNum(x: number): void {
    this.room();
    const hi = Math.floor(x / TWO32);
    this.h[2 * this.n] = x - hi * TWO32;
    this.h[2 * this.n + 1] = hi;
    this.n++;
    this.present();
  }

  /** Appends `b - a` (64-bit wrapping) of two values held as bigints elsewhere, without a bigint. */
  addDifference(a: bigint, b: bigint): void {
    this.room();
    this.big[this.n] = b;
    const bl = this.h[2 * this.n] >>> 0;
    const bh = this.h[2 * this.n + 1];
    this.big[this.n] = a;
    const al = this.h[2 * this.n] >>> 0;
    const ah = this.h[2 * this.n + 1];
    const lo = bl - al;
    this.h[2 * this.n] = lo;
    this.h[2 * this.n + 1] = (bh - ah - (lo < 0 ? 1 : 0)) | 0;
    this.n++;
    this.present();
  }

  override clear(): void {
    super.clear();
    this.n = 0;
  }
}

/** DOUBLE values. */
export class F64Values extends Values {
  readonly kind = 'f64';
  /** The values. */
  v = new Float64Array(1024);
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Appends a value. */
  add(x: number): void {
    if (this.n === this.v.length) {
      const next = new Float64Array(this.v.length * 2);
      next.set(this.v);
      this.v = next;
    }
    this.v[this.n++] = x;
    this.present();
  }

  override clear(): void {
    super.clear();
    this.n = 0;
  }
}

/** BOOLEAN values, one byte each. */
export class BoolValues extends Values {
  readonly kind = 'bool';
  /** The values as 0/1. */
  readonly v = new ByteBuffer(1024);

  get count(): number {
    return this.v.length;
  }

  /** Appends a value. */
  add(x: boolean): void {
    this.v.u8(x ? 1 : 0);
    this.present();
  }

  override clear(): void {
    super.clear();
    this.v.clear();
  }
}

/** Any values collector. */
export type AnyValues = DictValues | FixedValues | I32Values | I64Values | F64Values | BoolValues;
