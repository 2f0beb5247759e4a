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
  /** Bound on the answer's estimated JSON size; past it the search fails with TQL_ERR_RESULT_TOO_LARGE (0 or absent = none). */
  maxResultBytes?: number;
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
  /** True for a block, or a group of blocks (counts in totalBlocks). */
  readonly isBlock: boolean;
  /** Blocks the source covers when it is a group of them (one when absent). */
  readonly blocks?: number;
  /** Runs the query; resolves with the source's newest `limit` matches. */
  search(query: Query, opts: SourceSearchOptions): Promise<SearchResult & Incomplete & Inspected>;
}

/** What a block source scanned, beyond the spans SearchResult counts. */
export interface Inspected {
  /** Bytes the source read or found in its caches (column chunks); absent: the whole source counts. */
  inspectedBytes?: number;
}

/** Marks a source's answer as missing part of the source (damaged row groups of a block). */
export interface Incomplete {
  /** What could not be read; the answer holds everything else. Absent when nothing was missed. */
  incomplete?: Error;
  /** Parts of a source covering several (a group of blocks) that could not be read, each named. */
  failures?: readonly { source: string; error: unknown }[];
}

/** A query's time range, unix ns (0n = open). */
export interface QueryRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** The sources of a tenant's search: live data (asked first) and blocks. */
export interface SearchSources {
  /** Live data: ingesters in this process or others. */
  live(tenant: string): readonly SearchSource[];
  /** Blocks in the object store, as known now (those that can hold spans in `range` suffice). */
  blocks(tenant: string, range: QueryRange): readonly SearchSource[];
}

/**
 * Every source of a search, live ones already asked. Live data is asked before the block list is
 * read: a trace moving from memory into a block meanwhile is then found in one or the other
 * (memory forgets it only after the block is listed), never in neither.
 */
export function startSearch(sources: SearchSources, tenant: string, query: Query, o: SourceSearchOptions): SearchSource[] {
  const live = sources.live(tenant).map((s): SearchSource => {
    const running = s.search(query, o);
    running.catch(() => {});
    return { ...s, search: () => running };
  });
  return [...live, ...sources.blocks(tenant, { start: o.start, end: o.end })];
}
