// A search source per block: the block's time range lets the executor order blocks newest
// first and stop early; the work itself runs on the query pool. Before sending a job the source
// asks the block's cached reader (on this thread) whether any row group may match: its time
// ranges, column statistics, the needle filters (attribute value index, Parquet bloom filters)
// and, for a pinned trace id, the trace-id bloom filter. Each is read once per block and a check
// is a few hashes, so the blocks that cannot hold a needle cost no job at all. Row groups the job
// could not read leave the answer partial (block-loss.ts).
import { blockMayMatch } from '@spanbase/block';
import type { BlockMeta, BlockReader } from '@spanbase/block';
import { parseOrThrow, stringify } from '@spanbase/traceql';
import type { QueryPool } from '../pool/query-pool.ts';
import type { SearchSource } from '@spanbase/query';
import { fetchRequestOf } from '../search/fetch-request.ts';
import type { DamageSink } from './block-loss.ts';
import { incompleteOf } from './block-loss.ts';

const NOTHING = { traces: [], inspectedTraces: 0, inspectedSpans: 0, inspectedBytes: 0 };

/** False when the block's filters show it holds no match; true when they cannot tell (or cannot be read). */
async function mayMatch(reader: BlockReader, request: Parameters<typeof blockMayMatch>[1], signal: AbortSignal): Promise<boolean> {
  try {
    return await blockMayMatch(reader, request, { signal });
  } catch (err) {
    if (signal.aborted) throw err;
    // The job reads the block itself and reports what is wrong with it.
    return true;
  }
}

/**
 * A search source over one block; `reader` (the querier's cached one) answers the checks
 * before a job; `onDamage` hears of damage the job met first.
 */
export function blockSearchSource(meta: BlockMeta, pool: QueryPool, reader?: BlockReader, onDamage?: DamageSink): SearchSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    async search(query, o) {
      const request = reader && fetchRequestOf(query, o.start, o.end);
      if (request && !(await mayMatch(reader!, request, o.signal))) return NOTHING;
      const { lost, damage, ...result } = await pool.run({ kind: 'search', meta, query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes ?? 0 }, o.signal);
      const incomplete = incompleteOf(meta, { lost, damage }, onDamage);
      return incomplete ? { ...result, incomplete } : result;
    },
  };
}

/**
 * Runs what deciding a search costs this thread once (parsing, planning, the block checks), so
 * the code is compiled before a user's first search: call with a block whose metadata is read.
 */
export async function warmSearchPath(reader: BlockReader): Promise<void> {
  const query = parseOrThrow('{ span.x = "y" && name = "z" && resource.service.name =~ "w.*" } | count() > 1');
  const request = fetchRequestOf(query, 0n, 0n);
  if (request) await blockMayMatch(reader, request).catch(() => undefined);
}
