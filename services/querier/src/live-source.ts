// Trace-by-id over the in-process ingester's memory.
import type { SourceResult, TraceSource } from './trace-source.ts';
import type { SpanRecord } from '@spanbase/model';

/** The part of the ingester trace-by-id needs. */
export interface LiveTraceFinder {
  /** In-memory spans of a trace, or undefined. */
  findTrace(tenant: string, traceId: Uint8Array): { records: SpanRecord[] } | undefined;
}

/** A TraceSource over an in-process ingester. */
export function liveSource(ingester: LiveTraceFinder): TraceSource {
  return {
    name: 'live',
    async findTrace(tenant, traceId): Promise<SourceResult> {
      return { records: ingester.findTrace(tenant, traceId)?.records ?? [] };
    },
  };
}
