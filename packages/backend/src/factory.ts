// Builds the configured store with its wrappers, from a plain config object (the config package
// fills it from flags and YAML; docs/storage.md describes every key).
import { withCache } from './cache.ts';
import { StoreConfig } from './errors.ts';
import { LocalStore } from './local-store.ts';
import { MemoryStore } from './memory-store.ts';
import type { ObjectStoreMetricsSink } from './metrics.ts';
import { withMetrics } from './metrics.ts';
import type { ObjectStore } from './object-store.ts';
import type { RetryOptions } from './retry.ts';
import { withRetry } from './retry.ts';
import { S3Store } from './s3-store.ts';

/** The backends `createObjectStore` can build. */
export const StoreBackends = { local: 'local', s3: 's3', memory: 'memory' } as const;
/** One of StoreBackends. */
export type StoreBackend = (typeof StoreBackends)[keyof typeof StoreBackends];

/** The `s3` section of the storage config. */
export interface S3Config {
  /** Bucket name. */
  bucket: string;
  /** Endpoint URL of an S3-compatible store; AWS when unset. */
  endpoint?: string;
  /** Region (see S3StoreOptions.region). */
  region?: string;
  /** Key prefix inside the bucket. */
  prefix?: string;
  /** Path-style URLs, for MinIO, Ceph and most self-hosted stores. */
  forcePathStyle?: boolean;
  /** Static access key; with secretAccessKey, else the AWS credentials chain is used. */
  accessKeyId?: string;
  /** Static secret key. */
  secretAccessKey?: string;
  /** Session token for temporary static credentials. */
  sessionToken?: string;
}

/** Storage config: which backend, its settings, and the wrappers' settings. */
export interface ObjectStoreConfig {
  /** Which backend to build. */
  backend: StoreBackend;
  /** Settings of the `local` backend. */
  local?: { path: string };
  /** Settings of the `s3` backend. */
  s3?: S3Config;
  /** Retry policy; defaults as in RetryOptions. */
  retry?: Pick<RetryOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>;
  /** Enables the read cache. */
  cache?: { maxBytes: number; maxObjectBytes?: number };
}

/** What the caller supplies beyond plain config. */
export interface ObjectStoreDeps {
  /** Which keys the cache may hold; required when `cache` is configured. */
  cacheable?: (key: string) => boolean;
  /** Where request metrics go; each attempt of a retried operation counts. */
  metrics?: ObjectStoreMetricsSink;
  /** Called before each retry, e.g. to log it. */
  onRetry?: RetryOptions['onRetry'];
}

function baseStore(cfg: ObjectStoreConfig): ObjectStore {
  switch (cfg.backend) {
    case 'memory':
      return new MemoryStore();
    case 'local':
      if (!cfg.local?.path) throw StoreConfig('storage backend "local" needs local.path');
      return new LocalStore({ path: cfg.local.path });
    case 's3': {
      const s3 = cfg.s3;
      if (!s3?.bucket) throw StoreConfig('storage backend "s3" needs s3.bucket');
      if (Boolean(s3.accessKeyId) !== Boolean(s3.secretAccessKey)) {
        throw StoreConfig('s3.accessKeyId and s3.secretAccessKey go together (or leave both unset for the AWS chain)');
      }
      const credentials = s3.accessKeyId && s3.secretAccessKey
        ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, sessionToken: s3.sessionToken || undefined }
        : undefined;
      // Flags default to '' for "not set"; the SDK must see undefined there, not an empty URL.
      return new S3Store({
        bucket: s3.bucket, endpoint: s3.endpoint || undefined, region: s3.region || undefined,
        prefix: s3.prefix, forcePathStyle: s3.forcePathStyle, credentials,
      });
    }
    default: {
      const never: never = cfg.backend;
      throw StoreConfig(`unknown storage backend "${String(never)}" (expected local, s3 or memory)`);
    }
  }
}

/**
 * Builds the store: the backend, then metrics (per attempt), retries, and the cache when
 * `cfg.cache` is set. Cache hits therefore cost no request and no metric.
 */
export function createObjectStore(cfg: ObjectStoreConfig, deps: ObjectStoreDeps = {}): ObjectStore {
  let store = baseStore(cfg);
  if (deps.metrics) store = withMetrics(store, deps.metrics);
  store = withRetry(store, { ...cfg.retry, onRetry: deps.onRetry });
  if (!cfg.cache) return store;
  if (!deps.cacheable) throw StoreConfig('a storage cache is configured but no cacheable-key predicate was given');
  return withCache(store, { cacheable: deps.cacheable, maxBytes: cfg.cache.maxBytes, maxObjectBytes: cfg.cache.maxObjectBytes });
}
