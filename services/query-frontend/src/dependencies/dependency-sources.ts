// A dependency graph query's jobs: the blocks in range, in a few groups (their summaries are a
// few kilobytes each, so bytes do not size the jobs; the queriers' slots do), and one live job
// over every ingester, plus a job for the blocks the ingesters flushed that the block list does
// not have yet (their traces have left memory), as the other queries do.
import type { BlockMeta, DependencyRange } from '@spanbase/block';
import type { DependenciesSource } from '@spanbase/query';
import { groupName, overlaps, planJobs } from '../job-plan.ts';
import type { JobSourcesOptions } from '../job-sources.ts';

const never = new AbortController().signal;

function nanos(range: DependencyRange): { start: bigint; end: bigint } {
  return { start: BigInt(range.start) * 1_000_000_000n, end: BigInt(range.end) * 1_000_000_000n };
}

/** Failures a source met, for the answer's status. */
export type SourceFailures = { source: string; error: Error }[];

/** The sources of a tenant's graph over `range`; `failures` collects what jobs could not read. */
export function dependencySources(o: JobSourcesOptions, tenant: string, range: DependencyRange, failures: SourceFailures): DependenciesSource[] {
  const known = o.accounted(tenant);
  const ns = nanos(range);
  const job = async (blocks: BlockMeta[], live: boolean, signal: AbortSignal | undefined) => {
    const r = await o.scheduler.run('Dependencies', tenant, { blocks, live, range }, signal ?? never, live);
    failures.push(...r.failures);
    return r;
  };
  const groups = planJobs(o.blocks(tenant), ns, { targetBytes: Infinity, minJobs: o.scheduler.capacity() });
  const blocks = groups.map((group): DependenciesSource => ({ name: groupName(group), edges: async (_r, signal) => (await job(group, false, signal)).edges }));
  const live: DependenciesSource = {
    name: 'live',
    async edges(_r, signal) {
      const r = await job([], true, signal);
      const seen = new Set<string>();
      const extra = r.recentBlocks.filter((m) => m.tenantID === tenant && !known.has(m.blockID) && overlaps(m, ns) && !seen.has(m.blockID) && seen.add(m.blockID));
      if (extra.length === 0) return r.edges;
      return [...r.edges, ...(await job(extra, false, signal)).edges];
    },
  };
  return [live, ...blocks];
}
