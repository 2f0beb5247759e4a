// A search source per block: the block's time range lets the executor order blocks newest
// first and stop early; the work itself runs on the query pool. A search pinned to one trace id
// asks the block's bloom filter first (on this thread, cached), so the blocks that cannot hold
// the trace cost no job at all.
import type { BlockMeta, BlockReader } from '@spanbase/block';
import { parseTraceIdParam } from '@spanbase/model';
import type { Query } from '@spanbase/traceql';
import { pinnedTraceId, planSearch, stringify } from '@spanbase/traceql';
import type { QueryPool } from '../pool/query-pool.ts';
import type { SearchSource } from '../search/search-source.ts';

const pinnedOf = new WeakMap<Query, Uint8Array | null | undefined>();

/** The trace id a search query pins, as bytes (null: an operand that is no id; undefined: none). */
function pinned(query: Query): Uint8Array | null | undefined {
  if (pinnedOf.has(query)) return pinnedOf.get(query);
  let id: Uint8Array | null | undefined;
  if (query.body.kind === 'pipeline') {
    const hex = pinnedTraceId(planSearch(query.body).request);
    id = hex === undefined ? undefined : (parseTraceIdParam(hex) ?? null);
  }
  pinnedOf.set(query, id);
  return id;
}

/** A search source over one block; `reader` (the querier's cached one) answers bloom checks. */
export function blockSearchSource(meta: BlockMeta, pool: QueryPool, reader?: BlockReader): SearchSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    async search(query, o) {
      const id = reader ? pinned(query) : undefined;
      if (id === null || (id && !(await reader!.mayContainTrace(id, { signal: o.signal })))) return { traces: [], inspectedTraces: 0, inspectedSpans: 0 };
      return pool.run({ kind: 'search', meta, query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end }, o.signal);
    },
  };
}
