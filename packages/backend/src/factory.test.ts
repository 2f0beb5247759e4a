import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { s3TestConfig } from '../../../test/setup/s3.ts';
import type { CachedObjectStore } from './cache.ts';
import { StoreConfig } from './errors.ts';
import type { ObjectStoreConfig } from './factory.ts';
import { createObjectStore } from './factory.ts';
import { CountingSink } from './metrics.ts';
import { describeObjectStore } from './object-store.conformance.ts';

const root = await mkdtemp(join(tmpdir(), 'spanbase-factory-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;

// The whole wrapped stack (metrics, retry, cache) over a real backend.
describeObjectStore('createObjectStore(local) with metrics and cache', () =>
  createObjectStore(
    { backend: 'local', local: { path: join(root, `c${++n}`) }, cache: { maxBytes: 1 << 20 } },
    { cacheable: () => true, metrics: new CountingSink() },
  ),
);

describe('createObjectStore', () => {
  it('builds a local store under local.path', async () => {
    const path = join(root, `l${++n}`);
    const store = createObjectStore({ backend: 'local', local: { path } });
    await store.put('t/b/meta.json', new TextEncoder().encode('{}'));
    expect(await readFile(join(path, 't', 'b', 'meta.json'), 'utf8')).toBe('{}');
  });

  it('builds an S3 store from the plain s3 section', async () => {
    const sink = new CountingSink();
    // Unset flags arrive as empty strings.
    const s3 = { ...s3TestConfig(), sessionToken: '' };
    const store = createObjectStore({ backend: 's3', s3 }, { metrics: sink });
    await store.put('k', new Uint8Array([1, 2]));
    expect(await store.get('k')).toEqual(new Uint8Array([1, 2]));
    expect(sink.requests()).toBe(2);
  });

  it('wraps in retries whose attempts the metrics sink sees', async () => {
    const sink = new CountingSink();
    const retries: number[] = [];
    const s3 = { ...s3TestConfig(), endpoint: 'http://127.0.0.1:1' };
    const store = createObjectStore(
      { backend: 's3', s3, retry: { maxAttempts: 2, baseDelayMs: 1 } },
      { metrics: sink, onRetry: (e) => retries.push(e.attempt) },
    );
    await expect(store.head('k')).rejects.toMatchObject({ code: 'STORE_ERR_REQUEST' });
    expect(sink.requests('head', 'error')).toBe(2);
    expect(retries).toEqual([1]);
  });

  it('adds the cache when configured, with the caller\'s predicate', async () => {
    const sink = new CountingSink();
    const store = createObjectStore(
      { backend: 'memory', cache: { maxBytes: 1000 } },
      { metrics: sink, cacheable: (k) => k.endsWith('meta.json') },
    ) as CachedObjectStore;
    await store.put('b/meta.json', new Uint8Array(3));
    await store.get('b/meta.json');
    await store.get('b/meta.json');
    expect(sink.requests('get')).toBe(1);
    expect(store.cacheStats().hits).toBe(1);
  });

  it('rejects incomplete configs with STORE_ERR_CONFIG', () => {
    const bad: [ObjectStoreConfig, object?][] = [
      [{ backend: 'local' }],
      [{ backend: 's3' }],
      [{ backend: 's3', s3: { bucket: 'b', accessKeyId: 'only-the-id' } }],
      [{ backend: 'nope' as 'memory' }],
      [{ backend: 'memory', cache: { maxBytes: 10 } }],
    ];
    for (const [cfg, deps] of bad) expect(() => createObjectStore(cfg, deps), JSON.stringify(cfg)).toThrow(expect.objectContaining({ code: StoreConfig.code }));
  });
});
