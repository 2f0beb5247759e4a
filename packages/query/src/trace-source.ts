// Where trace-by-id looks: each source answers with the spans it holds for an id. The querier
// asks live data first, then blocks, merges, and removes duplicates.
import type { SpanRecord } from '@spanbase/model';

/** Time bounds from the request, unix seconds; both or neither. */
export interface TimeRange {
  /** Start, unix seconds. */
  startSeconds: number;
  /** End, unix seconds. */
  endSeconds: number;
}

/** What a source found. */
export interface SourceResult {
  /** Spans found (possibly with duplicates). */
  records: SpanRecord[];
  /** Sources (blocks) that could not be read and were skipped; their names, for the message. */
  skipped?: string[];
}

/** Something that can find a trace's spans. */
export interface TraceSource {
  /** Name for logs. */
  readonly name: string;
  /** The spans of the trace this source holds, or none. */
  findTrace(tenant: string, traceId: Uint8Array, range: TimeRange | undefined, signal?: AbortSignal): Promise<SourceResult>;
}
