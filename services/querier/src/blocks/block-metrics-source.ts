// A metrics source per block: evaluated on the query pool; the worker's partial comes back
// structured-cloned, so its classes are re-attached before the executor merges it.
import type { BlockMeta } from '@spanbase/block';
import { revivePartial, stringify } from '@spanbase/traceql';
import type { MetricsSource } from '../metrics/metrics-source.ts';
import type { QueryPool } from '../pool/query-pool.ts';

/** A metrics source over one block. */
export function blockMetricsSource(meta: BlockMeta, pool: QueryPool): MetricsSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    async evaluate(plan, signal) {
      return revivePartial(await pool.run({ kind: 'metrics', meta, query: stringify(plan.query), request: plan.request }, signal));
    },
  };
}
