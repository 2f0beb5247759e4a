// The object-store settings the `storage.*` flags describe, in the shape the backend package's
// createObjectStore takes (the config package stays free of storage code: the shape is
// structural). One place, so the server, the compactor and the CLI build the same store.
import type { Config } from './flags.ts';

/** Storage settings from the flags. */
export interface StorageSettings {
  backend: 'local' | 's3';
  local?: { path: string };
  s3?: {
    bucket: string;
    endpoint: string;
    region: string;
    prefix: string;
    forcePathStyle: boolean;
    accessKeyId: string;
    secretAccessKey: string;
  };
  /** The read cache for small immutable objects; absent when --storage.cache-bytes is 0. */
  cache?: { maxBytes: number };
}

/** The store the flags describe; `withCache: false` leaves the read cache out (writers, CLIs). */
export function storageSettings(cfg: Config, opts: { withCache?: boolean } = {}): StorageSettings {
  const cache = opts.withCache !== false && cfg['storage.cache-bytes'] > 0 ? { maxBytes: cfg['storage.cache-bytes'] } : undefined;
  if (cfg['storage.backend'] === 'local') return { backend: 'local', local: { path: cfg['storage.local.path'] }, cache };
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
    cache,
  };
}
