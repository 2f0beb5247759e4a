// Encodes one column of a row group as a Parquet column chunk: an optional dictionary page, then
// DATA_PAGE_V2 pages cut at about `pageSize` bytes on row boundaries, each with its levels
// (RLE/bit-packed, uncompressed, as V2 keeps them) and zstd-compressed values. Works on the typed
// arrays of column-values.ts, so no value is converted or boxed per row. The encodings are the
// ones the design note lists per column; `auto` picks a dictionary when it at least halves the
// PLAIN size (hyparquet-writer's rule, which the measured sizes were taken with).
import { endianness } from 'node:os';
import type { ColumnChunk, Encoding, ParquetType, Statistics } from 'hyparquet';
import type { PageEncodingStats, Writer } from './parquet-internals.ts';
import { writePageHeader } from './parquet-internals.ts';
import { ByteBuffer } from './bytes.ts';
import type { AnyValues, DictValues, I64Values } from './column-values.ts';
import type { IntBuffer } from './bytes.ts';
import { bitWidth, writeDeltaInt64, writeHybrid } from './encodings.ts';
import type { ChunkPageIndex } from './page-bounds.ts';
import { PageIndexBuilder } from './page-bounds.ts';
import type { ColumnSpec } from './schema.ts';
import { zstdRawFrame } from './zstd.ts';

// PLAIN values are copied straight out of typed arrays, which hold them in platform order.
if (endianness() !== 'LE') throw new Error('the sb1 writer needs a little-endian platform');

/** One column of a row group, ready to encode. */
export interface ColumnData {
  /** The column. */
  spec: ColumnSpec;
  /** Its values (nulls excluded; flat nullable columns carry their definition levels). */
  values: AnyValues;
  /** List columns: value offsets per row, rows + 1 entries starting at 0. */
  offsets?: IntBuffer;
}

/** How pages are made. */
export interface ChunkOptions {
  /** Target uncompressed values bytes per page. */
  pageSize: number;
  /** Compresses a page's values (or a dictionary page) into a zstd frame. */
  compress: (raw: Uint8Array) => Uint8Array;
}

/** Pages whose values are smaller than this are stored in a raw zstd frame, without a compressor call. */
const RAW_BELOW = 64;

/** A dictionary for the chunk: codes per value and the dictionary page's PLAIN bytes. */
interface Dictionary {
  codes: Int32Array;
  entries: number;
  page: (out: ByteBuffer) => void;
}

const scratch = new ByteBuffer(1 << 16);
const levelBuf = new ByteBuffer(1 << 14);
let repScratch = new Uint8Array(1 << 14);
let defScratch = new Uint8Array(1 << 14);

function physicalType(spec: ColumnSpec): ParquetType {
  if (spec.fixedLength) return 'FIXED_LEN_BYTE_ARRAY';
  switch (spec.kind) {
    case 'int32': return 'INT32';
    case 'int64': return 'INT64';
    case 'double': return 'DOUBLE';
    case 'bool': return 'BOOLEAN';
    default: return 'BYTE_ARRAY';
  }
}

function byteDictionary(v: DictValues): Dictionary {
  return {
    codes: v.codes.a,
    entries: v.size,
    page: (out) => {
      if (v.fixedLength) return out.bytes(v.entries.buf, 0, v.entries.length);
      for (let c = 0; c < v.size; c++) {
        out.u32(v.entryLength(c));
        out.bytes(v.entries.buf, v.starts.a[c], v.starts.a[c + 1]);
      }
    },
  };
}

/** hyparquet-writer's rule: a dictionary must at least halve the PLAIN bytes. */
function dictionaryPays(values: number, entries: number, plainBytes: number, dictBytes: number): boolean {
  if (values === 0) return false;
  const indexBytes = Math.ceil((values * Math.ceil(Math.log2(entries))) / 8);
  return 2 * (dictBytes + indexBytes) <= plainBytes;
}

/** Numeric dictionary over `n` values read by `key`, or undefined when it cannot pay. */
function numericDictionary(n: number, width: number, key: (i: number) => number | string, write: (out: ByteBuffer, i: number) => void, forced: boolean): Dictionary | undefined {
  const codes = new Int32Array(n);
  const seen = new Map<number | string, number>();
  const firsts: number[] = [];
  const limit = forced ? Infinity : n / 2;
  for (let i = 0; i < n; i++) {
    const k = key(i);
    let c = seen.get(k);
    if (c === undefined) {
      c = firsts.length;
      if (c >= limit) return undefined;
      seen.set(k, c);
      firsts.push(i);
    }
    codes[i] = c;
  }
  if (!forced && !dictionaryPays(n, firsts.length, n * width, firsts.length * width)) return undefined;
  return { codes, entries: firsts.length, page: (out) => { for (const i of firsts) write(out, i); } };
}

