// Builds the configured store with its wrappers, from a plain config object (the config package
// fills it from flags and YAML; docs/storage.md describes every key).
import { isMainThread } from 'node:worker_threads';
import { withCache } from './cache.ts';
import { StoreConfig } from './errors.ts';
import type { FaultPlan } from './faults.ts';
import { checkFaultPlan, faultPlanFile, withFaults } from './faults.ts';
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
  /**
   * For tests only: fails some operations of the backend (faults.ts), by a fixed plan or one kept
   * in a JSON file and read again when it changes. No flag or YAML key sets it; see
   * FAULTS_ENV for the other way to turn it on.
   */
  faults?: { file: string } | FaultPlan;
}

/**
 * The environment variable that turns fault injection on for every store a process builds (its
 * worker threads and child processes included): the path of a fault plan file. For tests only;
 * a process that has it set says so on stderr (once, from its main thread).
 */
export const FAULTS_ENV = 'SPANBASE_STORE_FAULTS';

let warned = false;

/** The fault plan to wrap the backend in: the config's, else FAULTS_ENV's, else none. */
export function faultsOf(cfg: ObjectStoreConfig, env: NodeJS.ProcessEnv = process.env): ObjectStoreConfig['faults'] {
  return cfg.faults ?? (env[FAULTS_ENV] ? { file: env[FAULTS_ENV] } : undefined);
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
 * Builds the store: the backend (with injected faults, in tests), then metrics (per attempt),
 * retries, and the cache when `cfg.cache` is set. Cache hits therefore cost no request and no
 * metric; an injected fault counts as a failed request and is retried like one.
 */
export function createObjectStore(cfg: ObjectStoreConfig, deps: ObjectStoreDeps = {}): ObjectStore {
  let store = baseStore(cfg);
  const faults = faultsOf(cfg);
  if (faults) {
    if (!warned && isMainThread) {
      warned = true;
      process.emitWarning(`object store fault injection is on (${'file' in faults ? `${FAULTS_ENV}=${faults.file}` : 'storage config "faults"'}): some storage operations fail on purpose. For tests only.`, { code: 'SPANBASE_STORE_FAULTS' });
    }
    store = withFaults(store, 'file' in faults ? faultPlanFile(faults.file) : checkFaultPlan(faults, 'storage config "faults"'));
  }
  if (deps.metrics) store = withMetrics(store, deps.metrics);
  store = withRetry(store, { ...cfg.retry, onRetry: deps.onRetry });
  if (!cfg.cache) return store;
  if (!deps.cacheable) throw StoreConfig('a storage cache is configured but no cacheable-key predicate was given');
  return withCache(store, { cacheable: deps.cacheable, maxBytes: cfg.cache.maxBytes, maxObjectBytes: cfg.cache.maxObjectBytes });
}
