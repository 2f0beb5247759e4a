// Search over one block with Tempo's "most recent" semantics at the cost of the first matches:
// the block's traces come newest first (fetcher order `newest`), so the first `limit` traces that
// match are the newest `limit`, and the engine stops there instead of looking at every trace.
import type { Query, SearchOptions, SearchResult } from '@spanbase/traceql';
import { executeSearch } from '@spanbase/traceql';
import type { BlockReader } from '../format.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';

/**
 * executeSearch over one sb1 block, returning the newest `limit` matching traces (what
 * `mostRecent: true` returns; traces starting at the same nanosecond may tie differently).
 */
export function searchBlock(reader: BlockReader, query: string | Query, options: SearchOptions = {}): Promise<SearchResult> {
  return executeSearch(query, blockSpansetFetcher(reader, { order: 'newest' }), { ...options, mostRecent: false });
}
