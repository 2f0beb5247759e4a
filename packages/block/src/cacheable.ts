// Which block objects are worth caching in the object store's read cache: small and immutable
// once written (metas, indexes, tags summaries). Bloom shards have their own cache of verified,
// parsed shards (sb1/bloom-cache.ts); manifests change and data.parquet is large.

/** True for object keys a read cache should keep. */
export function isCacheableBlockObject(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name === 'meta.json' || name === 'index' || name === 'tags';
}
