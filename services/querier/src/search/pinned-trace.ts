// The trace id a search query pins (`{ trace:id = "..." }`, alone or and-ed with other
// conditions), as bytes: sources that can find one trace directly (a bloom filter, the
// ingester's trace index) skip everything else.
import { parseTraceIdParam } from '@spanbase/model';
import type { Query } from '@spanbase/traceql';
import { pinnedTraceId, planSearch } from '@spanbase/traceql';

const pinnedOf = new WeakMap<Query, Uint8Array | null | undefined>();

/** The pinned id; null when the operand is no trace id (nothing can match); undefined when none is pinned. */
export function pinnedTraceIdOf(query: Query): Uint8Array | null | undefined {
  if (pinnedOf.has(query)) return pinnedOf.get(query);
  let id: Uint8Array | null | undefined;
  if (query.body.kind === 'pipeline') {
    const hex = pinnedTraceId(planSearch(query.body).request);
    id = hex === undefined ? undefined : (parseTraceIdParam(hex) ?? null);
  }
  pinnedOf.set(query, id);
  return id;
}
