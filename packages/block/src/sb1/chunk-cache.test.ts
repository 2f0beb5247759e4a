// The chunk cache: a verified chunk is read and checked once, then served from memory; the cache
// stays within its budget; and a chunk that fails its checksum is never kept.
import type { ObjectStore } from '@spanbase/backend';
import { CountingSink, withMetrics } from '@spanbase/backend';
import { isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { BlockObjects, blockKey } from '../keys.ts';
import { openBlock } from '../registry.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { ChunkCache } from './chunk-cache.ts';
import type { Sb1Reader } from './reader.ts';

const COLUMNS = ['duration_nano', 'name', 'service_name'];

describe('chunk cache', () => {
  const traces = generateRealisticTraces({ traces: 300, seed: 5 });

  it('reads and verifies a chunk once, then serves the same values from memory', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const sink = new CountingSink();
    const cache = new ChunkCache(64 * 1024 * 1024);
    const reader = openBlock(withMetrics(store, sink), meta, { chunkCache: cache }) as Sb1Reader;
    const groups = (await reader.rowGroups()).length;
    expect(groups).toBeGreaterThan(2);
    sink.reset();
    const first = await Promise.all(Array.from({ length: groups }, (_, g) => reader.readColumns(g, COLUMNS)));
    expect(sink.requests('getRange')).toBeGreaterThanOrEqual(groups);
    expect(cache.count).toBe(groups * COLUMNS.length);
    sink.reset();
    const again = await Promise.all(Array.from({ length: groups }, (_, g) => reader.readColumns(g, COLUMNS)));
    expect(sink.requests('getRange')).toBe(0);
    expect(again).toEqual(first);
    // Another reader of the same block shares what the first one read; a column not read yet is fetched.
    const other = openBlock(withMetrics(store, sink), meta, { chunkCache: cache }) as Sb1Reader;
    await other.readColumns(0, [...COLUMNS, 'kind']);
    expect(sink.requests('getRange')).toBe(1);
  });

  it('stays within its budget, evicting the least recently used', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const cache = new ChunkCache(4096);
    const reader = openBlock(store, meta, { chunkCache: cache }) as Sb1Reader;
    for (let g = 0; g < (await reader.rowGroups()).length; g++) {
      await reader.readColumns(g, COLUMNS);
      expect(cache.size <= 4096 || cache.count === 1).toBe(true);
    }
    expect(cache.count).toBeGreaterThan(0);
  });

  it('never keeps a chunk that fails its checksum', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const key = blockKey(meta.tenantID, meta.blockID, BlockObjects.data);
    const cache = new ChunkCache(64 * 1024 * 1024);
    const reader = openBlock(store, meta, { chunkCache: cache }) as Sb1Reader;
    const rg = (await reader.rowGroups())[0];
    await corrupt(store, key, rg.offset + rg.chunkOffsets[0] + 1);
    const err = await reader.readColumns(0, [reader.columns[0].name]).then(() => undefined, (e: unknown) => e);
    expect(isSpanbaseError(err) && err.code).toBe('BLK_ERR_CHECKSUM');
    expect(cache.count).toBe(0);
  });
});

async function corrupt(store: ObjectStore, key: string, at: number): Promise<void> {
  const bytes = (await store.get(key))!;
  bytes[at] ^= 0x40;
  await store.put(key, bytes);
}
