// Search over the ingester's memory: the traces not yet in blocks, decoded on demand and handed
// to the engine through the in-memory fetcher (which applies the query's conditions).
// A query pinned to one trace id decodes only that trace.
import type { SpanRecord } from '@spanbase/model';
import { MemoryFetcher, executeSearch } from '@spanbase/traceql';
import { pinnedTraceIdOf } from './pinned-trace.ts';
import type { SearchSource } from './search-source.ts';

/** What live search needs from the ingester. */
export interface LiveTraceSnapshot {
  /** Decoded in-memory traces of a tenant overlapping the range (unix ns, 0 = open). */
  liveTraces(tenant: string, startNs?: number, endNs?: number): SpanRecord[][];
  /** One in-memory trace by id, when the ingester can look it up directly. */
  findTrace?(tenant: string, traceId: Uint8Array): { records: SpanRecord[] } | undefined;
}

/** A search source over an in-process ingester for one tenant. */
export function liveSearchSource(ingester: LiveTraceSnapshot, tenant: string): SearchSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    async search(query, o) {
      // A query pinned to one trace id looks that trace up instead of decoding every live one:
      // Grafana (and anyone pasting an id into search) polls such queries during an incident.
      const id = ingester.findTrace ? pinnedTraceIdOf(query) : undefined;
      if (id === null) return { traces: [], inspectedTraces: 0, inspectedSpans: 0 };
      const one = id ? ingester.findTrace!(tenant, id) : undefined;
      const traces = id ? (one ? [one.records] : []) : ingester.liveTraces(tenant, Number(o.start), Number(o.end));
      return executeSearch(query, new MemoryFetcher(traces), { limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, signal: o.signal, mostRecent: true });
    },
  };
}
