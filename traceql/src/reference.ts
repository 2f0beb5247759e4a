// The reference evaluation: the full query over every span of in-memory traces, with no
// pushdown. The storage-backed search must give the same results (differential tests); since
// both run the same evaluator, a difference points at the fetch layer (pruning, values).
import type { SpanRecord } from '@spanbase/model';
import type { Query } from './ast.ts';
import type { SearchOptions, SearchResult } from './engine.ts';
import { executeSearch } from './engine.ts';
import { MemoryFetcher } from './memory-fetcher.ts';

/** Searches in-memory traces (one SpanRecord list per trace) without pruning anything. */
export function referenceSearch(query: string | Query, traces: readonly (readonly SpanRecord[])[], options: SearchOptions = {}): Promise<SearchResult> {
  return executeSearch(query, new MemoryFetcher(traces, { prune: false }), options);
}