const TWO32 = 4294967296;

function i64Key(h: Int32Array, i: number): number | string {
  const hi = h[2 * i + 1];
  return hi < 1 << 20 && hi >= -(1 << 20) ? hi * TWO32 + (h[2 * i] >>> 0) : `${hi}:${h[2 * i]}`;
}

/** Forced dictionary of per-trace INT64 values: one entry per run of equal values (entries may repeat). */
function runDictionary(v: I64Values): Dictionary {
  const n = v.count;
  const h = v.h;
  const codes = new Int32Array(n);
  const firsts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || h[2 * i] !== h[2 * i - 2] || h[2 * i + 1] !== h[2 * i - 1]) firsts.push(i);
    codes[i] = firsts.length - 1;
  }
  return { codes, entries: firsts.length, page: (out) => { for (const i of firsts) out.bytes(new Uint8Array(h.buffer, 8 * i, 8)); } };
}

function chooseDictionary(spec: ColumnSpec, v: AnyValues): Dictionary | undefined {
  const forced = spec.encoding === 'RLE_DICTIONARY';
  if (spec.encoding !== undefined && !forced) return undefined;
  const n = v.count;
  switch (v.kind) {
    case 'dict': {
      if (forced) return byteDictionary(v);
      const prefix = v.fixedLength ? 0 : 4;
      return dictionaryPays(n, v.size, v.valueBytes + n * prefix, v.entries.length + v.size * prefix) ? byteDictionary(v) : undefined;
    }
    case 'i32': {
      const a = v.v.a;
      return numericDictionary(n, 4, (i) => a[i], (out, i) => out.bytes(new Uint8Array(a.buffer, 4 * i, 4)), forced);
    }
    case 'i64': {
      if (forced) return runDictionary(v);
      const h = v.h;
      return numericDictionary(n, 8, (i) => i64Key(h, i), (out, i) => out.bytes(new Uint8Array(h.buffer, 8 * i, 8)), false);
    }
    case 'f64': {
      const a = v.v;
      return numericDictionary(n, 8, (i) => (Object.is(a[i], -0) ? '-0' : a[i]), (out, i) => out.bytes(new Uint8Array(a.buffer, 8 * i, 8)), forced);
    }
    default:
      return undefined;
  }
}

/**
 * Estimated PLAIN (or, with a dictionary, index) bytes per value, for cutting pages: a constant,
 * or for PLAIN byte arrays a function of the value's index.
 */
function sizer(v: AnyValues, dict: Dictionary | undefined): number | ((i: number) => number) {
  if (dict) return 4;
  switch (v.kind) {
    case 'dict': {
      if (v.fixedLength) return v.fixedLength;
      const codes = v.codes.a;
      return (i) => 4 + v.entryLength(codes[i]);
    }
    case 'fixed': return v.fixedLength;
    case 'i32': return 4;
    case 'bool': return 0.125;
    default: return 8;
  }
}

function writePlain(out: ByteBuffer, v: AnyValues, from: number, to: number): void {
  switch (v.kind) {
    case 'dict': {
      const codes = v.codes.a;
      const e = v.entries.buf;
      const st = v.starts.a;
      for (let i = from; i < to; i++) {
        const c = codes[i];
        if (!v.fixedLength) out.u32(st[c + 1] - st[c]);
        out.bytes(e, st[c], st[c + 1]);
      }
      return;
    }
    case 'fixed': return out.bytes(v.bytes.buf, from * v.fixedLength, to * v.fixedLength);
    case 'i32': return out.bytes(new Uint8Array(v.v.a.buffer, 4 * from, 4 * (to - from)));
    case 'i64': return out.bytes(new Uint8Array(v.h.buffer, 8 * from, 8 * (to - from)));
    case 'f64': return out.bytes(new Uint8Array(v.v.buffer, 8 * from, 8 * (to - from)));
    case 'bool': {
      const b = v.v.buf;
      for (let i = from; i < to; i += 8) {
        let byte = 0;
        for (let k = 0; k < 8 && i + k < to; k++) byte |= b[i + k] << k;
        out.u8(byte);
      }
      return;
    }
  }
}

function compressed(raw: Uint8Array, opts: ChunkOptions): Uint8Array {
  return raw.length < RAW_BELOW ? zstdRawFrame(raw) : opts.compress(raw);
}

