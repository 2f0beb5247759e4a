// An ObjectStore on any S3 API (AWS, MinIO, Ceph RGW, R2, GCS interop) through @aws-sdk/client-s3.
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand,
  S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart } from '@aws-sdk/client-s3';
import { isSpanbaseError } from '@spanbase/model';
import { plainBytes } from './bytes.ts';
import { StoreConfig, StoreRequest, StoreTooLarge } from './errors.ts';
import { checkKey, checkPrefix } from './keys.ts';
import { compareKeys } from './list-util.ts';
import type { ListResult, ObjectInfo, ObjectStore, OpOptions, PutBody } from './object-store.ts';
import { retrying } from './retry.ts';
import { partsOf } from './s3-parts.ts';

/** Options of the S3 store. */
export interface S3StoreOptions {
  /** Bucket name; it must exist. */
  bucket: string;
  /** Endpoint URL for S3-compatible stores (MinIO, Ceph, R2); AWS when unset. */
  endpoint?: string;
  /** Region; unset: the AWS chain (AWS_REGION, profile), or `us-east-1` when an endpoint is set. */
  region?: string;
  /** Key prefix inside the bucket, so several deployments can share one bucket. */
  prefix?: string;
  /** Path-style URLs (`endpoint/bucket/key`); MinIO, Ceph and most self-hosted stores need it. */
  forcePathStyle?: boolean;
  /** Static credentials; unset: the standard AWS chain (env, profile files, SSO, IRSA, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Multipart part size in bytes (default 8 MiB, at least S3's 5 MiB minimum). */
  partSize?: number;
  /** Parts uploaded at once; memory held by an upload is about this times `partSize` (default 4). */
  uploadConcurrency?: number;
  /** Keys per ListObjectsV2 page (default and S3's maximum: 1000). */
  listPageSize?: number;
  /** Socket connect timeout, ms (default 5,000). */
  connectionTimeoutMs?: number;
  /** Socket idle timeout of one request, ms (default 60,000). */
  requestTimeoutMs?: number;
  /** Use this client instead of building one (the options above that shape a client are ignored). */
  client?: S3Client;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Whether a (wrapped) SDK error says the key does not exist: NoSuchKey on GET, NotFound on HEAD
 * (which has no body to name the error). A missing bucket stays an error.
 */
function isNotFound(err: unknown): boolean {
  const sdk = (isSpanbaseError(err) ? err.cause : err) as SdkError | undefined;
  const name = sdk?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(sdk) === 404 && name !== 'NoSuchBucket');
}

/** Builds the SDK client for `opts`. */
export function createS3Client(opts: S3StoreOptions): S3Client {
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region ?? (opts.endpoint ? 'us-east-1' : undefined),
    forcePathStyle: opts.forcePathStyle,
    credentials: opts.credentials,
    // Since SDK 3.729 the client adds CRC32 checksums to every upload by default and, for
    // streamed bodies, sends them as aws-chunked trailers (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
    // s3rver, older MinIO, Ceph RGW and other S3-compatible stores reject or mis-store those
    // requests, and some return checksums that fail the client's response validation on
    // multipart objects. WHEN_REQUIRED restores the older behaviour: checksums only where the
    // API demands them. Integrity of stored blocks is checked above this layer (meta.json).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries belong to withRetry, so attempts stay bounded and visible to metrics.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
      // An idle timeout, so a store that stops answering mid-request fails the request (a
      // retryable TimeoutError) instead of holding a flush, a compaction or a query forever.
      // Not `requestTimeout`: in this SDK that only logs a warning on the console unless
      // throwOnRequestTimeout is set, and it would bound a whole large transfer, not silence.
      socketTimeout: opts.requestTimeoutMs ?? 60_000,
    },
  });
}

/** Stores objects in one bucket under an optional key prefix. */
export class S3Store implements ObjectStore {
  /** The SDK client, e.g. to add middleware in tests. */
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly listPageSize: number | undefined;

