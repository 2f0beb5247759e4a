// Request metrics as a wrapper (STYLE rule 2). This package owns no metrics registry: it reports
// to a small sink that the server backs with its Prometheus registry, and tests and the bench
// back with CountingSink.
import type { ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** The store operations, as metric label values. */
export const StoreOps = ['get', 'getRange', 'head', 'put', 'delete', 'list'] as const;
/** One store operation. */
export type StoreOp = (typeof StoreOps)[number];

/** How an operation ended, as metric label values. */
export const StoreOutcomes = ['ok', 'missing', 'error', 'aborted'] as const;
/** `missing`: get/getRange/head found no object. `aborted`: its signal fired. */
export type StoreOutcome = (typeof StoreOutcomes)[number];

/** Receives one observation per finished store operation. */
export interface ObjectStoreMetricsSink {
  /**
   * Called once per operation. `bytes` is what was read (get, getRange) or written (put, also
   * the part of a stream sent before a failure), else 0. `seconds` is the wall time.
   */
  observe(op: StoreOp, outcome: StoreOutcome, bytes: number, seconds: number): void;
}

/**
 * Reports every operation of `store` to `sink`. Put it directly around a backend, inside
 * withRetry, to count each attempt as a request.
 */
export function withMetrics(store: ObjectStore, sink: ObjectStoreMetricsSink): ObjectStore {
  async function measure<T>(op: StoreOp, o: OpOptions | undefined, run: () => Promise<T>, bytesOf: (r: T) => number | undefined): Promise<T> {
    const t0 = performance.now();
    try {
      const result = await run();
      const bytes = bytesOf(result);
      sink.observe(op, bytes === undefined ? 'missing' : 'ok', bytes ?? 0, (performance.now() - t0) / 1000);
      return result;
    } catch (err) {
      sink.observe(op, o?.signal?.aborted ? 'aborted' : 'error', 0, (performance.now() - t0) / 1000);
      throw err;
    }
  }
  const sizeOf = (r: Uint8Array | undefined) => r?.length;
  return {
    get: (key, o) => measure('get', o, () => store.get(key, o), sizeOf),
    getRange: (key, offset, length, o) => measure('getRange', o, () => store.getRange(key, offset, length, o), sizeOf),
    head: (key, o) => measure('head', o, () => store.head(key, o), (r) => (r ? 0 : undefined)),
    delete: (key, o) => measure('delete', o, () => store.delete(key, o), () => 0),
    list: (prefix, o) => measure('list', o, () => store.list(prefix, o), () => 0),
    put: async (key, body: PutBody, o) => {
      const t0 = performance.now();
      let sent = 0;
      const counted: PutBody = body instanceof Uint8Array ? body : countChunks(body, (n) => (sent += n));
      try {
        await store.put(key, counted, o);
        sink.observe('put', 'ok', body instanceof Uint8Array ? body.length : sent, (performance.now() - t0) / 1000);
      } catch (err) {
        sink.observe('put', o?.signal?.aborted ? 'aborted' : 'error', sent, (performance.now() - t0) / 1000);
        throw err;
      }
    },
  };
}

async function* countChunks(body: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    add(chunk.length);
    yield chunk;
  }
}

/** Totals for one (op, outcome) pair. */
export interface CountingTotals {
  /** Operations observed. */
  requests: number;
  /** Bytes read or written. */
  bytes: number;
  /** Summed wall time. */
  seconds: number;
}

/** A sink that keeps totals in memory: for tests and the bench (requests per lookup). */
export class CountingSink implements ObjectStoreMetricsSink {
  private readonly totals = new Map<string, CountingTotals>();

  observe(op: StoreOp, outcome: StoreOutcome, bytes: number, seconds: number): void {
    const id = `${op}:${outcome}`;
    const t = this.totals.get(id) ?? { requests: 0, bytes: 0, seconds: 0 };
    t.requests++;
    t.bytes += bytes;
    t.seconds += seconds;
    this.totals.set(id, t);
  }

  /** Totals over the given op and outcome; either left out means all of them. */
  total(op?: StoreOp, outcome?: StoreOutcome): CountingTotals {
    const sum = { requests: 0, bytes: 0, seconds: 0 };
    for (const [id, t] of this.totals) {
      const [o, out] = id.split(':');
      if ((op && o !== op) || (outcome && out !== outcome)) continue;
      sum.requests += t.requests;
      sum.bytes += t.bytes;
      sum.seconds += t.seconds;
    }
    return sum;
  }

  /** Number of operations, optionally of one op and outcome. */
  requests(op?: StoreOp, outcome?: StoreOutcome): number {
    return this.total(op, outcome).requests;
  }

  /** Bytes read or written, optionally of one op and outcome. */
  bytes(op?: StoreOp, outcome?: StoreOutcome): number {
    return this.total(op, outcome).bytes;
  }

  /** Forgets everything observed so far. */
  reset(): void {
    this.totals.clear();
  }
}