/** List levels of rows [r0, r1) into the scratch arrays; returns the level count and empty rows. */
function listLevels(off: Int32Array, r0: number, r1: number): { count: number; empty: number } {
  const count = off[r1] - off[r0] + r1 - r0;
  if (repScratch.length < count) {
    repScratch = new Uint8Array(2 * count);
    defScratch = new Uint8Array(2 * count);
  }
  let at = 0;
  let empty = 0;
  for (let r = r0; r < r1; r++) {
    const n = off[r + 1] - off[r];
    if (n === 0) {
      repScratch[at] = 0;
      defScratch[at++] = 0;
      empty++;
      continue;
    }
    repScratch[at] = 0;
    defScratch[at++] = 1;
    for (let k = 1; k < n; k++) {
      repScratch[at] = 1;
      defScratch[at++] = 1;
    }
  }
  return { count: at, empty };
}

function compareBytes(a: Uint8Array, af: number, at: number, bf: number, bt: number): number {
  const n = Math.min(at - af, bt - bf);
  for (let i = 0; i < n; i++) if (a[af + i] !== a[bf + i]) return a[af + i] - a[bf + i];
  return at - af - (bt - bf);
}

function statistics(v: AnyValues): Statistics {
  const nulls = BigInt(v.defs?.nulls ?? 0);
  if (v.kind === 'dict') {
    if (v.size === 0) return { null_count: nulls };
    const e = v.entries.buf;
    const st = v.starts.a;
    let min = 0;
    let max = 0;
    for (let c = 1; c < v.size; c++) {
      if (compareBytes(e, st[c], st[c + 1], st[min], st[min + 1]) < 0) min = c;
      if (compareBytes(e, st[c], st[c + 1], st[max], st[max + 1]) > 0) max = c;
    }
    return { min_value: e.slice(st[min], st[min + 1]), max_value: e.slice(st[max], st[max + 1]), null_count: nulls };
  }
  if (v.count === 0) return { null_count: nulls };
  if (v.kind === 'i32') {
    let min = v.v.a[0];
    let max = min;
    for (let i = 1; i < v.count; i++) {
      const x = v.v.a[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return { min_value: min, max_value: max, null_count: nulls };
  }
  if (v.kind === 'i64') {
    const h = v.h;
    let min = 0;
    let max = 0;
    const cmp = (a: number, b: number) => h[2 * a + 1] - h[2 * b + 1] || (h[2 * a] >>> 0) - (h[2 * b] >>> 0);
    for (let i = 1; i < v.count; i++) {
      if (cmp(i, min) < 0) min = i;
      if (cmp(i, max) > 0) max = i;
    }
    const big = new BigInt64Array(h.buffer, 0, v.count);
    return { min_value: big[min], max_value: big[max], null_count: nulls };
  }
  return { null_count: nulls };
}

/** A written column chunk: its footer entry, and its page index when it has more than one page. */
export interface WrittenChunk {
  chunk: ColumnChunk;
  pageIndex: ChunkPageIndex | undefined;
}

/** Writes the column chunk of `rows` rows to `w` and returns its metadata. */
export function writeColumnChunk(w: Writer, col: ColumnData, rows: number, opts: ChunkOptions): WrittenChunk {
  const { spec, values: v } = col;
  const pageIndex = new PageIndexBuilder(v, spec.stats);
  const type = physicalType(spec);
  const start = w.offset;
  let uncompressed = 0;
  const dict = chooseDictionary(spec, v);
  let dictionaryOffset: bigint | undefined;
  if (dict) {
    dictionaryOffset = BigInt(w.offset);
    scratch.clear();
    dict.page(scratch);
    const body = compressed(scratch.view(), opts);
    const h0 = w.offset;
    writePageHeader(w, { type: 'DICTIONARY_PAGE', uncompressed_page_size: scratch.length, compressed_page_size: body.length, dictionary_page_header: { num_values: dict.entries, encoding: 'PLAIN' } });
    w.appendBytes(body);
    uncompressed += w.offset - h0 - body.length + scratch.length;
  }
  const encoding: Encoding = dict ? 'RLE_DICTIONARY' : spec.encoding ?? (v.kind === 'bool' && v.count > 16 ? 'RLE' : 'PLAIN');
  const dataOffset = BigInt(w.offset);
  const size = sizer(v, dict);
  const off = col.offsets?.a;
  const present = v.defs?.present.a;
  const count = v.count;
  let pages = 0;
  let levelCount = 0;
  let r0 = 0;
  let v0 = 0;
  while (r0 < rows) {
    // Cut the page: rows until the values reach pageSize (at least one row).
    let r1 = r0;
    let v1 = v0;
    if (typeof size === 'number') {
      // Fixed size per value: the same cut as the loop below, computed. A page ends with the
      // row that brings it to `k` values (at least one row).
      const k = Math.max(1, Math.ceil(opts.pageSize / size));
      if (off) {
        let lo = r0 + 1;
        let hi = rows;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (off[mid] - off[r0] >= k) hi = mid;
          else lo = mid + 1;
        }
        r1 = lo;
        v1 = off[r1];
      } else if (present) {
        if (v0 + k <= count) {
          v1 = v0 + k;
          r1 = present[v1 - 1] + 1;
        } else {
          v1 = count;
          r1 = rows;
        }
      } else r1 = v1 = Math.min(rows, r0 + k);
    } else {
      let bytes = 0;
      while (r1 < rows && (bytes < opts.pageSize || r1 === r0)) {
        // Flat nullable: the row holds a value when it is the next present row (v1 counts those).
        const n = off ? off[r1 + 1] - off[r1] : present ? (v1 < count && present[v1] === r1 ? 1 : 0) : 1;
        if (typeof size === 'number') bytes += n * size;
        else for (let k = 0; k < n; k++) bytes += size(v1 + k);
        v1 += n;
        r1++;
      }
    }
    levelBuf.clear();
    let numValues = r1 - r0;
    let nulls = 0;
    let repBytes = 0;
    if (off) {
      const l = listLevels(off, r0, r1);
      numValues = l.count;
      nulls = l.empty;
      writeHybrid(levelBuf, repScratch, 0, l.count, 1);
      repBytes = levelBuf.length;
      writeHybrid(levelBuf, defScratch, 0, l.count, 1);
    } else if (present) {
      if (defScratch.length < r1 - r0) defScratch = new Uint8Array(2 * (r1 - r0));
      defScratch.fill(0, 0, r1 - r0);
      for (let i = v0; i < v1; i++) defScratch[present[i] - r0] = 1;
      writeHybrid(levelBuf, defScratch, 0, r1 - r0, 1);
      nulls = r1 - r0 - (v1 - v0);
    }
    scratch.clear();
    if (dict) {
      let max = 0;
      for (let i = v0; i < v1; i++) if (dict.codes[i] > max) max = dict.codes[i];
      const width = bitWidth(max);
      scratch.u8(width);
      writeHybrid(scratch, dict.codes, v0, v1, width);
    } else if (encoding === 'DELTA_BINARY_PACKED') {
      if (v.kind !== 'i64') throw new Error(`sb1 writes DELTA_BINARY_PACKED for INT64 only (${spec.name})`);
      writeDeltaInt64(scratch, v.h, v0, v1);
    } else if (encoding === 'RLE') {
      if (v.kind !== 'bool') throw new Error(`sb1 writes RLE for BOOLEAN only (${spec.name})`);
      scratch.u32(0);
      writeHybrid(scratch, v.v.buf, v0, v1, 1);
      const len = scratch.length - 4;
      scratch.buf[0] = len;
      scratch.buf[1] = len >>> 8;
      scratch.buf[2] = len >>> 16;
      scratch.buf[3] = len >>> 24;
    } else {
      writePlain(scratch, v, v0, v1);
    }
    const body = compressed(scratch.view(), opts);
    const h0 = w.offset;
    writePageHeader(w, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelBuf.length + scratch.length,
      compressed_page_size: levelBuf.length + body.length,
      data_page_header_v2: {
        num_values: numValues, num_nulls: nulls, num_rows: r1 - r0, encoding,
        definition_levels_byte_length: levelBuf.length - repBytes, repetition_levels_byte_length: repBytes, is_compressed: true,
      },
    });
    w.appendBytes(levelBuf.view());
    w.appendBytes(body);
    uncompressed += w.offset - h0 - body.length + scratch.length;
    pageIndex.page(h0, w.offset - h0, r0, v0, v1, nulls);
    levelCount += numValues;
    pages++;
    r0 = r1;
    v0 = v1;
  }
  const encodingStats: PageEncodingStats[] | undefined = spec.stats ? [...(dict ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []), { page_type: 'DATA_PAGE_V2', encoding, count: pages }] : undefined;
  const chunk: ColumnChunk = {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings: dict ? ['PLAIN', encoding] : [encoding],
      path_in_schema: spec.shape === 'list' ? [spec.name, 'list', 'element'] : [spec.name],
      codec: 'ZSTD',
      num_values: BigInt(levelCount),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(w.offset - start),
      data_page_offset: dataOffset,
      dictionary_page_offset: dictionaryOffset,
      statistics: spec.stats ? statistics(v) : undefined,
      encoding_stats: encodingStats,
    },
  };
  return { chunk, pageIndex: pageIndex.finish(chunk) };
}
