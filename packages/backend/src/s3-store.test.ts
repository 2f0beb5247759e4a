import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { s3TestConfig } from '../../../test/setup/s3.ts';
import { StoreRequest } from './errors.ts';
import { CountingSink, withMetrics } from './metrics.ts';
import { chunked, describeObjectStore, patternBytes, sha256 } from './object-store.conformance.ts';
import { isRetryableError, withRetry } from './retry.ts';
import type { S3StoreOptions } from './s3-store.ts';
import { S3Store } from './s3-store.ts';

const MiB = 1024 * 1024;
const opened: S3Store[] = [];
function fresh(extra: Partial<S3StoreOptions> = {}): S3Store {
  const cfg = s3TestConfig();
  const store = new S3Store({ ...cfg, credentials: cfg, ...extra });
  opened.push(store);
  return store;
}
afterAll(() => {
  for (const s of opened) s.close();
});

describeObjectStore('s3 (s3rver)', () => fresh());

interface Sent {
  command: string;
  headers: Record<string, string>;
  query: Record<string, unknown>;
}

/** Records every request the store's client sends, after signing. */
function record(store: S3Store): Sent[] {
  const sent: Sent[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers: Record<string, string>; query: Record<string, unknown> };
      sent.push({ command: context.commandName as string, headers: { ...request.headers }, query: { ...request.query } });
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  return sent;
}

