// Search over one block with Tempo's "most recent" semantics at the cost of the first matches:
// the block's traces come newest first (fetcher order `newest`), so the first `limit` traces that
// match are the newest `limit`, and the engine stops there instead of looking at every trace.
import type { Query, SearchOptions, SearchResult } from '@spanbase/traceql';
import { executeSearch } from '@spanbase/traceql';
import type { MayMatchRequest, PrefetchOptions, ReadOptions } from '../format.ts';
import { ConditionSet } from './fetch-conditions.ts';
import { BlockFields } from './fetch-fields.ts';
import { groupsToScan, newFetchStats, sb1ReaderOf } from './fetch-scan.ts';
import type { BlockDamage } from '../damage.ts';
import type { BlockReader } from '../format.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import { prefetchSummaries } from './summary-prefetch.ts';

/** A block's search result, with the row groups it had to leave out. */
export interface BlockSearchResult extends SearchResult {
  /** Compressed column chunk bytes the search used (read or cached); row groups ruled out cost none. */
  inspectedBytes: number;
  /** Damaged row groups the search could not read; the result lacks their spans. Absent when none. */
  lost?: BlockDamage[];
}

/**
 * executeSearch over one sb1 block, returning the newest `limit` matching traces (what
 * `mostRecent: true` returns; traces starting at the same nanosecond may tie differently).
 */
export async function searchBlock(reader: BlockReader, query: string | Query, options: SearchOptions = {}): Promise<BlockSearchResult> {
  const lost: BlockDamage[] = [];
  const fetcher = blockSpansetFetcher(reader, { order: 'newest', onLost: (d) => lost.push(d) });
  const found = await executeSearch(query, fetcher, { ...options, mostRecent: false });
  // What was scanned, not what matched: the spans of the row groups read and their chunk bytes.
  const result: BlockSearchResult = { ...found, inspectedSpans: fetcher.stats.rowsInspected, inspectedBytes: fetcher.stats.bytesInspected };
  if (lost.length > 0) result.lost = lost;
  return result;
}

/**
 * Whether any row group of the block may hold a span the request's conditions select: its time
 * range, the column statistics and the needle filters (each read once per reader, and cheap to
 * ask). False means a search of the block finds nothing, so a querier need not send it a job.
 */
export async function blockMayMatch(reader: BlockReader, request: MayMatchRequest, opts?: ReadOptions): Promise<boolean> {
  const sb1 = sb1ReaderOf(reader);
  const conditions = new ConditionSet(new BlockFields(sb1), request.conditions, request.allConditions, false);
  return (await groupsToScan(sb1, conditions, request.conditions, request.startTimeUnixNano, request.endTimeUnixNano, newFetchStats(), opts ?? {})).length > 0;
}

/**
 * Reads what deciding a search needs before any row group, so the first search after a start
 * (or after the block appears) costs no more than later ones: the index, the Parquet footer, its
 * page index and the needle filters; and the dependency summary, a few kilobytes, so the first
 * graph query after a start reads nothing; with `summaries`, the dictionary summaries of the
 * string attribute columns (summary-prefetch.ts). Damage is noted as usual and costs only what it always costs.
 */
export async function prefetchBlock(reader: BlockReader, opts?: PrefetchOptions): Promise<void> {
  const sb1 = sb1ReaderOf(reader);
  await sb1.rowGroups(opts);
  await Promise.all([sb1.columnStats(opts), sb1.pageIndex(opts), sb1.needleFilters(opts), sb1.dependencies(opts)]);
  if (opts?.summaries) await prefetchSummaries(sb1, opts);
}
