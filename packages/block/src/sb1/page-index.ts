// The Parquet page index of a block as sb1's reader uses it: read once per reader (one range of
// data.parquet, checked against meta.json), and each chunk's ColumnIndex and OffsetIndex parsed
// when first asked for. A page's bounds have the shape of a chunk's footer statistics, so the
// conditions that skip row groups by statistics skip pages by the same test.
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { readColumnIndex, readOffsetIndex } from 'hyparquet';
import type { ColumnChunkStats } from './reader.ts';

/** The bounds of every data page of one column chunk. */
export interface PageBounds {
  /** First row of each page, and the row group's rows at the end. */
  readonly firstRows: Int32Array;
  /** Each page's min, max and null count, as footer statistics give them for a chunk. */
  readonly pages: readonly ColumnChunkStats[];
}

/** Leaf schema elements in column order (a list column's leaf is its `element`). */
function leaves(schema: readonly SchemaElement[]): SchemaElement[] {
  return schema.filter((e, i) => i > 0 && !e.num_children);
}

/** A block's page index: the bytes of its region of data.parquet and the footer that points into them. */
export class PageIndex {
  private readonly footer: FileMetaData;
  private readonly bytes: Uint8Array;
  private readonly base: number;
  private readonly elements: SchemaElement[];
  private readonly parsed = new Map<number, PageBounds | null>();

  /** `bytes`: data.parquet from file offset `base` on, holding every chunk's ColumnIndex and OffsetIndex. */
  constructor(footer: FileMetaData, bytes: Uint8Array, base: number) {
    this.footer = footer;
    this.bytes = bytes;
    this.base = base;
    this.elements = leaves(footer.schema);
  }

  /** Bytes held (for cache accounting). */
  get size(): number {
    return this.bytes.byteLength;
  }

  /** The page bounds of column `column` in row group `group`; undefined when the chunk has none (one page, or no statistics). */
  bounds(group: number, column: number): PageBounds | undefined {
    const key = group * 65536 + column;
    let b = this.parsed.get(key);
    if (b === undefined) {
      b = this.parse(group, column) ?? null;
      this.parsed.set(key, b);
    }
    return b ?? undefined;
  }

  private view(at: bigint | undefined, length: number | undefined): { view: DataView; offset: number } | undefined {
    if (at === undefined || length === undefined) return undefined;
    const from = Number(at) - this.base;
    if (from < 0 || from + length > this.bytes.length) return undefined;
    return { view: new DataView(this.bytes.buffer, this.bytes.byteOffset + from, length), offset: 0 };
  }

  private parse(group: number, column: number): PageBounds | undefined {
    const rg = this.footer.row_groups[group];
    const chunk = rg?.columns[column];
    const element = this.elements[column];
    if (!chunk || !element) return undefined;
    const ci = this.view(chunk.column_index_offset, chunk.column_index_length);
    const oi = this.view(chunk.offset_index_offset, chunk.offset_index_length);
    if (!ci || !oi) return undefined;
    const index = readColumnIndex(ci, element);
    const { page_locations: locations } = readOffsetIndex(oi);
    const n = locations.length;
    if (index.min_values.length !== n || index.max_values.length !== n) return undefined;
    const firstRows = new Int32Array(n + 1);
    for (let p = 0; p < n; p++) firstRows[p] = Number(locations[p].first_row_index);
    firstRows[n] = Number(rg.num_rows);
    const pages = locations.map((_, p): ColumnChunkStats => (index.null_pages[p] ? { min: undefined, max: undefined, nullCount: BigInt(firstRows[p + 1] - firstRows[p]) } : { min: index.min_values[p], max: index.max_values[p], nullCount: index.null_counts?.[p] }));
    return { firstRows, pages };
  }
}
