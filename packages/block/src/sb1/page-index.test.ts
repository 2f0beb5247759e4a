// The standard Parquet page index sb1 writes: every OffsetIndex points at the real page headers
// and first rows, every ColumnIndex bounds its pages exactly (or, truncated, still bounds them),
// and a reader that knows the page index (hyparquet's filtered read) reads fewer bytes for a
// needle and finds the same rows.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import { bytesToHex } from '@spanbase/model';
import type { ColumnChunk, FileMetaData } from 'hyparquet';
import { parquetMetadata, parquetReadObjects, readColumnIndex, readOffsetIndex } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockMeta } from '../meta.ts';
import { openBlock } from '../registry.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { DECOMPRESSORS } from './column-decode.ts';
import { DictValues } from './column-values.ts';
import { MAX_BOUND_BYTES, PageIndexBuilder } from './page-bounds.ts';
import { parquetHeader } from './parquet-internals.ts';
import type { Sb1Reader } from './reader.ts';

type Bound = string | bigint | number | Uint8Array | null;

function cmp(a: Bound, b: Bound): number {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

describe('PageIndexBuilder', () => {
  const chunk = {} as ColumnChunk;

  it('marks pages without values as null pages and finds descending bounds', () => {
    const v = new DictValues(true);
    for (const s of ['d', 'c', 'b', 'a']) v.addString(s);
    const b = new PageIndexBuilder(v, true);
    b.page(100, 10, 0, 0, 2, 1);
    b.page(110, 10, 3, 2, 2, 2);
    b.page(120, 10, 5, 2, 4, 0);
    const ix = b.finish(chunk)!;
    expect(ix.offsetIndex.page_locations.map((p) => [Number(p.offset), p.compressed_page_size, Number(p.first_row_index)])).toEqual([[100, 10, 0], [110, 10, 3], [120, 10, 5]]);
    const text = (a: Uint8Array[]) => a.map((x) => Buffer.from(x).toString());
    expect(ix.columnIndex).toMatchObject({ null_pages: [false, true, false], null_counts: [1n, 2n, 0n], boundary_order: 'DESCENDING' });
    expect([text(ix.columnIndex!.min_values), text(ix.columnIndex!.max_values)]).toEqual([['c', '', 'a'], ['d', '', 'b']]);
  });

  it('truncates long byte arrays to bounds that still hold', () => {
    const v = new DictValues(false);
    const long = 'x'.repeat(MAX_BOUND_BYTES + 10);
    v.addString(long + 'a');
    v.addString(long + 'b');
    v.addBytes(new Uint8Array(MAX_BOUND_BYTES + 5).fill(0xff));
    const b = new PageIndexBuilder(v, true);
    b.page(0, 1, 0, 0, 2, 0);
    b.page(1, 1, 2, 2, 3, 0);
    const { min_values: min, max_values: max } = b.finish(chunk)!.columnIndex!;
    expect(Buffer.from(min[0]).toString()).toBe('x'.repeat(MAX_BOUND_BYTES));
    // The max prefix is incremented: 'xxx…y' sorts after every 'xxx…' value.
    expect(Buffer.from(max[0]).toString()).toBe('x'.repeat(MAX_BOUND_BYTES - 1) + 'y');
    // All 0xff cannot be incremented: kept whole.
    expect(max[1].length).toBe(MAX_BOUND_BYTES + 5);
  });

  it('gives no index for a chunk of one page, and no column index without statistics', () => {
    const v = new DictValues(false);
    v.addString('a');
    v.addString('b');
    const one = new PageIndexBuilder(v, true);
    one.page(0, 1, 0, 0, 2, 0);
    expect(one.finish(chunk)).toBeUndefined();
    const plain = new PageIndexBuilder(v, false);
    plain.page(0, 1, 0, 0, 1, 0);
    plain.page(1, 1, 1, 1, 2, 0);
    expect(plain.finish(chunk)!.columnIndex).toBeUndefined();
  });
});

describe('sb1 page index', () => {
  const traces = generateRealisticTraces({ traces: 800, seed: 33 });
  let dir: string;
  let meta: BlockMeta;
  let reader: Sb1Reader;
  let file: ArrayBuffer;
  let footer: FileMetaData;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb1-page-index-'));
    const store = new LocalStore({ path: dir });
    // Small pages, so chunks have many.
    ({ meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 3000, pageSizeBytes: 1024 }, store));
    reader = openBlock(store, meta) as Sb1Reader;
    const bytes = await readFile(join(dir, 'conformance', meta.blockID, 'data.parquet'));
    file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    footer = parquetMetadata(file);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is where meta.json says, and verify checks it', async () => {
    expect(meta.pageIndex).toBeDefined();
    const { offset, size } = meta.pageIndex!;
    for (const g of footer.row_groups) {
      for (const c of g.columns) {
        for (const [at, len] of [[c.column_index_offset, c.column_index_length], [c.offset_index_offset, c.offset_index_length]] as const) {
          if (at === undefined) continue;
          expect(Number(at)).toBeGreaterThanOrEqual(offset);
          expect(Number(at) + len!).toBeLessThanOrEqual(offset + size);
        }
      }
    }
    const report = await reader.verify();
    expect(report.ok).toBe(true);
    expect(report.checked).toContain('data.parquet page index');
  });

  it('locates every data page and its first row', () => {
    let indexed = 0;
    for (const g of footer.row_groups) {
      for (const c of g.columns) {
        if (c.offset_index_offset === undefined) continue;
        indexed++;
        const { page_locations: pages } = readOffsetIndex({ view: new DataView(file, Number(c.offset_index_offset), c.offset_index_length), offset: 0 });
        expect(pages.length).toBeGreaterThan(1);
        expect(Number(pages[0].offset)).toBe(Number(c.meta_data!.data_page_offset));
        let row = 0;
        for (const p of pages) {
          const r = { view: new DataView(file, Number(p.offset), p.compressed_page_size), offset: 0 };
          const header = parquetHeader(r);
          expect(header.type).toBe('DATA_PAGE_V2');
          expect(r.offset + header.compressed_page_size).toBe(p.compressed_page_size);
          expect(Number(p.first_row_index)).toBe(row);
          row += header.data_page_header_v2!.num_rows;
        }
        expect(row).toBe(Number(g.num_rows));
      }
    }
    expect(indexed).toBeGreaterThan(footer.row_groups.length * 10);
  });

  it('bounds every page of the columns with statistics, exactly when short', async () => {
    const schema = footer.schema;
    const checked = new Set<string>();
    for (const [gi, g] of footer.row_groups.entries()) {
      for (const c of g.columns) {
        if (c.column_index_offset === undefined) continue;
        const name = c.meta_data!.path_in_schema[0];
        checked.add(name);
        const element = schema.find((e) => e.name === name)!;
        const ci = readColumnIndex({ view: new DataView(file, Number(c.column_index_offset), c.column_index_length), offset: 0 }, element);
        const oi = readOffsetIndex({ view: new DataView(file, Number(c.offset_index_offset), c.offset_index_length), offset: 0 });
        expect(ci.min_values.length).toBe(oi.page_locations.length);
        const starts = oi.page_locations.map((p) => Number(p.first_row_index));
        starts.push(Number(g.num_rows));
        for (let p = 0; p < ci.min_values.length; p++) {
          const rows = (await reader.readColumns(gi, [name], { start: starts[p], end: starts[p + 1] }))[name] as Bound[];
          const values = rows.filter((v) => v !== null).sort(cmp);
          expect(Number(ci.null_counts![p])).toBe(rows.length - values.length);
          expect(ci.null_pages[p]).toBe(values.length === 0);
          if (values.length === 0) continue;
          const [lo, hi] = [values[0], values[values.length - 1]];
          const [min, max] = [ci.min_values[p] as Bound, ci.max_values[p] as Bound];
          const long = typeof hi === 'string' && Buffer.byteLength(hi) > MAX_BOUND_BYTES;
          if (!long) expect([name, p, max]).toEqual([name, p, hi]);
          else expect(cmp(max, hi)).toBeGreaterThanOrEqual(0);
          if (typeof lo !== 'string' || Buffer.byteLength(lo) <= MAX_BOUND_BYTES) expect([name, p, min]).toEqual([name, p, lo]);
          else expect(cmp(min, lo)).toBeLessThanOrEqual(0);
        }
        // Rows are sorted by trace id, so its pages ascend; the other columns are in no order.
        if (name === 'trace_id') expect(ci.boundary_order).toBe('ASCENDING');
      }
    }
    expect([...checked]).toEqual(expect.arrayContaining(['trace_id', 'name', 'duration_nano', 'start_unix_nano', 'status_code']));
  });

  it('lets a reader that knows it read fewer bytes for a trace id, with the same rows', async () => {
    const target = traces[Math.floor(traces.length / 3)];
    const id = target[0].span.traceId;
    let read = 0;
    const counted = {
      byteLength: file.byteLength,
      slice(start: number, end?: number) {
        read += (end ?? file.byteLength) - start;
        return file.slice(start, end);
      },
    };
    const columns = ['trace_id', 'span_id', 'name'];
    const found = await parquetReadObjects({ file: counted, columns, filter: { trace_id: { $eq: id } }, usePageIndex: true, compressors: DECOMPRESSORS, metadata: footer });
    const withIndex = read;
    expect(found.map((r) => bytesToHex(r.trace_id as Uint8Array))).toEqual(target.map(() => bytesToHex(id)));
    expect(found.map((r) => bytesToHex(r.span_id as Uint8Array)).sort()).toEqual(target.map((s) => bytesToHex(s.span.spanId)).sort());
    // The same read with the page index removed from the footer reads whole chunks.
    const bare: FileMetaData = { ...footer, row_groups: footer.row_groups.map((g) => ({ ...g, columns: g.columns.map((c) => ({ ...c, column_index_offset: undefined, column_index_length: undefined, offset_index_offset: undefined, offset_index_length: undefined })) })) };
    read = 0;
    const again = await parquetReadObjects({ file: counted, columns, filter: { trace_id: { $eq: id } }, usePageIndex: true, compressors: DECOMPRESSORS, metadata: bare });
    expect(again.length).toBe(found.length);
    expect(withIndex).toBeLessThan(read / 2);
  });
});
