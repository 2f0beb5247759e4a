// A metrics source per block: evaluated on the query pool; the worker's partial comes back
// structured-cloned, so its classes are re-attached before the executor merges it. Row groups the
// job could not read leave the answer partial (block-loss.ts).
import type { BlockMeta } from '@spanbase/block';
import { revivePartial, stringify } from '@spanbase/traceql';
import type { MetricsSource } from '@spanbase/query';
import type { QueryPool } from '../pool/query-pool.ts';
import type { DamageSink } from './block-loss.ts';
import { incompleteOf } from './block-loss.ts';

/** A metrics source over one block; `onDamage` hears of damage the job met first. */
export function blockMetricsSource(meta: BlockMeta, pool: QueryPool, onDamage?: DamageSink): MetricsSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    async evaluate(plan, signal) {
      const { lost, damage, ...partial } = await pool.run({ kind: 'metrics', meta, query: stringify(plan.query), request: plan.request }, signal);
      const incomplete = incompleteOf(meta, { lost, damage }, onDamage);
      const revived = revivePartial(partial);
      return incomplete ? Object.assign(revived, { incomplete }) : revived;
    },
  };
}
