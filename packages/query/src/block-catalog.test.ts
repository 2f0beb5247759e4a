import { CountingSink, MemoryStore, withMetrics } from '@spanbase/backend';
import { listBlocks, writeBlock, writeTenantIndex } from '@spanbase/block';
import { conformanceTraces } from '@spanbase/block/testing';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import { BlockCatalog } from './block-catalog.ts';

describe('BlockCatalog', () => {
  it('reads each meta once: later polls and a manifest-started catalog read only what changed', async () => {
    const base = new MemoryStore();
    const traces = conformanceTraces();
    for (let i = 0; i < 4; i++) await writeBlock(base, { tenant: 't' }, traces.slice(i * 2, i * 2 + 2));
    const sink = new CountingSink();
    const store = withMetrics(base, sink);
    const catalog = new BlockCatalog({ store, pollMs: 0, log: silentLogger() });
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
    const fresh = new BlockCatalog({ store, pollMs: 0, log: silentLogger() });
    await fresh.poll();
    expect(fresh.blocks('t')).toHaveLength(5);
    expect(sink.requests('get')).toBe(1);
  });
});
