// Search over the ingester's memory: the traces not yet in blocks. The ingester runs it on its
// live-query worker; a query pinned to one trace id decodes only that trace there.
import { stringify } from '@spanbase/traceql';
import type { LiveQueryService } from '../live-service.ts';
import type { SearchSource } from '@spanbase/query';

/** A search source over an in-process ingester for one tenant. */
export function liveSearchSource(live: Pick<LiveQueryService, 'search'>, tenant: string): SearchSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    search: (query, o) => live.search(tenant, stringify(query), { limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes }, o.signal),
  };
}
