// A search source per block: the block's time range lets the executor order blocks newest
// first and stop early; the work itself runs on the query pool.
import type { BlockMeta } from '@spanbase/block';
import { stringify } from '@spanbase/traceql';
import type { QueryPool } from '../pool/query-pool.ts';
import type { SearchSource } from '../search/search-source.ts';

/** A search source over one block. */
export function blockSearchSource(meta: BlockMeta, pool: QueryPool): SearchSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    search(query, o) {
      return pool.run({ kind: 'search', meta, query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end }, o.signal);
    },
  };
}
