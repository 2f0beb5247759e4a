// Trace-by-id over the in-process ingester's memory.
import type { LiveQueryService } from './live-service.ts';
import type { SourceResult, TraceSource } from '@spanbase/query';

/** A TraceSource over an in-process ingester. */
export function liveSource(live: Pick<LiveQueryService, 'findTrace'>): TraceSource {
  return {
    name: 'live',
    async findTrace(tenant, traceId, _range, signal): Promise<SourceResult> {
      return { records: await live.findTrace(tenant, traceId, signal) };
    },
  };
}
