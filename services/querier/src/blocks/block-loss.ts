// What a block job lost, as the executors take it: one error naming the row groups left out (the
// answer is then partial), and the damage the job's thread met first, passed on to be logged once.
import { BlockChecksum } from '@spanbase/block';
import type { BlockDamage } from '@spanbase/block';
import type { JobDamage } from '../pool/jobs.ts';

/** Receives damage a query worker met for the first time (the block catalog logs and counts it once). */
export type DamageSink = (damage: readonly BlockDamage[]) => void;

/** The `incomplete` error for a job that left row groups out, or undefined. */
export function incompleteOf(meta: { rowGroups: number }, r: JobDamage, sink: DamageSink | undefined): Error | undefined {
  if (r.damage) sink?.(r.damage);
  if (!r.lost?.length) return undefined;
  // A metrics job reads through two fetchers; each reports the groups it left out.
  const groups = new Map(r.lost.map((d) => [d.rowGroup, d.rows ?? 0]));
  const spans = [...groups.values()].reduce((n, rows) => n + rows, 0);
  return BlockChecksum(`${groups.size} of ${meta.rowGroups} row groups unreadable (${spans} spans left out): row group ${[...groups.keys()].sort((a, b) => a! - b!).join(', ')}`);
}
