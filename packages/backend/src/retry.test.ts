import { describe, expect, it } from 'vitest';
import { StoreBadKey, StoreRequest } from './errors.ts';
import { MemoryStore } from './memory-store.ts';
import { CountingSink, withMetrics } from './metrics.ts';
import type { ObjectStore } from './object-store.ts';
import { describeObjectStore } from './object-store.conformance.ts';
import type { RetryEvent } from './retry.ts';
import { isRetryableError, withRetry } from './retry.ts';

const sdkError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const netError = (code: string) => Object.assign(new Error(code), { code });

/** A store whose next operations throw the queued errors, then behave (the wrapped store). */
function flaky(inner: ObjectStore, errors: unknown[]): ObjectStore {
  const fail = () => {
    if (errors.length > 0) throw errors.shift();
  };
  return {
    get: async (k, o) => (fail(), inner.get(k, o)),
    getRange: async (k, a, b, o) => (fail(), inner.getRange(k, a, b, o)),
    head: async (k, o) => (fail(), inner.head(k, o)),
    put: async (k, body, o) => (fail(), inner.put(k, body, o)),
    delete: async (k, o) => (fail(), inner.delete(k, o)),
    list: async (p, o) => (fail(), inner.list(p, o)),
  };
}

function setup(errors: unknown[], opts: Parameters<typeof withRetry>[1] = {}) {
  const memory = new MemoryStore();
  const sink = new CountingSink();
  const events: RetryEvent[] = [];
  const store = withRetry(withMetrics(flaky(memory, errors), sink), {
    baseDelayMs: 1, onRetry: (e) => events.push(e), ...opts,
  });
  return { memory, sink, events, store };
}

describeObjectStore('memory behind withRetry', () => withRetry(new MemoryStore()));

describe('isRetryableError', () => {
  it('retries throttling, 5xx, timeouts and network errors', () => {
    for (const e of [
      sdkError('SlowDown', 503), sdkError('ServiceUnavailable', 503), sdkError('TooManyRequests', 429),
      sdkError('InternalError', 500), sdkError('BadGateway', 502), sdkError('RequestTimeout', 400),
      Object.assign(new Error('t'), { name: 'TimeoutError' }), netError('ECONNRESET'), netError('ETIMEDOUT'),
      netError('EAI_AGAIN'), StoreRequest('wrapped', { cause: sdkError('SlowDown', 503) }),
    ]) {
      expect(isRetryableError(e), String((e as Error).name)).toBe(true);
    }
  });

  it('does not retry other 4xx, aborts, bad keys or plain errors', () => {
    for (const e of [
      sdkError('AccessDenied', 403), sdkError('NoSuchKey', 404), sdkError('InvalidRange', 416),
      sdkError('NoSuchBucket', 404), StoreRequest('wrapped', { cause: sdkError('AccessDenied', 403) }),
      new DOMException('aborted', 'AbortError'), StoreBadKey('bad'), new Error('plain'), undefined, 'a string',
    ]) {
      expect(isRetryableError(e), String(e)).toBe(false);
    }
  });
});

describe('withRetry', () => {
  it('retries retryable failures until the operation succeeds', async () => {
    const { memory, sink, events, store } = setup([sdkError('SlowDown', 503), netError('ECONNRESET')]);
    await memory.put('k', new Uint8Array([1]));
    expect(await store.get('k')).toEqual(new Uint8Array([1]));
    expect(sink.requests('get', 'error')).toBe(2);
    expect(sink.requests('get', 'ok')).toBe(1);
    expect(events.map((e) => [e.op, e.key, e.attempt])).toEqual([['get', 'k', 1], ['get', 'k', 2]]);
  });

  it('does not retry a 403 or a 404', async () => {
    for (const err of [sdkError('AccessDenied', 403), sdkError('NoSuchBucket', 404)]) {
      const { sink, store } = setup([err]);
      await expect(store.list('')).rejects.toBe(err);
      expect(sink.requests()).toBe(1);
    }
  });

  it('gives up after maxAttempts with the last error', async () => {
    const last = sdkError('InternalError', 500);
    const { sink, store } = setup([sdkError('SlowDown', 503), sdkError('SlowDown', 503), last, undefined], { maxAttempts: 3 });
    await expect(store.head('k')).rejects.toBe(last);
    expect(sink.requests('head')).toBe(3);
  });

  it('backs off with full jitter under a doubling, capped ceiling', async () => {
    const errors = Array.from({ length: 5 }, () => sdkError('SlowDown', 503));
    const { events, store } = setup(errors, { maxAttempts: 6, baseDelayMs: 4, maxDelayMs: 20, random: () => 0.5 });
    await store.delete('k');
    expect(events.map((e) => e.delayMs)).toEqual([2, 4, 8, 10, 10]);
  });

  it('stops waiting and rejects with the abort reason when the signal fires during backoff', async () => {
    const ac = new AbortController();
    const { sink, store } = setup([sdkError('SlowDown', 503)], {
      baseDelayMs: 600_000, maxDelayMs: 600_000, random: () => 0.99, onRetry: () => ac.abort(),
    });
    await expect(store.get('k', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(sink.requests()).toBe(1);
  });

  it('retries a streaming put only while no chunk was taken', async () => {
    async function* body() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array([3]);
    }
    const early = setup([sdkError('SlowDown', 503)]);
    await early.store.put('s', body());
    expect(await early.memory.get('s')).toEqual(new Uint8Array([1, 2, 3]));
    expect(early.sink.requests('put')).toBe(2);

    // Fails after reading the stream: the chunks are gone, so no second attempt.
    const memory = new MemoryStore();
    let attempts = 0;
    const consuming: ObjectStore = {
      ...flaky(memory, []),
      put: async (_key, b) => {
        attempts++;
        for await (const _chunk of b as AsyncIterable<Uint8Array>) { /* drain */ }
        throw sdkError('SlowDown', 503);
      },
    };
    const err = await withRetry(consuming, { baseDelayMs: 1 }).put('s', body()).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SlowDown' });
    expect(attempts).toBe(1);
  });

  it('retries a put of bytes like any other operation', async () => {
    const { memory, sink, store } = setup([netError('EPIPE')]);
    await store.put('b', new Uint8Array([9]));
    expect(await memory.get('b')).toEqual(new Uint8Array([9]));
    expect(sink.requests('put')).toBe(2);
  });
});
