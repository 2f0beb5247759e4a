// How a query's blocks become jobs: blocks that can hold spans in the query's range, newest first
// (so a search can stop early and jobs are neighbours in time), grouped into jobs of about
// targetBytes each, but never into fewer jobs than minJobs while there are enough blocks: a few
// large jobs would leave queriers idle. Small blocks fresh from ingesters travel together; large
// compacted ones go one per job.
import type { BlockMeta } from '@spanbase/block';
import type { QueryRange } from '@spanbase/query';

/** Planning settings. */
export interface JobPlanOptions {
  /** Bytes (data.parquet) a job aims for (--query-frontend.target-bytes-per-job). */
  targetBytes: number;
  /** Fewest jobs when there are at least this many blocks (the queriers' job slots). */
  minJobs: number;
}

/** True when the block can hold spans in `range`. */
export function overlaps(m: BlockMeta, range: QueryRange): boolean {
  if (range.start !== 0n && BigInt(m.endUnixNano) < range.start) return false;
  if (range.end !== 0n && BigInt(m.startUnixNano) > range.end) return false;
  return true;
}

/** The blocks of `metas` in `range`, grouped into jobs, newest first. */
export function planJobs(metas: readonly BlockMeta[], range: QueryRange, o: JobPlanOptions): BlockMeta[][] {
  const inRange = metas.filter((m) => overlaps(m, range)).sort((a, b) => {
    const ea = BigInt(a.endUnixNano);
    const eb = BigInt(b.endUnixNano);
    return ea > eb ? -1 : ea < eb ? 1 : 0;
  });
  const perJob = Math.max(1, Math.ceil(inRange.length / Math.max(1, o.minJobs)));
  const jobs: BlockMeta[][] = [];
  let current: BlockMeta[] = [];
  let bytes = 0;
  for (const m of inRange) {
    current.push(m);
    bytes += m.size;
    if (bytes >= o.targetBytes || current.length >= perJob) {
      jobs.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) jobs.push(current);
  return jobs;
}

/** The time span of a group of blocks (unix ns). */
export function rangeOf(metas: readonly BlockMeta[]): { startNs: bigint; endNs: bigint } {
  let startNs = BigInt(metas[0].startUnixNano);
  let endNs = BigInt(metas[0].endUnixNano);
  for (const m of metas) {
    const s = BigInt(m.startUnixNano);
    const e = BigInt(m.endUnixNano);
    if (s < startNs) startNs = s;
    if (e > endNs) endNs = e;
  }
  return { startNs, endNs };
}

/** A name for logs and partial-answer messages. */
export function groupName(metas: readonly BlockMeta[]): string {
  return metas.length === 1 ? `block ${metas[0].blockID}` : `${metas.length} blocks (${metas[0].blockID}, ...)`;
}
