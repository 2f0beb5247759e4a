// Search over one block with Tempo's "most recent" semantics at the cost of the first matches:
// the block's traces come newest first (fetcher order `newest`), so the first `limit` traces that
// match are the newest `limit`, and the engine stops there instead of looking at every trace.
import type { Query, SearchOptions, SearchResult } from '@spanbase/traceql';
import { executeSearch } from '@spanbase/traceql';
import type { BlockDamage } from '../damage.ts';
import type { BlockReader } from '../format.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';

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
