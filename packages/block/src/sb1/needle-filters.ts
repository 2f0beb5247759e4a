// What a fetch consults before it reads a row group for a needle: the block's attribute value
// index (object `values`) and data.parquet's Parquet bloom filters (span name and status
// message), and which conditions they can rule out. A filter only ever says "not here" for
// values it was built from; anything it cannot decide, or a filter that is missing or damaged,
// is "maybe here".
import type { Condition } from '@spanbase/traceql';
import type { FileMetaData } from 'hyparquet';
import { readBloomFilter } from './parquet-internals.ts';
import { sbbfContains, xxhashHalves } from './sbbf.ts';
import type { ValueIndex, ValueProbe, ValueScope } from './value-index.ts';
import { valueProbe } from './value-index.ts';

const utf8 = new TextEncoder();

/** The Parquet bloom filters of a block, parsed on first use. */
export class ColumnBlooms {
  private readonly region: Uint8Array;
  private readonly regionOffset: number;
  /** Per row group, per column: where its filter starts in data.parquet. */
  private readonly offsets: (number | undefined)[][];
  private readonly parsed = new Map<number, Uint32Array | null>();
  private readonly columns: number;

  /** `region`: the verified bytes of data.parquet from `regionOffset` that hold every filter. */
  constructor(md: FileMetaData, region: Uint8Array, regionOffset: number) {
    this.region = region;
    this.regionOffset = regionOffset;
    this.offsets = md.row_groups.map((rg) => rg.columns.map((c) => (c.meta_data?.bloom_filter_offset === undefined ? undefined : Number(c.meta_data.bloom_filter_offset))));
    this.columns = md.row_groups[0]?.columns.length ?? 0;
  }

  private words(rowGroup: number, column: number): Uint32Array | null {
    const key = rowGroup * this.columns + column;
    let w = this.parsed.get(key);
    if (w === undefined) {
      w = null;
      const at = this.offsets[rowGroup]?.[column];
      if (at !== undefined && at >= this.regionOffset && at < this.regionOffset + this.region.length) {
        try {
          const view = new DataView(this.region.buffer, this.region.byteOffset, this.region.byteLength);
          w = readBloomFilter({ view, offset: at - this.regionOffset })?.blocks ?? null;
        } catch {
          w = null;
        }
      }
      this.parsed.set(key, w);
    }
    return w;
  }

  /** False when the column chunk's filter rules out the value whose xxhash64 halves are given; true without a usable filter. */
  mayContain(rowGroup: number, column: number, hash: readonly [number, number]): boolean {
    const w = this.words(rowGroup, column);
    return !w || sbbfContains(w, hash[0], hash[1]);
  }
}

/**
 * What a condition asks the filters, with the hashes they look for: made once with the test (one
 * per condition of a query), not once per row group and block.
 */
export type NeedleTest =
  | { readonly kind: 'values'; readonly scopes: readonly ValueScope[]; readonly key: string; readonly value: string; readonly probe: ValueProbe }
  | { readonly kind: 'column'; readonly column: string; readonly value: string; readonly hash: readonly [number, number] };

const SCOPES: Record<string, readonly ValueScope[] | undefined> = {
  span: ['span'],
  resource: ['resource'],
  // Unscoped: the span's attribute, else the resource's.
  none: ['span', 'resource'],
  event: ['event'],
  link: ['link'],
  instrumentation: ['instrumentation'],
};

/** Intrinsics with a Parquet bloom filter, by column. */
const BLOOMED_INTRINSICS: Record<string, string | undefined> = { name: 'name', statusMessage: 'status_message' };

/**
 * The filter test that can rule a condition out: equality with a string (what a needle search
 * asks); undefined for every other condition. A string equals only strings (and string array
 * elements), and the filters hold every string value of their fields.
 */
export function needleTestOf(c: Condition): NeedleTest | undefined {
  const operand = c.operands[0];
  if (c.op !== '=' || c.operands.length !== 1 || operand?.type !== 'string') return undefined;
  const f = c.field;
  if (f.kind === 'attribute') {
    const scopes = SCOPES[f.scope];
    return scopes && { kind: 'values', scopes, key: f.name, value: operand.value, probe: valueProbe(scopes, f.name, operand.value) };
  }
  if (f.kind === 'intrinsic') {
    const column = BLOOMED_INTRINSICS[f.name];
    return column === undefined ? undefined : { kind: 'column', column, value: operand.value, hash: xxhashHalves(utf8.encode(operand.value)) };
  }
  return undefined;
}

/** The filters of one block as a fetch sees them (either may be absent). */
export class NeedleFilters {
  private readonly values: ValueIndex | undefined;
  private readonly blooms: ColumnBlooms | undefined;
  private readonly columnIndex: (name: string) => number;

  constructor(values: ValueIndex | undefined, blooms: ColumnBlooms | undefined, columnIndex: (name: string) => number) {
    this.values = values;
    this.blooms = blooms;
    this.columnIndex = columnIndex;
  }

  /** False when the row group cannot hold a row where the test's value is found. */
  mayHold(test: NeedleTest, rowGroup: number): boolean {
    if (test.kind === 'column') {
      const col = this.columnIndex(test.column);
      return !this.blooms || col < 0 || this.blooms.mayContain(rowGroup, col, test.hash);
    }
    return !this.values || this.values.mayHold(rowGroup, test.probe);
  }
}
