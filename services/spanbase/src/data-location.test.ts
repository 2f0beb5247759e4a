import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '@spanbase/config';
import { dataLocation } from './data-location.ts';

describe('dataLocation', () => {
  it('gives absolute local paths, and only for the modules that use them', () => {
    const cfg = defaultConfig();
    expect(dataLocation(cfg, ['store', 'ingester'])).toEqual({ wal: resolve('data/wal'), blocks: resolve('data/blocks') });
    expect(dataLocation(cfg, ['distributor'])).toEqual({});
    expect(dataLocation(cfg, ['compactor'])).toEqual({ blocks: resolve('data/blocks') });
  });

  it('names the bucket, prefix and endpoint of S3', () => {
    const cfg = defaultConfig({ 'storage.backend': 's3', 'storage.s3.bucket': 'traces', 'storage.s3.prefix': '/prod/', 'storage.s3.endpoint': 'http://127.0.0.1:9000' });
    expect(dataLocation(cfg, ['store']).blocks).toBe('s3://traces/prod/ at http://127.0.0.1:9000');
    expect(dataLocation({ ...cfg, 'storage.s3.prefix': '', 'storage.s3.endpoint': '' }, ['store']).blocks).toBe('s3://traces/');
  });
});
