// The first fetch request of a search query (its conditions and whether all must hold), planned
// once per parsed query and time range: a search asks every block source whether the block may
// match before it sends the block a job.
import type { FetchSpansRequest, Query } from '@spanbase/traceql';
import { planSearch } from '@spanbase/traceql';

const planned = new WeakMap<Query, Map<string, FetchSpansRequest | undefined>>();

/** The request a block fetcher would get for `query` over [start, end]; undefined for queries that are not pipelines. */
export function fetchRequestOf(query: Query, start: bigint, end: bigint): FetchSpansRequest | undefined {
  let byRange = planned.get(query);
  if (!byRange) planned.set(query, (byRange = new Map()));
  const key = `${start}:${end}`;
  if (!byRange.has(key)) byRange.set(key, query.body.kind === 'pipeline' ? planSearch(query.body, start, end).request : undefined);
  return byRange.get(key);
}
