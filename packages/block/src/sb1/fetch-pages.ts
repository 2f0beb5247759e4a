// Lazy, typed decoding of one column chunk for the TraceQL fetchers. Page headers are parsed up
// front (cheap); a page is decompressed and decoded only when a row in it is asked for, and then
// kept. Values stay in the arrays the encodings produce: dictionary codes, Int32Array,
// BigInt64Array (with an Int32Array view of its halves, so numbers are read without making a
// BigInt), Float64Array, and byte ranges of the page for strings and ids. Strings and JSON are
// converted only when read, once per dictionary entry. Levels are 0 or 1 everywhere in sb1, so a
// flat nullable page maps rows to value slots and a list page maps rows to slot ranges.
import { isSpanbaseError } from '@spanbase/model';
import type { PageHeader } from 'hyparquet';
import { decompressPage, deltaBinaryUnpack, readPlain, readRleBitPackedHybrid } from './parquet-internals.ts';
import { BlockFormat } from '../errors.ts';
import type { ChunkColumn } from './column-decode.ts';
import { chunkPages, decodeLevels } from './column-decode.ts';
import type { RawChunk } from './reader.ts';
import type { ColumnSpec } from './schema.ts';

const utf8 = new TextDecoder();
const TWO32 = 4294967296;
/** Index of the low 32-bit half of a 64-bit value in an Int32Array view (platform byte order). */
export const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
/** Index of the high half. */
export const HI = 1 - LO;

/** Decoded values of a page or a dictionary, in the form their physical type gives. */
export class Values {
  /** Number of values. */
  readonly count: number;
  /** INT32 values. */
  i32: Int32Array | undefined;
  /** INT64 values. */
  i64: BigInt64Array | undefined;
  /** The same INT64 values as 32-bit halves (see LO, HI). */
  halves: Int32Array | undefined;
  /** DOUBLE values. */
  f64: Float64Array | undefined;
  /** BOOLEAN values as 0/1. */
  bools: Uint8Array | undefined;
  /** Byte arrays: value i is buf[starts[i], ends[i]) (variable length) or buf[i*fixed, (i+1)*fixed). */
  buf: Uint8Array | undefined;
  /** Starts of variable-length values. */
  starts: Uint32Array | undefined;
  /** Ends of variable-length values. */
  ends: Uint32Array | undefined;
  /** Byte length of fixed-length values (0 when variable). */
  fixed = 0;
  private strings: (string | undefined)[] | undefined;
  private jsons: unknown[] | undefined;

  constructor(count: number) {
    this.count = count;
  }

  /** INT32 or INT64 value i as a number (exact below 2^53). */
  number(i: number): number {
    if (this.i32) return this.i32[i];
    if (this.halves) return this.halves[2 * i + HI] * TWO32 + (this.halves[2 * i + LO] >>> 0);
    if (this.f64) return this.f64[i];
    throw BlockFormat('not a numeric column');
  }

  /** INT64 value i. */
  bigint(i: number): bigint {
    if (this.i64) return this.i64[i];
    return BigInt(this.number(i));
  }

  /** Byte-array value i (a view into the page). */
  bytes(i: number): Uint8Array {
    const buf = this.buf!;
    if (this.fixed > 0) return buf.subarray(i * this.fixed, (i + 1) * this.fixed);
    return buf.subarray(this.starts![i], this.ends![i]);
  }

  /** Byte-array value i as UTF-8 text, converted once. */
  string(i: number): string {
    const cache = (this.strings ??= new Array(this.count));
    let s = cache[i];
    if (s === undefined) s = cache[i] = utf8.decode(this.bytes(i));
    return s;
  }

  /** Byte-array value i parsed as JSON, parsed once (callers must not mutate it). */
  json(i: number): unknown {
    const cache = (this.jsons ??= new Array(this.count));
    let v = cache[i];
    if (v === undefined) v = cache[i] = JSON.parse(this.string(i));
    return v;
  }
}

