// The standard Parquet page index of a column chunk as the writer cuts its pages: an OffsetIndex
// (where each data page starts, its size with header, its first row) for every chunk of more
// than one page, and a ColumnIndex (each page's min and max in the column's sort order, null
// pages and null counts, and whether the bounds ascend) for the columns that carry statistics.
// Readers that know the page index (Arrow, Spark, Trino, DataFusion, hyparquet, and sb1's own
// reader) skip pages by it; others never look at it. Bounds of byte arrays longer than
// MAX_BOUND_BYTES are truncated the way the format allows: min to a prefix, max to a prefix
// incremented, so they still bound every value.
import type { ColumnChunk, OffsetIndex } from 'hyparquet';
import type { AnyValues } from './column-values.ts';

/** Longest min or max of a byte-array page that is kept whole. */
export const MAX_BOUND_BYTES = 64;

/** A chunk's page index, as hyparquet-writer's index serializer takes it. */
export interface ChunkPageIndex {
  chunk: ColumnChunk;
  offsetIndex: OffsetIndex;
  columnIndex?: {
    null_pages: boolean[];
    min_values: Uint8Array[];
    max_values: Uint8Array[];
    boundary_order: 'UNORDERED' | 'ASCENDING' | 'DESCENDING';
    null_counts: bigint[];
  };
}

/** A chunk's values in the column's sort order. */
interface Order {
  /** Sets out[0] and out[1] to the positions of the smallest and largest of values [v0, v1) (v0 < v1). */
  range(v0: number, v1: number, out: Int32Array): void;
  /** Compares values i and j. */
  compare(i: number, j: number): number;
  /** Value i's bytes, PLAIN-encoded (byte arrays without their length). */
  bytes(i: number): Uint8Array;
}

function compareBytes(a: Uint8Array, af: number, at: number, b: Uint8Array, bf: number, bt: number): number {
  const n = Math.min(at - af, bt - bf);
  for (let k = 0; k < n; k++) if (a[af + k] !== b[bf + k]) return a[af + k] - b[bf + k];
  return at - af - (bt - bf);
}

/** range() over INT32 values: one pass, no call per value. */
function intRange(a: Int32Array, v0: number, v1: number, out: Int32Array): void {
  let min = v0;
  let max = v0;
  let lo = a[v0];
  let hi = lo;
  for (let i = v0 + 1; i < v1; i++) {
    const k = a[i];
    if (k < lo) {
      lo = k;
      min = i;
    } else if (k > hi) {
      hi = k;
      max = i;
    }
  }
  out[0] = min;
  out[1] = max;
}

/** The sort order of a chunk's values; undefined for kinds that carry no statistics. */
function orderOf(v: AnyValues): Order | undefined {
  switch (v.kind) {
    case 'dict': {
      // Each distinct entry of a page is compared once, by its bytes (a page repeats entries,
      // and ranking every entry of a chunk first cost more than the pages need).
      const e = v.entries.buf;
      const st = v.starts.a;
      const codes = v.codes.a;
      const seen = new Int32Array(v.size);
      let stamp = 0;
      const cmp = (a: number, b: number) => compareBytes(e, st[a], st[a + 1], e, st[b], st[b + 1]);
      return {
        range: (v0, v1, out) => {
          stamp++;
          let min = v0;
          let max = v0;
          let lo = codes[v0];
          let hi = lo;
          seen[lo] = stamp;
          for (let i = v0 + 1; i < v1; i++) {
            const c = codes[i];
            if (seen[c] === stamp) continue;
            seen[c] = stamp;
            if (cmp(c, lo) < 0) {
              lo = c;
              min = i;
            } else if (cmp(c, hi) > 0) {
              hi = c;
              max = i;
            }
          }
          out[0] = min;
          out[1] = max;
        },
        compare: (i, j) => cmp(codes[i], codes[j]),
        bytes: (i) => e.slice(st[codes[i]], st[codes[i] + 1]),
      };
    }
    case 'fixed': {
      const b = v.bytes.buf;
      const w = v.fixedLength;
      const compare = (i: number, j: number) => compareBytes(b, i * w, (i + 1) * w, b, j * w, (j + 1) * w);
      return {
        range: (v0, v1, out) => {
          out[0] = out[1] = v0;
          for (let i = v0 + 1; i < v1; i++) {
            if (compare(i, out[0]) < 0) out[0] = i;
            else if (compare(i, out[1]) > 0) out[1] = i;
          }
        },
        compare,
        bytes: (i) => b.slice(i * w, (i + 1) * w),
      };
    }
    case 'i32': {
      const a = v.v.a;
      return { range: (v0, v1, out) => intRange(a, v0, v1, out), compare: (i, j) => a[i] - a[j], bytes: (i) => new Uint8Array(Int32Array.of(a[i]).buffer) };
    }
    case 'i64': {
      const h = v.h;
      return {
        range: (v0, v1, out) => {
          let min = v0;
          let max = v0;
          let minHi = h[2 * v0 + 1];
          let minLo = h[2 * v0] >>> 0;
          let maxHi = minHi;
          let maxLo = minLo;
          for (let i = v0 + 1; i < v1; i++) {
            const hi = h[2 * i + 1];
            const lo = h[2 * i] >>> 0;
            if (hi < minHi || (hi === minHi && lo < minLo)) {
              min = i;
              minHi = hi;
              minLo = lo;
            } else if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
              max = i;
              maxHi = hi;
              maxLo = lo;
            }
          }
          out[0] = min;
          out[1] = max;
        },
        compare: (i, j) => h[2 * i + 1] - h[2 * j + 1] || (h[2 * i] >>> 0) - (h[2 * j] >>> 0),
        bytes: (i) => new Uint8Array(h.buffer.slice(8 * i, 8 * i + 8)),
      };
    }
    default:
      return undefined;
  }
}

