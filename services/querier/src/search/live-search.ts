// Search over the ingester's memory: the traces not yet in blocks, decoded on demand and handed
// to the engine through the in-memory fetcher (which applies the query's conditions).
import type { SpanRecord } from '@spanbase/model';
import { MemoryFetcher, executeSearch } from '@spanbase/traceql';
import type { SearchSource } from './search-source.ts';

/** What live search needs from the ingester. */
export interface LiveTraceSnapshot {
  /** Decoded in-memory traces of a tenant overlapping the range (unix ns, 0 = open). */
  liveTraces(tenant: string, startNs?: number, endNs?: number): SpanRecord[][];
}

/** A search source over an in-process ingester for one tenant. */
export function liveSearchSource(ingester: LiveTraceSnapshot, tenant: string): SearchSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    async search(query, o) {
      const traces = ingester.liveTraces(tenant, Number(o.start), Number(o.end));
      return executeSearch(query, new MemoryFetcher(traces), { limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, signal: o.signal, mostRecent: true });
    },
  };
}
