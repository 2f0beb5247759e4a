// A read cache as a wrapper (STYLE rule 2): an LRU bounded by bytes for small objects that do not
// change once written (block metas, bloom shards, indexes, Parquet footers). Which keys qualify
// is the caller's knowledge, so it is a predicate option; this package knows no block layout.
import type { ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** How `withCache` caches. */
export interface CacheOptions {
  /** Whether reads of `key` (whole or ranged) may be cached. */
  cacheable: (key: string) => boolean;
  /** Total bytes kept (default 64 MiB). */
  maxBytes?: number;
  /** Larger results are passed through uncached (default maxBytes / 16). */
  maxObjectBytes?: number;
}

/** Cache counters. */
export interface CacheStats {
  /** Reads answered from the cache. */
  hits: number;
  /** Cacheable reads that went to the store. */
  misses: number;
  /** Entries dropped to stay under maxBytes. */
  evictions: number;
  /** Entries held. */
  entries: number;
  /** Bytes held. */
  bytes: number;
}

/** A cached store, with its counters. */
export interface CachedObjectStore extends ObjectStore {
  /** A snapshot of the cache counters. */
  cacheStats(): CacheStats;
}

/** A read in flight; a write of its key marks it stale so its result is not cached. */
interface ReadToken {
  stale: boolean;
}

/**
 * Caches `get` and `getRange` results of cacheable keys; ranges are cached per (key, offset,
 * length), and a cached whole object also answers ranges. A put or delete of a key through this
 * wrapper drops its entries, and a read that overlapped such a write is not cached. Writes by
 * other processes are not seen: cache only keys that are never rewritten. Hits return copies,
 * so callers may mutate what they get.
 */
export function withCache(store: ObjectStore, opts: CacheOptions): CachedObjectStore {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const maxObjectBytes = opts.maxObjectBytes ?? Math.floor(maxBytes / 16);
  // Map order is recency order: a hit re-inserts, eviction takes from the front.
  const lru = new Map<string, { key: string; data: Uint8Array }>();
  const idsByKey = new Map<string, Set<string>>();
  const reading = new Map<string, Set<ReadToken>>();
  const stats = { hits: 0, misses: 0, evictions: 0, bytes: 0 };

  function remove(id: string): void {
    const e = lru.get(id);
    if (!e) return;
    lru.delete(id);
    stats.bytes -= e.data.length;
    const ids = idsByKey.get(e.key)!;
    ids.delete(id);
    if (ids.size === 0) idsByKey.delete(e.key);
  }

  function lookup(id: string): Uint8Array | undefined {
    const e = lru.get(id);
    if (!e) return undefined;
    lru.delete(id);
    lru.set(id, e);
    return e.data;
  }

  function insert(id: string, key: string, data: Uint8Array): void {
    if (data.length > maxObjectBytes) return;
    remove(id);
    // Own the bytes: a view into a larger buffer would pin (and under-count) that buffer.
    lru.set(id, { key, data: data.slice() });
    stats.bytes += data.length;
    let ids = idsByKey.get(key);
    if (!ids) idsByKey.set(key, (ids = new Set()));
    ids.add(id);
    for (const oldest of lru.keys()) {
      if (stats.bytes <= maxBytes) break;
      remove(oldest);
      stats.evictions++;
    }
  }

  function invalidate(key: string): void {
    for (const t of reading.get(key) ?? []) t.stale = true;
    for (const id of [...(idsByKey.get(key) ?? [])]) remove(id);
  }

  /** Reads through the store and caches the result under `id` unless a write overlapped. */
  async function readThrough(key: string, id: string, read: () => Promise<Uint8Array | undefined>): Promise<Uint8Array | undefined> {
    stats.misses++;
    const token: ReadToken = { stale: false };
    let tokens = reading.get(key);
    if (!tokens) reading.set(key, (tokens = new Set()));
    tokens.add(token);
    try {
      const data = await read();
      if (data && !token.stale) insert(id, key, data);
      return data;
    } finally {
      tokens.delete(token);
      if (tokens.size === 0) reading.delete(key);
    }
  }

  async function write(key: string, run: () => Promise<void>): Promise<void> {
    invalidate(key);
    try {
      await run();
    } finally {
      invalidate(key);
    }
  }

  return {
    async get(key: string, o?: OpOptions) {
      if (!opts.cacheable(key)) return store.get(key, o);
      o?.signal?.throwIfAborted();
      const hit = lookup(key);
      if (hit) {
        stats.hits++;
        return hit.slice();
      }
      return readThrough(key, key, () => store.get(key, o));
    },
    async getRange(key: string, offset: number, length: number, o?: OpOptions) {
      if (!opts.cacheable(key)) return store.getRange(key, offset, length, o);
      o?.signal?.throwIfAborted();
      const whole = lookup(key);
      if (whole) {
        stats.hits++;
        const start = Math.min(Math.max(0, offset), whole.length);
        return whole.slice(start, Math.min(whole.length, start + Math.max(0, length)));
      }
      const id = `${key}\0${offset}:${length}`; // keys never contain NUL (keys.ts)
      const hit = lookup(id);
      if (hit) {
        stats.hits++;
        return hit.slice();
      }
      return readThrough(key, id, () => store.getRange(key, offset, length, o));
    },
    head: (key, o) => store.head(key, o),
    list: (prefix, o) => store.list(prefix, o),
    put: (key, body: PutBody, o) => write(key, () => store.put(key, body, o)),
    delete: (key, o) => write(key, () => store.delete(key, o)),
    cacheStats: () => ({ ...stats, entries: lru.size }),
  };
}