const commands = (sent: Sent[]) => sent.map((s) => s.command);

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('S3Store', () => {
  it('uploads a large stream as multipart with 8 MiB parts and no trailing checksums', async () => {
    const store = fresh();
    const sent = record(store);
    const data = patternBytes(20 * MiB);
    await store.put('mp/stream', chunked(data));
    expect(commands(sent)).toEqual([
      'CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    const parts = sent.filter((s) => s.command === 'UploadPartCommand');
    expect(parts.map((p) => Number(p.headers['content-length']))).toEqual([8 * MiB, 8 * MiB, 4 * MiB]);
    // requestChecksumCalculation WHEN_REQUIRED: no CRC trailers that S3-compatible stores reject.
    for (const s of sent) {
      expect(Object.keys(s.headers).filter((h) => h.startsWith('x-amz-checksum') || h === 'x-amz-trailer')).toEqual([]);
    }
    expect((await store.head('mp/stream'))?.size).toBe(data.length);
  });

  it('uploads a large byte array as multipart and small bodies as one PutObject', async () => {
    const store = fresh();
    const sent = record(store);
    await store.put('mp/bytes', patternBytes(9 * MiB));
    expect(commands(sent).filter((c) => c === 'UploadPartCommand')).toHaveLength(2);
    sent.length = 0;
    await store.put('mp/small', patternBytes(1000));
    await store.put('mp/small-stream', chunked(patternBytes(3 * MiB)));
    expect(commands(sent)).toEqual(['PutObjectCommand', 'PutObjectCommand']);
    expect(sha256((await store.get('mp/bytes'))!)).toBe(sha256(patternBytes(9 * MiB)));
  });

  it('retries a failed part and aborts the upload when a part keeps failing', async () => {
    const store = fresh();
    const sent = record(store);
    let failures = 0;
    let failWith: { status: number; times: number } = { status: 503, times: 1 };
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const query = (args.request as { query: Record<string, string> }).query;
        if (context.commandName === 'UploadPartCommand' && query.partNumber === '2' && failures < failWith.times) {
          failures++;
          throw Object.assign(new Error('injected'), { name: 'SlowDown', $metadata: { httpStatusCode: failWith.status } });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await store.put('mp/retried', chunked(patternBytes(17 * MiB)));
    expect(sha256((await store.get('mp/retried'))!)).toBe(sha256(patternBytes(17 * MiB)));

    failures = 0;
    failWith = { status: 403, times: 100 };
    sent.length = 0;
    const err = await store.put('mp/failed', chunked(patternBytes(17 * MiB))).catch((e: unknown) => e);
    expect(isSpanbaseError(err, StoreRequest)).toBe(true);
    expect(commands(sent)).toContain('AbortMultipartUploadCommand');
    expect(commands(sent)).not.toContain('CompleteMultipartUploadCommand');
    expect(await store.head('mp/failed')).toBeUndefined();
  });

  it('reads ranges with an explicit bytes=start-end header', async () => {
    const store = fresh();
    await store.put('rng', patternBytes(100));
    const sent = record(store);
    expect(await store.getRange('rng', 10, 5)).toEqual(patternBytes(100).subarray(10, 15));
    expect(await store.getRange('rng', 90, 50)).toEqual(patternBytes(100).subarray(90));
    expect(sent.map((s) => s.headers.range)).toEqual(['bytes=10-14', 'bytes=90-139']);
  });

  it('pages through listings with continuation tokens', async () => {
    const store = fresh({ listPageSize: 10 });
    const keys = Array.from({ length: 25 }, (_, i) => `p/${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k) => store.put(k, new Uint8Array(1))));
    await store.put('p/sub/x', new Uint8Array(1));
    const sent = record(store);
    expect((await store.list('p/', { delimiter: '/' })).objects.map((o) => o.key)).toEqual(keys);
    expect(commands(sent)).toEqual(['ListObjectsV2Command', 'ListObjectsV2Command', 'ListObjectsV2Command']);
    expect(sent[0].query['continuation-token']).toBeUndefined();
    expect(sent[1].query['continuation-token']).toBeTruthy();
  });

  it('keeps stores with different prefixes apart and hides the prefix from keys', async () => {
    const cfg = s3TestConfig();
    const a = fresh({ prefix: `/${cfg.prefix}/a/` });
    const b = fresh({ prefix: `${cfg.prefix}/b` });
    await a.put('k', new Uint8Array([1]));
    await b.put('k', new Uint8Array([2]));
    expect(await a.get('k')).toEqual(new Uint8Array([1]));
    expect(await b.get('k')).toEqual(new Uint8Array([2]));
    expect((await a.list('')).objects.map((o) => o.key)).toEqual(['k']);
    const whole = fresh({ prefix: cfg.prefix });
    expect(await whole.list('', { delimiter: '/' })).toEqual({ objects: [], prefixes: ['a/', 'b/'] });
  });

  it('fails fast on 403 (unknown access key): named error, no retry', async () => {
    const cfg = s3TestConfig();
    const sink = new CountingSink();
    const bad = new S3Store({ ...cfg, credentials: { accessKeyId: 'UNKNOWN', secretAccessKey: 'wrong' } });
    opened.push(bad);
    const store = withRetry(withMetrics(bad, sink), { baseDelayMs: 1 });
    const err = await store.get('x').catch((e: unknown) => e);
    expect(isSpanbaseError(err, StoreRequest)).toBe(true);
    expect((err as Error & { cause: { $metadata: { httpStatusCode: number } } }).cause.$metadata.httpStatusCode).toBe(403);
    expect(isRetryableError(err)).toBe(false);
    expect(sink.requests('get', 'error')).toBe(1);
  });

  it('classifies a refused connection as retryable and retries it a bounded number of times', async () => {
    const cfg = s3TestConfig();
    const sink = new CountingSink();
    const down = new S3Store({ ...cfg, credentials: cfg, endpoint: `http://127.0.0.1:${await closedPort()}` });
    opened.push(down);
    const store = withRetry(withMetrics(down, sink), { maxAttempts: 3, baseDelayMs: 1 });
    const err = await store.head('x').catch((e: unknown) => e);
    expect(isSpanbaseError(err, StoreRequest)).toBe(true);
    expect(isRetryableError(err)).toBe(true);
    expect(sink.requests('head', 'error')).toBe(3);
  });

  it('builds its client with checksums only when required', async () => {
    const { config } = fresh().client;
    expect(await config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });
});