/** One decoded data page. */
export interface Page {
  /** First row of the page within the row group. */
  readonly firstRow: number;
  /** Rows in the page. */
  readonly rows: number;
  /**
   * Flat nullable columns: value slot of each row, -1 for null. List columns: slot range of
   * each row (rows + 1 entries). Undefined for flat required columns (row = slot).
   */
  readonly index: Int32Array | undefined;
  /** Dictionary codes per slot when the page is dictionary-encoded. */
  readonly codes: Uint32Array | undefined;
  /** Values per slot when it is not. */
  readonly values: Values | undefined;
}

interface PageRef {
  header: PageHeader;
  /** Offset of the page body (after the header) in the chunk. */
  at: number;
}

/**
 * Where the values of chosen rows of a flat column are: `idx[k]` indexes the values of the
 * segment holding k (-1 for null); segment j covers k < ends[j] (and >= ends[j - 1]). One
 * segment, the dictionary, when the chunk is all dictionary-encoded.
 */
export interface RowValues {
  /** Value index per chosen row, -1 for null. */
  readonly idx: Int32Array;
  /** Exclusive end (in k) of each segment. */
  readonly ends: readonly number[];
  /** Values of each segment. */
  readonly values: readonly Values[];
}

/** A column chunk whose pages decode on first use. */
export class ColumnChunk {
  /** The column. */
  readonly spec: ColumnSpec;
  /** Rows in the row group. */
  readonly rows: number;
  /** True when every data page is dictionary-encoded, so codes alone tell values apart. */
  readonly allDictionary: boolean;
  /** Values in the chunk (list elements for a list column), nulls not counted. */
  readonly valueCount: number;
  /** Null values (for a list column: empty lists). */
  readonly nullCount: number;
  /** Bytes the chunk holds with every page decoded, estimated: its bytes, its pages uncompressed, 8 per value, 4 per row. */
  readonly heldBytes: number;
  private readonly col: ChunkColumn;
  private readonly bytes: Uint8Array;
  private readonly refs: PageRef[] = [];

  /** Compressed bytes of the chunk as stored. */
  get storedBytes(): number {
    return this.bytes.length;
  }
  /** First row of each page, and `rows` at the end. */
  private readonly firstRows: Int32Array;
  private readonly decoded: (Page | undefined)[];
  private last = 0;
  private codes: Map<string, number> | undefined;
  private dictRef: PageRef | undefined;
  private dict: Values | undefined;

  constructor(raw: RawChunk) {
    this.col = raw.column;
    this.spec = raw.column.spec;
    this.rows = raw.rows;
    this.bytes = raw.bytes;
    const firstRows: number[] = [];
    let row = 0;
    let allDictionary = true;
    let values = 0;
    let nulls = 0;
    let uncompressed = 0;
    try {
      for (const { header, at, v2 } of chunkPages(raw.bytes)) {
        uncompressed += header.uncompressed_page_size;
        if (!v2) {
          this.dictRef = { header, at };
          continue;
        }
        if (!v2.encoding.endsWith('_DICTIONARY')) allDictionary = false;
        values += v2.num_values - v2.num_nulls;
        nulls += v2.num_nulls;
        this.refs.push({ header, at });
        firstRows.push(row);
        row += v2.num_rows;
      }
    } catch (err) {
      if (isSpanbaseError(err)) throw err;
      throw BlockFormat(`cannot read the pages of column ${this.spec.name}`, { cause: err });
    }
    if (row !== this.rows) throw BlockFormat(`column ${this.spec.name} has ${row} rows, expected ${this.rows}`);
    firstRows.push(row);
    this.firstRows = Int32Array.from(firstRows);
    this.decoded = new Array(this.refs.length);
    this.allDictionary = allDictionary && this.dictRef !== undefined;
    this.valueCount = values;
    this.nullCount = nulls;
    this.heldBytes = raw.bytes.byteLength + uncompressed + 8 * values + 4 * this.rows;
  }

  /** False when no value of the chunk can be the string `s` (a key list without that key). */
  mayHold(s: string): boolean {
    return this.valueCount > 0 && (!this.allDictionary || this.codeOf(s) >= 0);
  }

