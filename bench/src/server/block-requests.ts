// Object-store requests per block and kind (bloom shard or anything else), counted by
// withMetrics + CountingSink below whatever wraps the result (the read cache): what reaches the
// disk or S3. Trace by id checks its request goals with this.
import type { ObjectStore } from '@spanbase/backend';
import { CountingSink, withMetrics } from '@spanbase/backend';

/** What a block's object is, for counting. */
export type RequestKind = 'bloom' | 'other';

/** A counting store and its counters. */
export interface BlockRequestCounter {
  /** The store to read through. */
  store: ObjectStore;
  /** Requests so far for one block's objects of one kind. */
  requests(blockId: string, kind: RequestKind): number;
  /** Every request so far. */
  total(): number;
}

/** Wraps `base` so every request is counted under the block its key names (`<tenant>/<blockID>/<object>`). */
export function countRequestsPerBlock(base: ObjectStore): BlockRequestCounter {
  const sinks = new Map<string, CountingSink>();
  const stores = new Map<string, ObjectStore>();
  const route = (key: string): ObjectStore => {
    const [, blockId = '', object = ''] = key.split('/');
    const id = `${blockId}/${object.startsWith('bloom-') ? 'bloom' : 'other'}`;
    let s = stores.get(id);
    if (!s) {
      const sink = new CountingSink();
      sinks.set(id, sink);
      stores.set(id, (s = withMetrics(base, sink)));
    }
    return s;
  };
  const listSink = new CountingSink();
  const lister = withMetrics(base, listSink);
  return {
    store: {
      get: (k, o) => route(k).get(k, o),
      getRange: (k, off, len, o) => route(k).getRange(k, off, len, o),
      head: (k, o) => route(k).head(k, o),
      put: (k, body, o) => route(k).put(k, body, o),
      delete: (k, o) => route(k).delete(k, o),
      list: (p, o) => lister.list(p, o),
    },
    requests: (blockId, kind) => sinks.get(`${blockId}/${kind}`)?.requests() ?? 0,
    total: () => [...sinks.values()].reduce((n, s) => n + s.requests(), listSink.requests()),
  };
}
