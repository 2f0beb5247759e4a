// A place a search runs against: the ingester's memory, one block, a remote ingester. Each
// returns its own newest matches; the executor merges them.
import type { Query, SearchResult } from '@spanbase/traceql';

/** Options a source gets. */
export interface SourceSearchOptions {
  /** Traces wanted (the source returns at most this many, its newest). */
  limit: number;
  /** Spans per spanset in results. */
  spansPerSpanset: number;
  /** Time range, unix ns (0n = open). */
  start: bigint;
  /** See start. */
  end: bigint;
  /** Cancels the work. */
  signal: AbortSignal;
}

/** Something a search can run against. */
export interface SearchSource {
  /** For logs and partial-result messages. */
  readonly name: string;
  /**
   * Time span of the source's spans (unix ns): a block's start and end. Undefined for live data,
   * which is searched first. The end is the latest time a trace in the source can start, which
   * lets the executor visit sources newest first and stop once older ones cannot beat what it has.
   */
  readonly timeRange: { readonly startNs: bigint; readonly endNs: bigint } | undefined;
  /** Bytes the source covers (block size), for the response metrics; 0 for live data. */
  readonly bytes: number;
  /** True for a block (counts in totalBlocks). */
  readonly isBlock: boolean;
  /** Runs the query; resolves with the source's newest `limit` matches. */
  search(query: Query, opts: SourceSearchOptions): Promise<SearchResult>;
}
