// Summaries read ahead: after prefetchSummaries, the first pattern search over a block reads
// only the row groups whose summaries allow a match and finds what a reader without a cache
// finds; the chunks read for the summaries are not kept; a full summary budget stops it.
import { MemoryStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { av } from '@spanbase/model';
import { executeSearch } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { ChunkCache } from './chunk-cache.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import type { Sb1Reader } from './reader.ts';
import { prefetchSummaries } from './summary-prefetch.ts';

const NEEDLE = '/api/needle-4711';
const QUERY = '{ span.url.path =~ ".*/needle-[0-9]+" }';

async function block(): Promise<{ store: MemoryStore; meta: Awaited<ReturnType<typeof writeBlock>>; needle: string }> {
  const traces: SpanRecord[][] = generateRealisticTraces({ traces: 400, seed: 9 });
  // Every trace's first span has a url.path (a dictionary of common paths); one has the needle.
  traces.forEach((t, i) => {
    const path = i === 217 ? NEEDLE : `/api/list/${i % 20}`;
    t[0] = { ...t[0], span: { ...t[0].span, attributes: [...t[0].span.attributes.filter((a) => a.key !== 'url.path'), { key: 'url.path', value: av.string(path) }] } };
  });
  const t = traces[217];
  const store = new MemoryStore();
  const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 300 }, traces);
  return { store, meta, needle: Buffer.from(t[0].span.traceId).toString('hex') };
}

describe('prefetchSummaries', () => {
  it('lets the first pattern search read only the row groups that may match, with the same answer', async () => {
    const { store, meta, needle } = await block();
    const cache = new ChunkCache(64 * 1024 * 1024);
    const reader = openBlock(store, meta, { chunkCache: cache }) as Sb1Reader;
    await prefetchSummaries(reader);
    expect(cache.summaries.count).toBeGreaterThan(0);
    // The chunks read for the summaries are not kept.
    expect(cache.count).toBe(0);
    const groups = (await reader.rowGroups()).length;
    expect(groups).toBeGreaterThan(5);
    const f = blockSpansetFetcher(reader);
    const got = await executeSearch(QUERY, f, { limit: 0, spansPerSpanset: 0 });
    expect(got.traces.map((t) => t.traceId.padStart(32, '0'))).toEqual([needle]);
    expect(got).toEqual(await executeSearch(QUERY, blockSpansetFetcher(openBlock(store, meta)), { limit: 0, spansPerSpanset: 0 }));
    expect(f.stats.skippedBySummary).toBe(groups - 1);
    expect(f.stats.groupsRead).toBe(1);
  });

  it('stops when the summaries fill their share of the cache', async () => {
    const { store, meta } = await block();
    const cache = new ChunkCache(8 * 1024);
    const reader = openBlock(store, meta, { chunkCache: cache }) as Sb1Reader;
    await prefetchSummaries(reader);
    expect(cache.summaries.size).toBeLessThanOrEqual(cache.summaries.maxBytes + 4096);
    expect(cache.summaries.count).toBeLessThan((await reader.rowGroups()).length * 4);
  });
});
