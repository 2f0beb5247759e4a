// The trace id a search query pins (`{ trace:id = "..." }`, alone or and-ed with other
// conditions), as bytes, remembered per parsed query: a search asks once per source.
import type { Query } from '@spanbase/traceql';
import { pinnedTraceId, planSearch } from '@spanbase/traceql';

const pinnedOf = new WeakMap<Query, Uint8Array | null | undefined>();

/** The pinned id; null when the operand is no trace id (nothing can match); undefined when none is pinned. */
export function pinnedTraceIdOf(query: Query): Uint8Array | null | undefined {
  if (pinnedOf.has(query)) return pinnedOf.get(query);
  const id = query.body.kind === 'pipeline' ? pinnedTraceId(planSearch(query.body).request) : undefined;
  pinnedOf.set(query, id);
  return id;
}
