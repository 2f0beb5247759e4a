// Which block objects are worth caching: small and immutable once written (metas, bloom shards,
// indexes, tags summaries). Manifests change and data.parquet is large, so neither is.

/** True for object keys a read cache should keep. */
export function isCacheableBlockObject(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name === 'meta.json' || name === 'index' || name === 'tags' || /^bloom-\d+$/.test(name);
}
