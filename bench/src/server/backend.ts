// Where a benchmarked Spanbase keeps its blocks (--backend). `local` is a temp directory; `s3` is
// an S3 endpoint given by flags, or else s3rver on loopback, started the way the test suite
// starts it (test/setup/s3rver-process.ts) and only when a scenario asks for the backend.
import { join } from 'node:path';
import type { ObjectStoreConfig } from '@spanbase/backend';
import { startS3rver } from '../../../test/setup/s3rver-process.ts';
import type { S3rverProcess } from '../../../test/setup/s3rver-process.ts';

/** S3 connection settings (the `--s3.*` bench flags, or the local s3rver). */
export interface S3Target {
  /** Endpoint URL. */
  endpoint: string;
  /** Bucket (must exist). */
  bucket: string;
  /** Region used for signing. */
  region: string;
  /** Access key. */
  accessKeyId: string;
  /** Secret key. */
  secretAccessKey: string;
  /** Key prefix for this run, so runs never see each other's objects. */
  prefix: string;
  /** Path-style URLs (s3rver, MinIO). */
  forcePathStyle: boolean;
}

/** The storage a scenario runs against. */
export type BackendTarget = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3Target);

/** The spanbase flags that select `target`. */
export function storageFlags(target: BackendTarget): string[] {
  if (target.kind === 'local') return ['--storage.backend=local', `--storage.local.path=${target.dir}`];
  return [
    '--storage.backend=s3',
    `--storage.s3.endpoint=${target.endpoint}`,
    `--storage.s3.bucket=${target.bucket}`,
    `--storage.s3.region=${target.region}`,
    `--storage.s3.access-key-id=${target.accessKeyId}`,
    `--storage.s3.secret-access-key=${target.secretAccessKey}`,
    `--storage.s3.prefix=${target.prefix}`,
    `--storage.s3.force-path-style=${target.forcePathStyle}`,
  ];
}

/** Bench options that choose the backend. */
export interface BackendOptions {
  /** `local` or `s3`. */
  kind: 'local' | 's3';
  /** A real S3 endpoint; without it s3rver is started on loopback. */
  s3?: Partial<S3Target>;
}

/** Hands out backends per scenario and stops what it started. */
export class BackendPool {
  private readonly opts: BackendOptions;
  private s3rver: Promise<S3rverProcess> | undefined;
  private n = 0;

  constructor(opts: BackendOptions) {
    this.opts = opts;
  }

  /**
   * A backend for one scenario: a fresh directory under `tmpDir`, or a fresh S3 prefix. `kind`
   * overrides --backend (a scenario that measures both).
   */
  async acquire(tmpDir: string, runId: string, kind: BackendTarget['kind'] = this.opts.kind): Promise<BackendTarget> {
    this.n++;
    if (kind === 'local') return { kind: 'local', dir: join(tmpDir, `blocks-${this.n}`) };
    const given = this.opts.s3 ?? {};
    let base: Omit<S3Target, 'prefix' | 'forcePathStyle'>;
    if (given.endpoint) {
      if (!given.bucket) throw new Error('--s3.endpoint needs --s3.bucket');
      base = { endpoint: given.endpoint, bucket: given.bucket, region: given.region ?? 'us-east-1', accessKeyId: given.accessKeyId ?? '', secretAccessKey: given.secretAccessKey ?? '' };
    } else {
      this.s3rver ??= startS3rver('spanbase-bench');
      base = (await this.s3rver).info;
    }
    const prefix = [given.prefix, `bench-${runId}-${this.n}`].filter(Boolean).join('/');
    return { kind: 's3', ...base, prefix, forcePathStyle: given.forcePathStyle ?? !given.endpoint };
  }

  /** Stops s3rver if it was started. */
  async close(): Promise<void> {
    if (this.s3rver) await (await this.s3rver).stop();
  }
}

/** The object-store config (for `createObjectStore`) of `target`, without the read cache. */
export function storeConfig(target: BackendTarget): ObjectStoreConfig {
  if (target.kind === 'local') return { backend: 'local', local: { path: target.dir } };
  const { endpoint, bucket, region, accessKeyId, secretAccessKey, prefix, forcePathStyle } = target;
  return { backend: 's3', s3: { endpoint, bucket, region, accessKeyId, secretAccessKey, prefix, forcePathStyle } };
}
