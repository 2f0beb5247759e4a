// The object store from the `storage.*` flags, with the cache set up for what blocks re-read:
// metas, bloom shards, indexes and tags summaries are small and immutable once written.
import type { ObjectStoreConfig } from '@spanbase/backend';
import type { Config } from '@spanbase/config';

/** Store settings from the flags. */
export function storeConfigFromFlags(cfg: Config): ObjectStoreConfig {
  const common = { cache: cfg['storage.cache-bytes'] > 0 ? { maxBytes: cfg['storage.cache-bytes'] } : undefined };
  if (cfg['storage.backend'] === 'local') return { backend: 'local', local: { path: cfg['storage.local.path'] }, ...common };
  return {
    backend: 's3',
    s3: {
      bucket: cfg['storage.s3.bucket'],
      endpoint: cfg['storage.s3.endpoint'],
      region: cfg['storage.s3.region'],
      prefix: cfg['storage.s3.prefix'],
      forcePathStyle: cfg['storage.s3.force-path-style'],
      accessKeyId: cfg['storage.s3.access-key-id'],
      secretAccessKey: cfg['storage.s3.secret-access-key'],
    },
    ...common,
  };
}
