// A metrics source per block: evaluated on the query pool, whose worker moves the partial back as
// data (its arrays transferred, not copied). A caller that merges elsewhere takes that data as it
// is (evaluateData: in one process, the frontend's answer worker merges it, so this thread never
// builds the block's series); evaluate rebuilds the states for a caller that merges here. Row
// groups the job could not read leave the answer partial (block-loss.ts). Given a channel to the
// merging thread, the worker posts the partial there and this thread only hears the counts.
import type { BlockMeta } from '@spanbase/block';
import { partialFromData, stringify } from '@spanbase/traceql';
import { withPartPort } from '@spanbase/query';
import type { MetricsSource } from '@spanbase/query';
import type { QueryPool } from '../pool/query-pool.ts';
import type { DamageSink } from './block-loss.ts';
import { incompleteOf } from './block-loss.ts';

/** A metrics source over one block; `onDamage` hears of damage the job met first. */
export function blockMetricsSource(meta: BlockMeta, pool: QueryPool, onDamage?: DamageSink): MetricsSource {
  const evaluateData: NonNullable<MetricsSource['evaluateData']> = async (plan, signal, channel) => {
    const job = { kind: 'metrics' as const, meta, query: stringify(plan.query), request: plan.request };
    if (channel && pool.size > 0) {
      // The worker posts the partial to the thread that merges it; only counts come back here.
      // Such a job does not run again if its worker dies (the part may have been posted
      // already, and counting it twice would be a wrong answer): the source fails instead,
      // and the answer says it is partial.
      return withPartPort(channel, async (port) => {
        const { lost, damage, sentSpans } = await pool.run({ ...job, port }, signal, port && [port]);
        return { parts: [], sentSpans, incomplete: incompleteOf(meta, { lost, damage }, onDamage) };
      });
    }
    const { lost, damage, data } = await pool.run(job, signal);
    if (!data) throw new Error('a metrics job answered without its partial');
    return { parts: [data], incomplete: incompleteOf(meta, { lost, damage }, onDamage) };
  };
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    isBlock: true,
    evaluateData,
    async evaluate(plan, signal) {
      const { parts, incomplete } = await evaluateData(plan, signal);
      const partial = partialFromData(plan, parts[0]);
      return incomplete ? Object.assign(partial, { incomplete }) : partial;
    },
  };
}
