import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.ts';
import { CountingSink, withMetrics } from './metrics.ts';
import type { ObjectStore } from './object-store.ts';
import { describeObjectStore } from './object-store.conformance.ts';
import type { CacheOptions } from './cache.ts';
import { withCache } from './cache.ts';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
const immutable = (key: string) => key.endsWith('meta.json') || key.includes('/bloom-') || key.endsWith('.parquet');

/** A cache over a counted memory store: `sink` sees only the requests that reached the store. */
function setup(opts: Partial<CacheOptions> = {}, inner: ObjectStore = new MemoryStore()) {
  const sink = new CountingSink();
  const store = withCache(withMetrics(inner, sink), { cacheable: immutable, ...opts });
  return { sink, store };
}

describeObjectStore('memory behind withCache (everything cacheable)', () => withCache(new MemoryStore(), { cacheable: () => true }));

describe('withCache', () => {
  it('serves repeated reads of cacheable keys from memory, others from the store', async () => {
    const { sink, store } = setup();
    await store.put('b/meta.json', bytes(10));
    await store.put('b/manifest', bytes(10));
    for (let i = 0; i < 3; i++) {
      expect(await store.get('b/meta.json')).toEqual(bytes(10));
      expect(await store.get('b/manifest')).toEqual(bytes(10));
    }
    expect(sink.requests('get', 'ok')).toBe(1 + 3);
    expect(store.cacheStats()).toMatchObject({ hits: 2, misses: 1, entries: 1, bytes: 10 });
  });

  it('caches ranges per (key, offset, length), and a cached whole object answers any range', async () => {
    const { sink, store } = setup();
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    await store.put('b/data.parquet', data);
    expect(await store.getRange('b/data.parquet', 92, 8)).toEqual(data.subarray(92));
    expect(await store.getRange('b/data.parquet', 92, 8)).toEqual(data.subarray(92));
    expect(await store.getRange('b/data.parquet', 90, 8)).toEqual(data.subarray(90, 98));
    expect(sink.requests('getRange')).toBe(2);
    await store.get('b/data.parquet');
    expect(await store.getRange('b/data.parquet', 10, 5)).toEqual(data.subarray(10, 15));
    expect(await store.getRange('b/data.parquet', 95, 50)).toEqual(data.subarray(95));
    expect(sink.requests('getRange')).toBe(2);
  });

  it('does not cache missing objects', async () => {
    const { sink, store } = setup();
    expect(await store.get('b/meta.json')).toBeUndefined();
    await store.put('b/meta.json', bytes(3));
    expect(await store.get('b/meta.json')).toEqual(bytes(3));
    expect(sink.requests('get')).toBe(2);
  });

  it('drops a key\'s whole and ranged entries on put and delete', async () => {
    const { store } = setup();
    await store.put('b/bloom-0', bytes(8, 1));
    await store.get('b/bloom-0');
    await store.getRange('b/bloom-0', 0, 4);
    await store.put('b/bloom-0', bytes(8, 2));
    expect(await store.get('b/bloom-0')).toEqual(bytes(8, 2));
    expect(await store.getRange('b/bloom-0', 0, 4)).toEqual(bytes(4, 2));
    await store.delete('b/bloom-0');
    expect(await store.get('b/bloom-0')).toBeUndefined();
    expect(await store.getRange('b/bloom-0', 0, 4)).toBeUndefined();
  });

  it('evicts least recently used entries to stay under maxBytes', async () => {
    const { sink, store } = setup({ maxBytes: 100, maxObjectBytes: 100 });
    for (const k of ['a', 'b', 'c']) await store.put(`${k}/meta.json`, bytes(40));
    await store.get('a/meta.json');
    await store.get('b/meta.json');
    await store.get('a/meta.json'); // a is now more recent than b
    await store.get('c/meta.json'); // 120 bytes: b goes
    expect(store.cacheStats()).toMatchObject({ entries: 2, bytes: 80, evictions: 1 });
    sink.reset();
    await store.get('a/meta.json');
    await store.get('c/meta.json');
    expect(sink.requests()).toBe(0);
    await store.get('b/meta.json');
    expect(sink.requests()).toBe(1);
  });

  it('passes objects over maxObjectBytes through uncached', async () => {
    const { sink, store } = setup({ maxBytes: 1000, maxObjectBytes: 50 });
    await store.put('x/meta.json', bytes(51));
    await store.get('x/meta.json');
    await store.get('x/meta.json');
    expect(sink.requests('get')).toBe(2);
    expect(store.cacheStats().entries).toBe(0);
  });

  it('hands out copies, so a caller mutating its bytes cannot poison the cache', async () => {
    const { store } = setup();
    await store.put('m/meta.json', bytes(4, 7));
    (await store.get('m/meta.json'))!.fill(0);
    (await store.get('m/meta.json'))!.fill(0);
    expect(await store.get('m/meta.json')).toEqual(bytes(4, 7));
  });

  it('does not cache a read that overlapped a write of the same key', async () => {
    const memory = new MemoryStore();
    let gate: Promise<void> | undefined;
    const slow: ObjectStore = {
      get: async (k, o) => {
        const data = await memory.get(k, o);
        await gate;
        return data;
      },
      getRange: (...a) => memory.getRange(...a),
      head: (...a) => memory.head(...a),
      put: (...a) => memory.put(...a),
      delete: (...a) => memory.delete(...a),
      list: (...a) => memory.list(...a),
    };
    const store = withCache(slow, { cacheable: () => true });
    await store.put('k', bytes(2, 1));
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const staleRead = store.get('k'); // reads version 1, then waits
    await store.put('k', bytes(2, 2));
    release();
    expect(await staleRead).toEqual(bytes(2, 1));
    gate = undefined;
    expect(await store.get('k')).toEqual(bytes(2, 2));
  });
});
