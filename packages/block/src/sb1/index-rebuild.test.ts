// The index rebuilt from data.parquet is exactly the index the writer wrote, and a rebuild over
// damaged data fails instead of trusting it.
import type { ObjectStore } from '@spanbase/backend';
import { CountingSink, withMetrics } from '@spanbase/backend';
import { isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { BlockObjects, blockKey } from '../keys.ts';
import { openBlock } from '../registry.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { decodeIndex } from './index-file.ts';
import type { Sb1Reader } from './reader.ts';

async function flip(store: ObjectStore, key: string, at: number): Promise<void> {
  const bytes = (await store.get(key))!;
  bytes[at] ^= 0x10;
  await store.put(key, bytes);
}

describe('index rebuild', () => {
  const traces = generateRealisticTraces({ traces: 200, seed: 11 });

  it('gives back the index the writer wrote, byte for byte in every field', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 400, dedicatedColumns: [{ s: 'span', n: 'app.id' }] });
    const indexKey = blockKey(meta.tenantID, meta.blockID, BlockObjects.index);
    const written = decodeIndex((await store.get(indexKey))!);
    expect(written.rowGroups.length).toBeGreaterThan(3);
    await flip(store, indexKey, 100);
    const reader = openBlock(store, meta) as Sb1Reader;
    expect(await reader.loadIndex()).toEqual(written);
    expect(reader.damage().map((d) => [d.object, d.fallback])).toEqual([['index', 'index-rebuilt']]);
  });

  it('refuses data.parquet that does not match meta.json, once and for all', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 400 });
    const rg = (await (openBlock(store, meta) as Sb1Reader).rowGroups())[1];
    const spanId = (openBlock(store, meta) as Sb1Reader).columns.findIndex((c) => c.name === 'span_id');
    // A byte of span_id (plain encoded) decodes fine, so only the checksum can tell.
    await flip(store, blockKey(meta.tenantID, meta.blockID, BlockObjects.data), rg.offset + rg.chunkOffsets[spanId + 1] - 3);
    await flip(store, blockKey(meta.tenantID, meta.blockID, BlockObjects.index), 100);
    const sink = new CountingSink();
    const reader = openBlock(withMetrics(store, sink), meta) as Sb1Reader;
    const err = await reader.loadIndex().catch((e: unknown) => e);
    expect(isSpanbaseError(err) && err.code).toBe('BLK_ERR_CHECKSUM');
    expect(reader.damage().map((d) => d.fallback)).toEqual(['index-rebuilt', 'block-unreadable']);
    sink.reset();
    // Every later read fails at once, without reading data.parquet again.
    await expect(reader.findTrace(traces[0][0].span.traceId)).rejects.toMatchObject({ code: 'BLK_ERR_CHECKSUM' });
    expect(sink.requests('getRange') + sink.requests('get')).toBeLessThanOrEqual(1);
    expect(reader.damage()).toHaveLength(2);
  });
});