  /** The dictionary, when the chunk has one (decoded on first use). */
  get dictionary(): Values | undefined {
    if (!this.dict && this.dictRef) {
      try {
        this.dict = this.readDictionary(this.dictRef.header, this.dictRef.at);
      } catch (err) {
        if (isSpanbaseError(err)) throw err;
        throw BlockFormat(`cannot decode the dictionary of column ${this.spec.name}`, { cause: err });
      }
    }
    return this.dict;
  }

  /**
   * Dictionary code of the string `s`, -1 when the dictionary does not hold it (then no
   * dictionary-encoded page does). Meant for small dictionaries (attribute keys): the first call
   * converts every entry.
   */
  codeOf(s: string): number {
    if (!this.dictionary) return -1;
    if (!this.codes) {
      this.codes = new Map();
      for (let i = this.dictionary.count - 1; i >= 0; i--) this.codes.set(this.dictionary.string(i), i);
    }
    return this.codes.get(s) ?? -1;
  }

  /** Number of data pages. */
  get pageCount(): number {
    return this.refs.length;
  }

  /** First row of page p (p = pageCount gives the row count). */
  pageStart(p: number): number {
    return this.firstRows[p];
  }

  /** Page p, decoded on first use. */
  page(p: number): Page {
    let page = this.decoded[p];
    if (!page) {
      try {
        page = this.decoded[p] = this.decodePage(p);
      } catch (err) {
        if (isSpanbaseError(err)) throw err;
        throw BlockFormat(`cannot decode column ${this.spec.name}`, { cause: err });
      }
    }
    return page;
  }

  /** Index of the page holding `row`. */
  pageIndexOf(row: number): number {
    const f = this.firstRows;
    const p = this.last;
    if (row >= f[p] && row < f[p + 1]) return p;
    if (row >= f[p + 1] && row < f[p + 2]) return (this.last = p + 1);
    let lo = 0;
    let hi = this.refs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (f[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return (this.last = lo);
  }

  /** Value indexes of `rows` (ascending) of a flat column; see RowValues. Decodes only the pages they are in. */
  rowValues(rows: Int32Array): RowValues {
    const idx = new Int32Array(rows.length);
    if (this.valueCount === 0) return { idx: idx.fill(-1), ends: [rows.length], values: [new Values(0)] };
    const ends: number[] = [];
    const values: Values[] = [];
    let k = 0;
    while (k < rows.length) {
      const p = this.pageIndexOf(rows[k]);
      const page = this.page(p);
      const first = page.firstRow;
      const last = first + page.rows;
      const index = page.index;
      const codes = page.codes;
      for (; k < rows.length && rows[k] < last; k++) {
        const slot = index ? index[rows[k] - first] : rows[k] - first;
        idx[k] = slot < 0 ? -1 : codes ? codes[slot] : slot;
      }
      const v = codes ? this.dictionary! : page.values!;
      if (values.length > 0 && values[values.length - 1] === v) ends[ends.length - 1] = k;
      else {
        values.push(v);
        ends.push(k);
      }
    }
    return { idx, ends, values };
  }

  /** The page holding `row`. */
  pageOf(row: number): Page {
    return this.page(this.pageIndexOf(row));
  }

  private readDictionary(header: PageHeader, at: number): Values {
    const count = header.dictionary_page_header?.num_values ?? 0;
    const page = decompressPage(this.bytes.subarray(at, at + header.compressed_page_size), header.uncompressed_page_size, this.col.decoder.codec, this.col.decoder.compressors);
    return this.plainValues(page, 0, count);
  }

  /** `count` PLAIN-encoded values from `page` at `offset`. */
  private plainValues(page: Uint8Array, offset: number, count: number): Values {
    const v = new Values(count);
    const type = this.col.decoder.type;
    if (type === 'BYTE_ARRAY') {
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      const starts = new Uint32Array(count);
      const ends = new Uint32Array(count);
      let p = offset;
      for (let i = 0; i < count; i++) {
        const len = view.getUint32(p, true);
        starts[i] = p + 4;
        p += 4 + len;
        ends[i] = p;
      }
      if (p > page.length) throw BlockFormat(`values of ${this.spec.name} overrun their page`);
      v.buf = page;
      v.starts = starts;
      v.ends = ends;
    } else if (type === 'FIXED_LEN_BYTE_ARRAY') {
      const len = this.col.decoder.element.type_length ?? 0;
      if (offset + count * len > page.length) throw BlockFormat(`values of ${this.spec.name} overrun their page`);
      v.buf = page.subarray(offset, offset + count * len);
      v.fixed = len;
    } else {
      const values = readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset }, type, count, undefined);
      this.setTyped(v, values as ArrayLike<unknown>);
    }
    return v;
  }

