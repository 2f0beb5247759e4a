// Retries with jittered exponential backoff, as a wrapper (STYLE rule 2). The S3 client's own
// retries are off (see s3-store.ts), so this is the one retry policy and attempts stay bounded:
// no SDK retries multiplied by ours.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListResult, ObjectInfo, ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** How `withRetry` retries. */
export interface RetryOptions {
  /** Attempts in total, the first included (default 5). */
  maxAttempts?: number;
  /** Backoff ceiling before the first retry, in ms; it doubles per retry (default 200). */
  baseDelayMs?: number;
  /** Largest backoff ceiling, in ms (default 10,000). */
  maxDelayMs?: number;
  /** Whether an error is worth another attempt (default `isRetryableError`). */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each retry, e.g. to log or count it. */
  onRetry?: (event: RetryEvent) => void;
  /** Source of jitter in [0, 1) (default Math.random); tests pin it. */
  random?: () => number;
}

/** One retry about to happen. */
export interface RetryEvent {
  /** The store operation, e.g. `get`. */
  op: string;
  /** The key (or list prefix). */
  key: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How long it waits before the next attempt. */
  delayMs: number;
  /** What the failed attempt threw. */
  error: unknown;
}

/** HTTP statuses that mean "try again later": throttling and server-side failures. */
function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** S3 and SDK error names that are transient whatever the status says (RequestTimeout is a 400). */
const RETRYABLE_NAMES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestTimeout',
  'RequestTimeoutException', 'TimeoutError', 'InternalError', 'ServiceUnavailable',
]);

/** Socket and filesystem error codes that are transient. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * The default classifier: throttling (429, 503, SlowDown), 5xx, timeouts and network errors are
 * retryable; other 4xx (403, 404, ...) and aborts are not. It looks through `cause` chains, so a
 * named store error wrapping an SDK error is classified by the SDK error.
 */
export function isRetryableError(err: unknown): boolean {
  let e = err as ErrorShape | undefined;
  for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
    if (e.name === 'AbortError') return false;
    const status = e.$metadata?.httpStatusCode;
    if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
    if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
    if (typeof status === 'number' && status > 0) return retryableStatus(status);
    if (e.$retryable) return true;
    e = e.cause as ErrorShape | undefined;
  }
  return false;
}

/** Resolved retry policy. */
type Policy = Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>;

function policyOf(opts: RetryOptions | undefined): Policy {
  return {
    maxAttempts: Math.max(1, opts?.maxAttempts ?? 5),
    baseDelayMs: opts?.baseDelayMs ?? 200,
    maxDelayMs: opts?.maxDelayMs ?? 10_000,
    isRetryable: opts?.isRetryable ?? isRetryableError,
    random: opts?.random ?? Math.random,
    onRetry: opts?.onRetry,
  };
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, runs out of attempts, or
 * `signal` aborts (then it rejects with the signal's reason, also during a backoff wait).
 * Backoff is "full jitter": a uniform wait in [0, min(max, base * 2^n)).
 */
export async function retrying<T>(
  op: string,
  key: string,
  attempt: () => Promise<T>,
  opts?: RetryOptions & OpOptions,
): Promise<T> {
  const p = policyOf(opts);
  const signal = opts?.signal;
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (n >= p.maxAttempts || !p.isRetryable(error)) throw error;
      const delayMs = Math.floor(p.random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (n - 1)));
      p.onRetry?.({ op, key, attempt: n, delayMs, error });
      try {
        await sleep(delayMs, undefined, { signal });
      } catch (sleepErr) {
        throw signal?.aborted ? signal.reason : sleepErr;
      }
    }
  }
}

/**
 * Retries every operation of `store` per `opts`. A `put` whose body is an async iterable is
 * retried only while no chunk has been taken from it: a stream cannot be replayed, and
 * buffering it to allow a replay would defeat streaming. (The S3 store retries single parts of
 * a multipart upload itself, since a part is held in memory anyway.)
 */
export function withRetry(store: ObjectStore, opts?: RetryOptions): ObjectStore {
  const p = policyOf(opts);
  const run = <T>(op: string, key: string, o: OpOptions | undefined, fn: () => Promise<T>, policy: Policy = p) =>
    retrying(op, key, fn, { ...policy, signal: o?.signal });
  return {
    get: (key, o) => run('get', key, o, () => store.get(key, o)),
    getRange: (key, offset, length, o) => run('getRange', key, o, () => store.getRange(key, offset, length, o)),
    head: (key, o): Promise<ObjectInfo | undefined> => run('head', key, o, () => store.head(key, o)),
    delete: (key, o) => run('delete', key, o, () => store.delete(key, o)),
    list: (prefix, o): Promise<ListResult> => run('list', prefix, o, () => store.list(prefix, o)),
    put: (key, body: PutBody, o) => {
      if (body instanceof Uint8Array) return run('put', key, o, () => store.put(key, body, o));
      let started = false;
      const once: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => {
          started = true;
          return body[Symbol.asyncIterator]();
        },
      };
      const streaming = { ...p, isRetryable: (err: unknown) => !started && p.isRetryable(err) };
      return run('put', key, o, () => store.put(key, once, o), streaming);
    },
  };
}
