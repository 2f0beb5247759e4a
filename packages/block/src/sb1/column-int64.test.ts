import { MemoryStore } from '@spanbase/backend';
import { describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { decodeChunk } from './column-decode.ts';
import { decodeInt64Chunk, isFlatInt64 } from './column-int64.ts';
import { parquetHeader } from './parquet-internals.ts';
import type { Sb1Reader } from './reader.ts';
import { sb1Columns } from './schema.ts';

describe('INT64 chunks decoded into one BigInt64Array', () => {
  it('hold the values decodeChunk gives, for every flat required INT64 column and page encoding', async () => {
    const store = new MemoryStore();
    // Small pages: several pages per chunk, dictionary-encoded ones (counts, trace times), PLAIN
    // (start times) and DELTA_BINARY_PACKED (durations).
    const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 300, pageSizeBytes: 1024 }, conformanceTraces({ traces: 60, bigTraceSpans: 400 }));
    const reader = openBlock(store, meta) as Sb1Reader;
    const names = sb1Columns([]).map((c) => c.name);
    const pageKinds = new Set<string>();
    let checked = 0;
    for (let g = 0; g < meta.rowGroups; g++) {
      for (const [name, chunk] of await reader.readChunks(g, names)) {
        if (!isFlatInt64(chunk.column)) continue;
        const want = decodeChunk(chunk.bytes, chunk.column, 0, chunk.rows);
        const got = decodeInt64Chunk(chunk.bytes, chunk.column, chunk.rows);
        expect([...got], `${name} of row group ${g}`).toEqual(want);
        checked++;
        const first = parquetHeader({ view: new DataView(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength), offset: 0 });
        pageKinds.add(first.type === 'DICTIONARY_PAGE' ? 'dictionary' : first.data_page_header_v2!.encoding);
      }
    }
    expect(meta.rowGroups).toBeGreaterThan(2);
    expect(checked).toBe(meta.rowGroups * 10);
    expect([...pageKinds].sort()).toEqual(['DELTA_BINARY_PACKED', 'PLAIN', 'dictionary']);
  });

  it('rejects a chunk with fewer rows than its row group says', async () => {
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't' }, conformanceTraces({ traces: 5 }));
    const reader = openBlock(store, meta) as Sb1Reader;
    const chunk = (await reader.readChunks(0, ['start_unix_nano'])).get('start_unix_nano')!;
    expect(() => decodeInt64Chunk(chunk.bytes, chunk.column, chunk.rows + 1)).toThrow(/rows/);
  });
});