  private setTyped(v: Values, values: ArrayLike<unknown>): void {
    if (values instanceof Int32Array) v.i32 = values;
    else if (values instanceof BigInt64Array) {
      v.i64 = values;
      v.halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    } else if (values instanceof Float64Array) v.f64 = values;
    else if (this.col.decoder.type === 'BOOLEAN') v.bools = Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0));
    else if (values.length === 0) {
      if (this.col.decoder.type === 'INT32') v.i32 = new Int32Array(0);
      else if (this.col.decoder.type === 'INT64') {
        v.i64 = new BigInt64Array(0);
        v.halves = new Int32Array(0);
      } else if (this.col.decoder.type === 'DOUBLE') v.f64 = new Float64Array(0);
    } else throw BlockFormat(`column ${this.spec.name} decodes to an unexpected array`);
  }

  private decodePage(p: number): Page {
    const { header, at } = this.refs[p];
    const v2 = header.data_page_header_v2!;
    const bytes = this.bytes.subarray(at, at + header.compressed_page_size);
    const spec = this.spec;
    const rows = v2.num_rows;
    const repLen = v2.repetition_levels_byte_length;
    const defLen = v2.definition_levels_byte_length;
    let index: Int32Array | undefined;
    if (spec.shape === 'list') index = listOffsets(decodeLevels(bytes, 0, repLen, v2.num_values), decodeLevels(bytes, repLen, repLen + defLen, v2.num_values), rows);
    else if (spec.nullable) index = nullableSlots(decodeLevels(bytes, repLen, repLen + defLen, v2.num_values), rows);
    const levelBytes = repLen + defLen;
    const rawSize = header.uncompressed_page_size - levelBytes;
    let body = bytes.subarray(levelBytes);
    if (v2.is_compressed !== false) body = decompressPage(body, rawSize, this.col.decoder.codec, this.col.decoder.compressors);
    const n = v2.num_values - v2.num_nulls;
    let codes: Uint32Array | undefined;
    let values: Values | undefined;
    switch (v2.encoding) {
      case 'PLAIN':
        values = this.plainValues(body, 0, n);
        break;
      case 'RLE': {
        const bits = new Uint8Array(n);
        readRleBitPackedHybrid({ view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 }, 1, bits);
        values = new Values(n);
        values.bools = bits;
        break;
      }
      case 'PLAIN_DICTIONARY':
      case 'RLE_DICTIONARY': {
        if (!this.dictRef) throw BlockFormat('dictionary-encoded page without a dictionary');
        const size = this.dictRef.header.dictionary_page_header?.num_values ?? 0;
        codes = new Uint32Array(n);
        if (n > 0) readRleBitPackedHybrid({ view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 1 }, body[0], codes, rawSize - 1);
        for (let i = 0; i < n; i++) if (codes[i] >= size) throw BlockFormat(`dictionary index ${codes[i]} out of range`);
        break;
      }
      case 'DELTA_BINARY_PACKED':
        values = new Values(n);
        if (this.col.decoder.type === 'INT32') {
          values.i32 = new Int32Array(n);
          deltaBinaryUnpack({ view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 }, n, values.i32);
        } else {
          values.i64 = new BigInt64Array(n);
          values.halves = new Int32Array(values.i64.buffer);
          if (!deltaInt64(body, n, values.halves)) deltaBinaryUnpack({ view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 }, n, values.i64);
        }
        break;
      default:
        throw BlockFormat(`column ${spec.name} uses unsupported encoding ${v2.encoding}`);
    }
    return { firstRow: this.firstRows[p], rows, index, codes, values };
  }
}

