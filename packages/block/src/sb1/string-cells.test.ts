import { MemoryStore } from '@spanbase/backend';
import { av } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { decodeChunk } from './column-decode.ts';
import { DictValues } from './column-values.ts';
import { resolveDedicated } from './dedicated.ts';
import { parquetHeader } from './parquet-internals.ts';
import type { Sb1Reader } from './reader.ts';
import { cellColumns, decodeStringCells, StringRemap, withCells } from './string-cells.ts';

/** Conformance traces with a unique, partly non-ASCII value per span in a string list and an extra dedicated column. */
function traces(): SpanRecord[][] {
  let n = 0;
  return conformanceTraces({ traces: 50, bigTraceSpans: 300 }).map((t) =>
    t.map((r) => {
      n++;
      const odd = n % 7 === 0 ? `ü-${n}-😀` : `v-${n}`;
      const attributes = [...r.span.attributes, { key: 'unique', value: av.string(odd) }];
      if (n % 3 === 0) attributes.push({ key: 'order.id', value: av.string(`o-${n % 40}-é`) });
      return { ...r, span: { ...r.span, attributes } };
    }),
  );
}

describe('string cells', () => {
  it('hold the strings decodeChunk gives, for every cell column, page encoding and shape', async () => {
    const store = new MemoryStore();
    const dedicatedColumns = [{ n: 'order.id' }];
    const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 300, pageSizeBytes: 1024, dedicatedColumns }, traces());
    const reader = openBlock(store, meta) as Sb1Reader;
    const names = [...cellColumns(resolveDedicated(dedicatedColumns))];
    const seen = new Set<string>();
    for (let g = 0; g < meta.rowGroups; g++) {
      for (const [name, chunk] of await reader.readChunks(g, names)) {
        const want = decodeChunk(chunk.bytes, chunk.column, 0, chunk.rows);
        const cells = decodeStringCells(chunk.bytes, chunk.column, chunk.rows);
        expect(cells.materialize(), `${name} of row group ${g}`).toEqual(want);
        for (let e = 0; e + 1 < cells.starts.length; e++) expect(cells.lengthOf(e)).toBe(cells.stringOf(e).length);
        const first = parquetHeader({ view: new DataView(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength), offset: 0 });
        seen.add(`${chunk.column.spec.shape}${chunk.column.spec.nullable ? '?' : ''} ${first.type === 'DICTIONARY_PAGE' ? 'dictionary' : first.data_page_header_v2!.encoding}`);
      }
    }
    expect(meta.rowGroups).toBeGreaterThan(2);
    // Flat required and nullable columns, lists, dictionary and plain pages all occur.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['flat dictionary', 'flat? dictionary', 'list dictionary', 'list PLAIN']));
  });

  it('rejects a chunk with more rows than it holds', async () => {
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't' }, conformanceTraces({ traces: 5 }));
    const reader = openBlock(store, meta) as Sb1Reader;
    const chunk = (await reader.readChunks(0, ['name'])).get('name')!;
    expect(() => decodeStringCells(chunk.bytes, chunk.column, chunk.rows + 1)).toThrow(/rows/);
    // Damaged bytes are a format error, through the cells and through the fallback alike.
    const damaged = chunk.bytes.slice();
    for (let i = damaged.length >> 2; i < damaged.length; i += 7) damaged[i] ^= 0x5a;
    expect(() => decodeStringCells(damaged, chunk.column, chunk.rows)).toThrow(expect.objectContaining({ code: 'BLK_ERR_FORMAT' }));
    expect(() => withCells({}, 'name', damaged, chunk.column, chunk.rows)).toThrow(expect.objectContaining({ code: 'BLK_ERR_FORMAT' }));
  });

  it('give each entry the code its string has in the output dictionary, again after the dictionary is cleared', async () => {
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't' }, traces());
    const reader = openBlock(store, meta) as Sb1Reader;
    const chunk = (await reader.readChunks(0, ['span_str_values'])).get('span_str_values')!;
    const cells = decodeStringCells(chunk.bytes, chunk.column, chunk.rows);
    const out = new DictValues(false);
    const byString = new DictValues(false);
    const remap = new StringRemap(cells, out);
    for (let round = 0; round < 2; round++) {
      byString.addString('first');
      out.addString('first');
      for (const e of cells.codes) {
        out.addCode(remap.code(e));
        byString.addString(cells.stringOf(e));
      }
      expect(out.size).toBe(byString.size);
      for (let c = 0; c < out.size; c++) expect(out.stringOf(c)).toBe(byString.stringOf(c));
      expect([...out.codes.a.subarray(0, out.count)]).toEqual([...byString.codes.a.subarray(0, byString.count)]);
      out.clear();
      byString.clear();
    }
  });
});
