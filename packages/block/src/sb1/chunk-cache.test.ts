// The chunk cache: a column chunk is read, checked and decoded once, then served from memory to
// every later query with the same results; the cache stays within its budget; and a chunk that
// fails its checksum is never kept (its row group is left out of answers, the rest still answer).
import type { ObjectStore } from '@spanbase/backend';
import { CountingSink, withMetrics } from '@spanbase/backend';
import { bytesToHex } from '@spanbase/model';
import { executeSearch } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import { BlockObjects, blockKey } from '../keys.ts';
import { openBlock } from '../registry.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { ChunkCache } from './chunk-cache.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import type { Sb1Reader } from './reader.ts';

const QUERIES = ['{ duration > 10ms }', '{ resource.service.name != "x" && kind = server }', '{ status = error } >> { }', '{}'];

describe('chunk cache', () => {
  const traces = generateRealisticTraces({ traces: 300, seed: 5 });
  const search = (reader: ReturnType<typeof openBlock>, q: string) => executeSearch(q, blockSpansetFetcher(reader), { limit: 0, spansPerSpanset: 0 });

  it('reads, checks and decodes a chunk once, then serves every later query from memory', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const sink = new CountingSink();
    const cache = new ChunkCache(64 * 1024 * 1024);
    const cached = openBlock(withMetrics(store, sink), meta, { chunkCache: cache });
    const plain = openBlock(store, meta);
    const first = [];
    for (const q of QUERIES) first.push(await search(cached, q));
    expect(sink.requests('getRange')).toBeGreaterThan(0);
    expect(cache.count).toBeGreaterThan(10);
    sink.reset();
    for (const [i, q] of QUERIES.entries()) {
      const again = await search(cached, q);
      expect(again, q).toEqual(first[i]);
      expect(again, q).toEqual(await search(plain, q));
    }
    expect(sink.requests('getRange')).toBe(0);
    // Another reader of the same block shares the chunks.
    const other = openBlock(withMetrics(store, sink), meta, { chunkCache: cache });
    await search(other, '{}');
    expect(sink.requests('getRange')).toBe(0);
  });

  it('stays within its budget, evicting the least recently used', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const cache = new ChunkCache(32 * 1024);
    const reader = openBlock(store, meta, { chunkCache: cache });
    for (const q of QUERIES) {
      await search(reader, q);
      expect(cache.size <= 32 * 1024 || cache.count === 1).toBe(true);
    }
    expect(cache.count).toBeGreaterThan(0);
  });

  it('never keeps a chunk that fails its checksum, and loses only its row group', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const clean = openBlock(store, meta);
    const expected = [];
    for (const q of QUERIES) expected.push(await search(clean, q));
    const cache = new ChunkCache(64 * 1024 * 1024);
    const reader = openBlock(store, meta, { chunkCache: cache }) as Sb1Reader;
    // Flip a byte of the duration chunk of the first row group, which every query here reads.
    const rg = (await reader.rowGroups())[0];
    const column = reader.columns.findIndex((c) => c.name === 'duration_nano');
    await corrupt(store, blockKey(meta.tenantID, meta.blockID, BlockObjects.data), rg.offset + rg.chunkOffsets[column] + 2);
    const inGroup0 = (hex: string) => hex >= bytesToHex(rg.minTraceId) && hex <= bytesToHex(rg.maxTraceId);
    for (const [i, q] of QUERIES.entries()) {
      const fetcher = blockSpansetFetcher(reader);
      const got = await executeSearch(q, fetcher, { limit: 0, spansPerSpanset: 0 });
      expect(fetcher.stats.lost.map((d) => d.rowGroup), q).toEqual([0]);
      expect(got.traces.map((t) => t.traceId).sort(), q).toEqual(expected[i].traces.map((t) => t.traceId.padStart(32, '0')).filter((id) => !inGroup0(id)).map((id) => id.replace(/^0+/, '')).sort());
    }
    expect(cache.get(reader.chunkKey(0, 'duration_nano'))).toBeUndefined();
    expect(reader.damage().map((d) => [d.rowGroup, d.fallback])).toEqual([[0, 'row-group-lost']]);
  });
});

async function corrupt(store: ObjectStore, key: string, at: number): Promise<void> {
  const bytes = (await store.get(key))!;
  bytes[at] ^= 0x40;
  await store.put(key, bytes);
}