function listOffsets(rep: Uint8Array, def: Uint8Array, rows: number): Int32Array {
  const offsets = new Int32Array(rows + 1);
  let r = -1;
  let v = 0;
  for (let i = 0; i < rep.length; i++) {
    if (rep[i] === 0) {
      if (++r >= rows) throw BlockFormat('list page has more rows than its header says');
      offsets[r] = v;
    }
    if (def[i] === 1) v++;
  }
  if (r !== rows - 1) throw BlockFormat(`list page holds ${r + 1} of ${rows} rows`);
  offsets[rows] = v;
  return offsets;
}

function nullableSlots(def: Uint8Array, rows: number): Int32Array {
  if (def.length !== rows) throw BlockFormat('page has bad definition levels');
  const slots = new Int32Array(rows);
  let v = 0;
  for (let r = 0; r < rows; r++) slots[r] = def[r] === 1 ? v++ : -1;
  return slots;
}

/**
 * DELTA_BINARY_PACKED INT64 decoded with float arithmetic into 32-bit halves, so no BigInt is
 * made per value (hyparquet's decoder makes several). Returns false, leaving the values to the
 * BigInt decoder, when a value or a bit width does not fit 53 bits. Exported for tests.
 */
export function deltaInt64(body: Uint8Array, count: number, halves: Int32Array): boolean {
  // Varints are read into `varintValue`, advancing `varintAt` (no closure in the hot loops).
  varintAt = 0;
  const blockSize = readVarint(body);
  const miniblocks = readVarint(body);
  readVarint(body);
  let value = unzigzag(readVarint(body));
  if (!(blockSize > 0 && miniblocks > 0) || !Number.isSafeInteger(value)) return false;
  const perMini = blockSize / miniblocks;
  let out = 0;
  if (count > 0) {
    const hi = Math.floor(value * INV32);
    halves[HI] = hi;
    halves[LO] = (value - hi * TWO32) | 0;
    out = 1;
  }
  let at = varintAt;
  while (out < count) {
    varintAt = at;
    const minDelta = unzigzag(readVarint(body));
    at = varintAt;
    if (!Number.isSafeInteger(minDelta)) return false;
    const widthsAt = at;
    at += miniblocks;
    for (let m = 0; m < miniblocks && out < count; m++) {
      const width = body[widthsAt + m];
      if (width > 52) return false;
      let bit = at * 8;
      const end = Math.min(out + perMini, count);
      // Each value: delta bits in up to three pieces of at most 24 bits (each within the 32 bits
      // from its first byte), then the running value split into halves.
      const w1 = Math.min(width, 24);
      const w2 = Math.min(Math.max(width - 24, 0), 24);
      const w3 = Math.max(width - 48, 0);
      const m1 = (1 << w1) - 1;
      const m2 = (1 << w2) - 1;
      const m3 = (1 << w3) - 1;
      for (; out < end; out++) {
        let x = 0;
        if (width > 0) {
          let b = bit >> 3;
          x = ((body[b] | (body[b + 1] << 8) | (body[b + 2] << 16) | (body[b + 3] << 24)) >>> (bit & 7)) & m1;
          if (w2 > 0) {
            const p = bit + 24;
            b = p >> 3;
            x += (((body[b] | (body[b + 1] << 8) | (body[b + 2] << 16) | (body[b + 3] << 24)) >>> (p & 7)) & m2) * 16777216;
            if (w3 > 0) {
              const q = bit + 48;
              b = q >> 3;
              x += (((body[b] | (body[b + 1] << 8) | (body[b + 2] << 16) | (body[b + 3] << 24)) >>> (q & 7)) & m3) * 281474976710656;
            }
          }
          bit += width;
        }
        value += minDelta + x;
        const hi = Math.floor(value * INV32);
        halves[2 * out + HI] = hi;
        halves[2 * out + LO] = (value - hi * TWO32) | 0;
      }
      if (!Number.isSafeInteger(value)) return false;
      at += (perMini * width) / 8;
    }
  }
  return true;
}

const INV32 = 1 / TWO32;
let varintAt = 0;

/** An unsigned varint at varintAt as a number; NaN beyond 56 bits. */
function readVarint(body: Uint8Array): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    const b = body[varintAt++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  return NaN;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}
