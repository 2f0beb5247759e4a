// What a querier does with a job from the frontend: read the job's blocks on the query pool (a
// search pinned to a trace id asks each block's bloom filter first, on this thread) and, for a
// live job, ask the live data, then merge with the same executors the frontend uses. What could
// not be read goes back as failures (the frontend's answer is then partial); a problem with the
// query itself fails the job.
import type { BlockDamage, BlockMeta } from '@spanbase/block';
import type { Handlers, JobFailure, JobsService } from '@spanbase/internal-api';
import { metricsPartialData } from '@spanbase/internal-api';
import { faultPoint, groupSpanRecords } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { executeMetricsOver, executeSearchOver } from '@spanbase/query';
import type { DependenciesSource, TagsSource } from '@spanbase/query';
import type { Counter, Logger } from '@spanbase/server';
import { parseCached, partialSpans, planMetrics } from '@spanbase/traceql';
import type { MetricsPartialData } from '@spanbase/traceql';
import type { TagsSummary } from '@spanbase/block';
import { DependencyGraph } from '@spanbase/block';
import { blockDependenciesSource } from './dependencies/dependencies-source.ts';
import { blockMetricsSource } from './blocks/block-metrics-source.ts';
import type { QuerierReaders } from './blocks/block-readers.ts';
import { blockSearchSource } from './blocks/block-search-source.ts';
import { blockTraceSource } from './blocks/block-trace-source.ts';
import type { LiveData } from './live-data.ts';
import type { QueryPool } from './pool/query-pool.ts';
import { blockTagsSource } from './tags/tags-source.ts';

/** What the handlers run with. */
export interface JobHandlerDeps {
  pool: QueryPool;
  readers: QuerierReaders;
  live: LiveData;
  /** Blocks (and live sources) one job reads at once. */
  concurrency: number;
  log: Logger;
  /** Blocks a trace lookup could not read, by reason. */
  skipped: Counter;
  /** Jobs run, by kind. */
  jobs: Counter;
  /**
   * Metrics jobs answer with each source's part unmerged (see MetricsJobResult): true when the
   * querier shares the frontend's process, whose answer worker merges them.
   */
  unmergedMetrics?: boolean;
}

