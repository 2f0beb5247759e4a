import { MemoryStore } from '@spanbase/backend';
import { describe, expect, it } from 'vitest';
import { countRequestsPerBlock } from './block-requests.ts';

describe('countRequestsPerBlock', () => {
  it('counts each request under the block its key names, bloom shards apart from the rest', async () => {
    const base = new MemoryStore();
    const counter = countRequestsPerBlock(base);
    const s = counter.store;
    await s.put('t/b1/bloom-0', new Uint8Array(8));
    await s.put('t/b1/index', new Uint8Array(8));
    await s.get('t/b1/bloom-0');
    await s.getRange('t/b1/bloom-0', 0, 4);
    await s.get('t/b1/index');
    await s.get('t/b2/bloom-3');
    await s.head('t/b2/data.parquet');
    await s.list('t/');
    expect(counter.requests('b1', 'bloom')).toBe(3);
    expect(counter.requests('b1', 'other')).toBe(2);
    expect(counter.requests('b2', 'bloom')).toBe(1);
    expect(counter.requests('b2', 'other')).toBe(1);
    expect(counter.requests('b3', 'bloom')).toBe(0);
    expect(counter.total()).toBe(8);
    // Reads go through to the store.
    expect(await s.get('t/b1/index')).toEqual(new Uint8Array(8));
  });
});