  constructor(opts: S3StoreOptions) {
    if (!opts.bucket) throw StoreConfig('S3 store needs a bucket');
    const prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix !== '') checkKey(prefix);
    this.prefix = prefix === '' ? '' : prefix + '/';
    this.partSize = opts.partSize ?? 8 * MiB;
    if (this.partSize < MIN_PART_SIZE) throw StoreConfig(`S3 part size must be at least ${MIN_PART_SIZE} bytes`);
    this.concurrency = Math.max(1, opts.uploadConcurrency ?? 4);
    this.listPageSize = opts.listPageSize;
    this.bucket = opts.bucket;
    this.client = opts.client ?? createS3Client(opts);
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  private keyOf(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  /** Sends one command; aborts reject with the signal's reason, failures as STORE_ERR_REQUEST. */
  private async send<T>(op: string, key: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    try {
      return await run();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (isSpanbaseError(err)) throw err;
      const e = err as SdkError & Error;
      const status = statusOf(err);
      throw StoreRequest(`S3 ${op} '${key}' failed: ${e.name}${status ? ` (${status})` : ''}: ${e.message}`, { cause: err });
    }
  }

  async get(key: string, opts?: OpOptions): Promise<Uint8Array | undefined> {
    const Key = this.keyOf(key);
    const signal = opts?.signal;
    try {
      return await this.send('get', key, signal, async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: signal });
        return plainBytes(await res.Body!.transformToByteArray());
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getRange(key: string, offset: number, length: number, opts?: OpOptions): Promise<Uint8Array | undefined> {
    const Key = this.keyOf(key);
    const signal = opts?.signal;
    const start = Math.max(0, offset);
    // An empty range cannot be written as `bytes=a-b`; ask whether the object exists instead.
    if (length <= 0) return (await this.head(key, opts)) ? new Uint8Array(0) : undefined;
    try {
      return await this.send('getRange', key, signal, async () => {
        // Always `start-end`, never a suffix range (`bytes=-n`): some S3-compatible stores
        // mishandle suffixes, and the end is known anyway. S3 clips an end past the object.
        const Range = `bytes=${start}-${start + length - 1}`;
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }), { abortSignal: signal });
        const bytes = plainBytes(await res.Body!.transformToByteArray());
        // A server that ignores Range answers 200 with the whole object: cut it here.
        return res.ContentRange ? bytes : bytes.subarray(start, start + length);
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      // 416: the range starts at or past the end. Clipped, that is empty, if the object exists.
      const cause = isSpanbaseError(err) ? err.cause : err;
      if (statusOf(cause) === 416 || (cause as SdkError | undefined)?.name === 'InvalidRange') {
        return (await this.head(key, opts)) ? new Uint8Array(0) : undefined;
      }
      throw err;
    }
  }

  async head(key: string, opts?: OpOptions): Promise<ObjectInfo | undefined> {
    const Key = this.keyOf(key);
    try {
      const res = await this.send('head', key, opts?.signal, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: opts?.signal }),
      );
      return { key, size: res.ContentLength ?? 0, lastModified: res.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async put(key: string, body: PutBody, opts?: OpOptions): Promise<void> {
    const Key = this.keyOf(key);
    const signal = opts?.signal;
    signal?.throwIfAborted();
    if (body instanceof Uint8Array && body.length <= this.partSize) return this.putSingle(key, Key, body, signal);
    // Read up to two parts before choosing: a body that fits in one part is a single PutObject.
    const parts = partsOf(body, this.partSize, signal)[Symbol.asyncIterator]();
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) return this.putSingle(key, Key, first.done ? new Uint8Array(0) : first.value, signal);
    await this.putMultipart(key, Key, [first.value, second.value], parts, signal);
  }

  private async putSingle(key: string, Key: string, Body: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.send('put', key, signal, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength: Body.length }), { abortSignal: signal }),
    );
  }

  /**
   * Uploads parts with bounded concurrency. On any failure (or abort) it stops the parts in
   * flight and aborts the upload, so no half-written object ever becomes visible and the
   * store does not keep the orphaned parts (on stores that implement AbortMultipartUpload).
   */
  private async putMultipart(
    key: string, Key: string, head: Uint8Array[], rest: AsyncIterator<Uint8Array>, signal?: AbortSignal,
  ): Promise<void> {
    const created = await this.send('put', key, signal, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }), { abortSignal: signal }),
    );
    const UploadId = created.UploadId!;
    const stop = new AbortController();
    const partSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const done: CompletedPart[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    const upload = (Body: Uint8Array, PartNumber: number) => {
      const task: Promise<void> = retrying('put', key, () =>
        this.send('put', key, partSignal, () =>
          this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body, ContentLength: Body.length }), { abortSignal: partSignal }),
        ), { maxAttempts: 3, signal: partSignal },
      ).then(
        (res) => void (done[PartNumber - 1] = { PartNumber, ETag: res.ETag }),
        (err) => void (failure ??= { err }),
      ).finally(() => inflight.delete(task));
      inflight.add(task);
    };
    try {
      let n = 0;
      for (const part of head) upload(part, ++n);
      for (let r = await rest.next(); !r.done; r = await rest.next()) {
        if (failure) throw failure.err;
        if (++n > MAX_PARTS) throw StoreTooLarge(`S3 put '${key}': more than ${MAX_PARTS} parts of ${this.partSize} bytes`);
        while (inflight.size >= this.concurrency) await Promise.race(inflight);
        upload(r.value, n);
      }
      await Promise.all(inflight);
      if (failure) throw failure.err;
      await this.send('put', key, signal, () =>
        this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: done } }), { abortSignal: signal }),
      );
    } catch (err) {
      stop.abort();
      await Promise.allSettled(inflight);
      await rest.return?.();
      // Best effort, and without the caller's signal, which may be the reason we are here.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => {});
      throw signal?.aborted ? signal.reason : err;
    }
  }

  async delete(key: string, opts?: OpOptions): Promise<void> {
    const Key = this.keyOf(key);
    try {
      await this.send('delete', key, opts?.signal, () =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: opts?.signal }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err; // S3 answers 204 for a missing key; some stores say 404
    }
  }

  async list(prefix: string, opts?: OpOptions & { delimiter?: string }): Promise<ListResult> {
    checkPrefix(prefix);
    const signal = opts?.signal;
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    const cut = this.prefix.length;
    let ContinuationToken: string | undefined;
    do {
      const res = await this.send('list', prefix, signal, () =>
        this.client.send(new ListObjectsV2Command({
          Bucket: this.bucket, Prefix: this.prefix + prefix, Delimiter: opts?.delimiter || undefined, ContinuationToken,
          MaxKeys: this.listPageSize,
        }), { abortSignal: signal }),
      );
      for (const o of res.Contents ?? []) {
        objects.push({ key: o.Key!.slice(cut), size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
      }
      for (const p of res.CommonPrefixes ?? []) prefixes.push(p.Prefix!.slice(cut));
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken);
    // S3 orders by UTF-8 bytes; re-sort so every backend agrees (see list-util.ts).
    objects.sort((a, b) => compareKeys(a.key, b.key));
    return { objects, prefixes: prefixes.sort(compareKeys) };
  }
}
