import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.ts';
import type { StoreOp, StoreOutcome } from './metrics.ts';
import { CountingSink, withMetrics } from './metrics.ts';
import { chunked, describeObjectStore } from './object-store.conformance.ts';

describeObjectStore('memory behind withMetrics', () => withMetrics(new MemoryStore(), new CountingSink()));

describe('withMetrics', () => {
  it('reports each operation with its outcome and bytes', async () => {
    const seen: [StoreOp, StoreOutcome, number][] = [];
    const store = withMetrics(new MemoryStore(), {
      observe: (op, outcome, bytes, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        seen.push([op, outcome, bytes]);
      },
    });
    await store.put('a', new Uint8Array(10));
    await store.put('b', chunked(new Uint8Array(25), 7));
    await store.get('a');
    await store.get('missing');
    await store.getRange('b', 20, 100);
    await store.head('a');
    await store.head('missing');
    await store.list('');
    await store.delete('a');
    await store.get('../bad').catch(() => {});
    await store.get('b', { signal: AbortSignal.abort() }).catch(() => {});
    expect(seen).toEqual([
      ['put', 'ok', 10], ['put', 'ok', 25], ['get', 'ok', 10], ['get', 'missing', 0], ['getRange', 'ok', 5],
      ['head', 'ok', 0], ['head', 'missing', 0], ['list', 'ok', 0], ['delete', 'ok', 0], ['get', 'error', 0],
      ['get', 'aborted', 0],
    ]);
  });

  it('counts the bytes a failed streaming put sent', async () => {
    const sink = new CountingSink();
    const ac = new AbortController();
    async function* body() {
      yield new Uint8Array(4);
      yield new Uint8Array(6);
      ac.abort();
      yield new Uint8Array(100);
    }
    const store = withMetrics(new MemoryStore(), sink);
    await expect(store.put('x', body(), { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(sink.total('put', 'aborted')).toMatchObject({ requests: 1 });
    expect(sink.bytes('put', 'aborted')).toBeGreaterThanOrEqual(10);
  });
});

describe('CountingSink', () => {
  it('sums by op and outcome, and resets', () => {
    const sink = new CountingSink();
    sink.observe('get', 'ok', 100, 0.5);
    sink.observe('get', 'missing', 0, 0.25);
    sink.observe('getRange', 'ok', 7, 0.25);
    expect(sink.requests()).toBe(3);
    expect(sink.requests('get')).toBe(2);
    expect(sink.requests(undefined, 'ok')).toBe(2);
    expect(sink.bytes('get', 'ok')).toBe(100);
    expect(sink.total()).toEqual({ requests: 3, bytes: 107, seconds: 1 });
    sink.reset();
    expect(sink.requests()).toBe(0);
  });
});
