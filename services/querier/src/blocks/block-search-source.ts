// A search source per block: the block's time range lets the executor order blocks newest
// first and stop early; the work itself runs on the query pool. A search pinned to one trace id
// asks the block's bloom filter first (on this thread, cached), so the blocks that cannot hold
// the trace cost no job at all. Row groups the job could not read leave the answer partial
// (block-loss.ts).
import type { BlockMeta, BlockReader } from '@spanbase/block';
import { stringify } from '@spanbase/traceql';
import type { QueryPool } from '../pool/query-pool.ts';
import { pinnedTraceIdOf } from '../search/pinned-trace.ts';
import type { SearchSource } from '@spanbase/query';
import type { DamageSink } from './block-loss.ts';
import { incompleteOf } from './block-loss.ts';

/**
 * A search source over one block; `reader` (the querier's cached one) answers bloom checks;
 * `onDamage` hears of damage the job met first.
 */
export function blockSearchSource(meta: BlockMeta, pool: QueryPool, reader?: BlockReader, onDamage?: DamageSink): SearchSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    async search(query, o) {
      const id = reader ? pinnedTraceIdOf(query) : undefined;
      if (id === null || (id && !(await reader!.mayContainTrace(id, { signal: o.signal })))) return { traces: [], inspectedTraces: 0, inspectedSpans: 0 };
      const { lost, damage, ...result } = await pool.run({ kind: 'search', meta, query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes ?? 0 }, o.signal);
      const incomplete = incompleteOf(meta, { lost, damage }, onDamage);
      return incomplete ? { ...result, incomplete } : result;
    },
  };
}