function errorOf(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function failuresOf(list: readonly { source: string; error: unknown }[]): JobFailure[] {
  return list.map((f) => ({ source: f.source, error: errorOf(f.error) }));
}

function uniqueBlocks(metas: readonly BlockMeta[]): BlockMeta[] {
  const seen = new Map<string, BlockMeta>();
  for (const m of metas) seen.set(m.blockID, m);
  return [...seen.values()];
}

/**
 * Reads `sources`, `concurrency` at a time; a source that fails becomes a failure (the answer is
 * partial) unless the job itself was cancelled.
 */
async function eachSource<S extends { name: string }>(sources: readonly S[], concurrency: number, signal: AbortSignal, read: (s: S) => Promise<void>): Promise<JobFailure[]> {
  const failures: JobFailure[] = [];
  let next = 0;
  const worker = async () => {
    while (next < sources.length && !signal.aborted) {
      const s = sources[next++];
      try {
        await read(s);
      } catch (err) {
        if (signal.aborted) throw err;
        failures.push({ source: s.name, error: errorOf(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, sources.length)) }, worker));
  signal.throwIfAborted();
  return failures;
}

/** Handlers of the Jobs service. */
export function jobHandlers(d: JobHandlerDeps): Handlers<typeof JobsService> {
  const noteDamage = (damage: readonly BlockDamage[]) => d.readers.noteDamage(damage);
  return {
    async Search(job, ctx) {
      d.jobs.inc({ kind: 'search' });
      // Crash tests hold a job here to kill the querier in the middle of a query.
      await faultPoint('querier-job');
      const recent: BlockMeta[] = [];
      const sources = [
        ...(job.live ? d.live.search(ctx.tenant, (m) => recent.push(...m)) : []),
        ...job.blocks.map((m) => blockSearchSource(m, d.pool, d.readers.reader(m), noteDamage)),
      ];
      const q = job.search;
      const run = await executeSearchOver(sources, parseCached(q.query), { limit: q.limit, spansPerSpanset: q.spansPerSpanset, start: q.start, end: q.end, maxResultBytes: q.maxResultBytes, signal: ctx.signal, concurrency: d.concurrency });
      return { result: run.result, failures: failuresOf(run.failed), inspectedBytes: run.metrics.inspectedBytes, recentBlocks: uniqueBlocks(recent) };
    },

    async Metrics(job, ctx) {
      d.jobs.inc({ kind: 'metrics' });
      await faultPoint('querier-job');
      const plan = planMetrics(parseCached(job.metrics.query), job.metrics.request);
      const recent: BlockMeta[] = [];
      const sources = [...(job.live ? d.live.metrics(ctx.tenant, (m) => recent.push(...m)) : []), ...job.blocks.map((m) => blockMetricsSource(m, d.pool, noteDamage))];
      const parts: MetricsPartialData[] = [];
      // Unmerged, the parts go back as they are, or, given a channel, straight to the thread that merges.
      const channel = d.unmergedMetrics ? ctx.partChannel : undefined;
      const run = await executeMetricsOver(sources, plan, { concurrency: d.concurrency, signal: ctx.signal, collect: d.unmergedMetrics ? (p) => parts.push(p) : undefined, channel });
      if (!d.unmergedMetrics) parts.push(metricsPartialData(run.partial));
      const returned = parts.reduce((n, p) => n + partialSpans(p), 0);
      const sentSpans = channel ? run.stats.inspectedSpans - returned : undefined;
      return { parts, sentSpans, failures: failuresOf(run.failed), inspectedBytes: run.stats.inspectedBytes, recentBlocks: uniqueBlocks(recent) };
    },

    async Tags(job, ctx) {
      d.jobs.inc({ kind: 'tags' });
      const recent: BlockMeta[] = [];
      const sources: TagsSource[] = [...(job.live ? d.live.tags(ctx.tenant, (m) => recent.push(...m)) : []), ...job.blocks.map((m) => blockTagsSource(m, d.readers.reader(m)))];
      const summaries: TagsSummary[] = [];
      const failures = await eachSource(sources, d.concurrency, ctx.signal, async (s) => void summaries.push(await s.summary(ctx.signal)));
      return { summaries, failures, recentBlocks: uniqueBlocks(recent) };
    },

    async Dependencies(job, ctx) {
      d.jobs.inc({ kind: 'dependencies' });
      const recent: BlockMeta[] = [];
      const sources: DependenciesSource[] = [...(job.live ? d.live.dependencies(ctx.tenant, (m) => recent.push(...m)) : []), ...job.blocks.map((m) => blockDependenciesSource(m, d.readers.reader(m)))];
      const graph = new DependencyGraph();
      const failures = await eachSource(sources, d.concurrency, ctx.signal, async (s) => graph.addEdges(await s.edges(job.range, ctx.signal)));
      return { edges: graph.edges(), failures, recentBlocks: uniqueBlocks(recent) };
    },

    async FindTrace(job, ctx) {
      d.jobs.inc({ kind: 'trace' });
      const blocks = blockTraceSource({ blocks: () => job.blocks, reader: (m) => d.readers.reader(m), noteDamage }, d.log, d.skipped, d.pool, d.concurrency);
      const sources = [...(job.live ? d.live.traceSources() : []), ...(job.blocks.length > 0 ? [blocks] : [])];
      const results = await Promise.all(sources.map((s) => s.findTrace(ctx.tenant, job.traceId, undefined, ctx.signal)));
      const records = results.flatMap((r) => r.records);
      return { tracesData: records.length === 0 ? new Uint8Array(0) : encodeTracesData(groupSpanRecords(records)), skipped: results.flatMap((r) => r.skipped ?? []) };
    },
  };
}