/** A lower bound of `b` no longer than MAX_BOUND_BYTES. */
function truncatedMin(b: Uint8Array, byteArray: boolean): Uint8Array {
  return byteArray && b.length > MAX_BOUND_BYTES ? b.slice(0, MAX_BOUND_BYTES) : b;
}

/** An upper bound of `b` no longer than MAX_BOUND_BYTES: a prefix with its last byte below 0xff incremented (all 0xff: `b` whole). */
function truncatedMax(b: Uint8Array, byteArray: boolean): Uint8Array {
  if (!byteArray || b.length <= MAX_BOUND_BYTES) return b;
  for (let n = MAX_BOUND_BYTES; n > 0; n--) {
    if (b[n - 1] === 0xff) continue;
    const out = b.slice(0, n);
    out[n - 1]++;
    return out;
  }
  return b;
}

/** Collects the page index of one chunk while its pages are written; bounds are found at the end, and only for chunks of several pages. */
export class PageIndexBuilder {
  private readonly locations: OffsetIndex['page_locations'] = [];
  /** Per page: first value, end value, nulls. */
  private readonly spans: number[] = [];
  private readonly values: AnyValues;
  private readonly bounds: boolean;

  /** `bounds`: also build the ColumnIndex (the column carries statistics). */
  constructor(values: AnyValues, bounds: boolean) {
    this.values = values;
    this.bounds = bounds;
  }

  /** A data page at file offset `offset`, `size` bytes with its header, holding rows from `firstRow` and values [v0, v1) (`nulls`: rows or list elements without one). */
  page(offset: number, size: number, firstRow: number, v0: number, v1: number, nulls: number): void {
    this.locations.push({ offset: BigInt(offset), compressed_page_size: size, first_row_index: BigInt(firstRow) });
    this.spans.push(v0, v1, nulls);
  }

  /** The chunk's page index; undefined for a chunk of one page, where the chunk's statistics say as much. */
  finish(chunk: ColumnChunk): ChunkPageIndex | undefined {
    if (this.locations.length <= 1) return undefined;
    const out: ChunkPageIndex = { chunk, offsetIndex: { page_locations: this.locations } };
    const o = this.bounds ? orderOf(this.values) : undefined;
    if (o) out.columnIndex = columnIndex(o, this.spans, this.values.kind === 'dict' || this.values.kind === 'fixed');
    return out;
  }
}

function columnIndex(o: Order, spans: readonly number[], byteArray: boolean): NonNullable<ChunkPageIndex['columnIndex']> {
  const ix: NonNullable<ChunkPageIndex['columnIndex']> = { null_pages: [], min_values: [], max_values: [], boundary_order: 'UNORDERED', null_counts: [] };
  let ascending = true;
  let descending = true;
  let lastMin = -1;
  let lastMax = -1;
  const at = new Int32Array(2);
  for (let p = 0; p < spans.length; p += 3) {
    const v0 = spans[p];
    const v1 = spans[p + 1];
    ix.null_counts.push(BigInt(spans[p + 2]));
    if (v1 === v0) {
      ix.null_pages.push(true);
      ix.min_values.push(new Uint8Array(0));
      ix.max_values.push(new Uint8Array(0));
      continue;
    }
    o.range(v0, v1, at);
    const min = at[0];
    const max = at[1];
    if (lastMin >= 0) {
      const dMin = o.compare(lastMin, min);
      const dMax = o.compare(lastMax, max);
      if (dMin > 0 || dMax > 0) ascending = false;
      if (dMin < 0 || dMax < 0) descending = false;
    }
    lastMin = min;
    lastMax = max;
    ix.null_pages.push(false);
    ix.min_values.push(truncatedMin(o.bytes(min), byteArray));
    ix.max_values.push(truncatedMax(o.bytes(max), byteArray));
  }
  ix.boundary_order = ascending ? 'ASCENDING' : descending ? 'DESCENDING' : 'UNORDERED';
  return ix;
}
