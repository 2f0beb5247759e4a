import { CountingSink, MemoryStore, withFaults, withMetrics } from '@spanbase/backend';
import type { FaultPlan } from '@spanbase/backend';
import { blockMayMatch, listBlocks, markBlockCompacted, writeBlock, writeTenantIndex } from '@spanbase/block';
import { parseOrThrow, planSearch } from '@spanbase/traceql';
import { conformanceTraces } from '@spanbase/block/testing';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import { BlockCatalog } from './block-catalog.ts';
import { readerBytes } from './reader-lru.ts';

describe('BlockCatalog', () => {
  it('reads each meta once: later polls and a manifest-started catalog read only what changed', async () => {
    const base = new MemoryStore();
    const traces = conformanceTraces();
    for (let i = 0; i < 4; i++) await writeBlock(base, { tenant: 't' }, traces.slice(i * 2, i * 2 + 2));
    const sink = new CountingSink();
    const store = withMetrics(base, sink);
    const catalog = new BlockCatalog({ store, pollMs: 0, log: silentLogger(), prefetch: false });
    await catalog.poll();
    expect(catalog.blocks('t')).toHaveLength(4);
    const firstGets = sink.requests('get');
    expect(firstGets).toBe(5); // the (missing) manifest, then the four metas
    await catalog.poll();
    expect(sink.requests('get')).toBe(firstGets); // nothing changed, nothing read
    await writeBlock(base, { tenant: 't' }, traces.slice(8, 10));
    await catalog.poll();
    expect(catalog.blocks('t')).toHaveLength(5);
    expect(sink.requests('get')).toBe(firstGets + 1);

    // A fresh process with a manifest reads the manifest, not the metas.
    await writeTenantIndex(base, 't', await listBlocks(base, 't'));
    sink.reset();
    const fresh = new BlockCatalog({ store, pollMs: 0, log: silentLogger(), prefetch: false });
    await fresh.poll();
    expect(fresh.blocks('t')).toHaveLength(5);
    expect(sink.requests('get')).toBe(1);
  });

  it('prefetches new blocks\' metadata, newest first within its budget, so deciding a search reads nothing', async () => {
    const base = new MemoryStore();
    const traces = conformanceTraces();
    const metas = [];
    for (let i = 0; i < 4; i++) metas.push(await writeBlock(base, { tenant: 't' }, traces.slice(i * 2, i * 2 + 2)));
    const sink = new CountingSink();
    const store = withMetrics(base, sink);
    const catalog = new BlockCatalog({ store, pollMs: 0, log: silentLogger() });
    const told: string[] = [];
    catalog.onPrefetch(async (m) => void told.push(m.blockID));
    await catalog.poll();
    await catalog.prefetchDone();
    expect(told.sort()).toEqual(metas.map((m) => m.blockID).sort());
    // Known blocks are not prefetched again.
    await catalog.poll();
    await catalog.prefetchDone();
    expect(told).toHaveLength(4);
    const ast = parseOrThrow('{ span.nowhere = "x" && name = "y" }');
    if (ast.body.kind !== 'pipeline') throw new Error('not a search');
    const request = planSearch(ast.body).request;
    sink.reset();
    for (const m of catalog.blocks('t')) expect(await blockMayMatch(catalog.reader(m), request)).toBe(false);
    expect(sink.requests('get') + sink.requests('getRange')).toBe(0);
    // A budget for about two blocks: the newest two are prefetched, the others wait for a query.
    const small = new BlockCatalog({ store, pollMs: 0, log: silentLogger(), metadataCacheBytes: 2.5 * readerBytes(metas[0]) });
    await small.poll();
    await small.prefetchDone();
    sink.reset();
    const newest = [...small.blocks('t')].sort((a, b) => (BigInt(b.endUnixNano) > BigInt(a.endUnixNano) ? 1 : -1));
    await blockMayMatch(small.reader(newest[0]), request);
    expect(sink.requests('get') + sink.requests('getRange')).toBe(0);
    await blockMayMatch(small.reader(newest[3]), request);
    expect(sink.requests('get') + sink.requests('getRange')).toBeGreaterThan(0);
  });
});

describe('BlockCatalog on a failing store', () => {
  it('keeps a block it knows while the store fails to return its new meta, and lists without the manifest', async () => {
    const base = new MemoryStore();
    const traces = conformanceTraces();
    const metas = [];
    for (let i = 0; i < 2; i++) metas.push(await writeBlock(base, { tenant: 't' }, traces.slice(i * 2, i * 2 + 2)));
    await writeTenantIndex(base, 't', await listBlocks(base, 't'));
    let plan: FaultPlan = { rules: [{ fault: 'server-error', ops: ['get'], key: 'index\\.json\\.zst$' }] };
    const store = withFaults(base, () => plan);
    const catalog = new BlockCatalog({ store, pollMs: 0, log: silentLogger() });
    await catalog.poll();
    expect(catalog.blocks('t').map((m) => m.blockID).sort()).toEqual(metas.map((m) => m.blockID).sort());
    expect(store.injected()).toBe(1);
    // The first block is marked compacted; its meta.compacted.json cannot be read for now.
    await markBlockCompacted(base, metas[0]);
    plan = { rules: [{ fault: 'reset', ops: ['get'], key: `${metas[0].blockID}/meta\\.compacted\\.json$` }] };
    await catalog.poll();
    expect(catalog.blocks('t').map((m) => m.blockID).sort()).toEqual(metas.map((m) => m.blockID).sort());
    plan = { rules: [] };
    await catalog.poll();
    expect(catalog.blocks('t').map((m) => m.blockID)).toEqual([metas[1].blockID]);
  });
});
