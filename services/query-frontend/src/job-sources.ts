// A query's sources as the frontend runs them: every source is a job for a querier (a group of
// blocks, or the live data of every ingester), merged by the same executors a querier uses. The
// block list is the frontend's; live jobs are started before it is read, and the blocks that
// ingesters flushed since (named in their live answers) but the list does not have yet are read
// by one more job, so a trace moving from memory into a block is never missed.
import type { BlockMeta, TagsSummary } from '@spanbase/block';
import { metricsPartialOf } from '@spanbase/internal-api';
import type { JobFailure, SearchQuery } from '@spanbase/internal-api';
import { flattenTracesData, bytesToHex } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';
import { executeSearchOver, mergeIntoSummary, mergedParts } from '@spanbase/query';
import type { EvaluatedData, Incomplete, MetricsSource, PartChannel, MetricsSources, QueryRange, SearchSource, SearchSources, SourceSearchOptions, TagsSource, TimeRange, TraceSource } from '@spanbase/query';
import { stringify } from '@spanbase/traceql';
import type { MetricsPartialData, MetricsPlan, Query, SearchResult } from '@spanbase/traceql';
import { groupName, overlaps, planJobs, rangeOf } from './job-plan.ts';
import type { JobScheduler } from './scheduler.ts';

/** What the job sources read from. */
export interface JobSourcesOptions {
  scheduler: JobScheduler;
  /** The tenant's blocks, as the frontend's block list knows them now. */
  blocks(tenant: string): BlockMeta[];
  /** Ids of the blocks the list accounts for (listed, compacted, or replaced by one it lists). */
  accounted(tenant: string): ReadonlySet<string>;
  /** --query-frontend.target-bytes-per-job. */
  targetBytes: number;
}

/** The sources of every kind of query. */
export interface JobSources {
  search: SearchSources;
  metrics: MetricsSources;
  /** Tags sources of a tenant for a time range. */
  tags(tenant: string, range: QueryRange): TagsSource[];
  /** Trace lookups: live data first, then blocks. */
  traces(): TraceSource[];
}

/**
 * The block list as one query read it, so its live source knows which recent blocks it accounted
 * for: listed ones are read by the block jobs, compacted ones by the block that replaced them.
 */
interface Snapshot {
  known?: ReadonlySet<string>;
}

const never = new AbortController().signal;

/** What a live source is, before what it runs. */
const LIVE = { name: 'live', timeRange: undefined, bytes: 0, isBlock: false } as const;

function searchQueryOf(query: Query, o: SourceSearchOptions): SearchQuery {
  return { query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes ?? 0 };
}

function fixed(name: string, r: SearchResult & { failures?: readonly JobFailure[] }): SearchSource {
  return { name, timeRange: undefined, bytes: 0, isBlock: false, search: async () => r };
}

/** Job sources over `o.scheduler`. */
export function jobSources(o: JobSourcesOptions): JobSources {
  const plan = (metas: readonly BlockMeta[], range: QueryRange) => planJobs(metas, range, { targetBytes: o.targetBytes, minJobs: 2 * o.scheduler.capacity() });
  // startSearch and startMetrics ask the live sources, then at once (no await between) the block
  // list: the snapshot made by the first is filled by the second.
  let handoff: Snapshot | undefined;
  const snapshot = (): Snapshot => (handoff = {});
  const list = (tenant: string): BlockMeta[] => {
    const metas = o.blocks(tenant);
    if (handoff) handoff.known = o.accounted(tenant);
    handoff = undefined;
    return metas;
  };
  /** Recent blocks an ingester named that the query's block list did not hold. */
  const missing = (snap: Snapshot, recent: readonly BlockMeta[], tenant: string, range: QueryRange): BlockMeta[] => {
    const seen = new Set<string>();
    return recent.filter((m) => m.tenantID === tenant && !snap.known?.has(m.blockID) && overlaps(m, range) && !seen.has(m.blockID) && seen.add(m.blockID));
  };

  const search: SearchSources = {
    live(tenant) {
      const snap = snapshot();
      return [{
        ...LIVE,
        async search(query, so) {
          const q = searchQueryOf(query, so);
          const live = await o.scheduler.run('Search', tenant, { search: q, blocks: [], live: true }, so.signal, true);
          const extra = missing(snap, live.recentBlocks, tenant, so);
          if (extra.length === 0) return { ...live.result, failures: live.failures };
          const recent = await o.scheduler.run('Search', tenant, { search: q, blocks: extra, live: false }, so.signal);
          const merged = await executeSearchOver([fixed('live', live.result), fixed('recent blocks', recent.result)], query, { ...so, concurrency: 2 });
          return { ...merged.result, failures: [...live.failures, ...recent.failures] };
        },
      }];
    },
    blocks(tenant, range) {
      return plan(list(tenant), range).map((group): SearchSource => ({
        name: groupName(group),
        timeRange: rangeOf(group),
        bytes: group.reduce((n, m) => n + m.size, 0),
        isBlock: true,
        blocks: group.length,
        async search(query, so) {
          const r = await o.scheduler.run('Search', tenant, { search: searchQueryOf(query, so), blocks: group, live: false }, so.signal);
          // What the querier read of the group, not the group's size: needle searches skip most of it.
          return { ...r.result, failures: r.failures, inspectedBytes: r.inspectedBytes };
        },
      }));
    },
  };

  const metricsJob = (tenant: string, plan: MetricsPlan, blocks: BlockMeta[], live: boolean, signal: AbortSignal, channel?: PartChannel) =>
    o.scheduler.run('Metrics', tenant, { metrics: { query: stringify(plan.query), request: plan.request }, blocks, live }, signal, live, channel);
  /** A source's parts merged on this thread (the frontend's answers take the parts as they are: evaluateData). */
  const merged = async (mp: MetricsPlan, r: Promise<{ parts: MetricsPartialData[] } & Incomplete>) => mergedParts(mp, await r, metricsPartialOf);
  const groupData = async (group: BlockMeta[], tenant: string, mp: MetricsPlan, signal: AbortSignal, channel?: PartChannel): Promise<EvaluatedData> => {
    const r = await metricsJob(tenant, mp, group, false, signal, channel);
    return { parts: r.parts, sentSpans: r.sentSpans, failures: r.failures };
  };
  const metrics: MetricsSources = {
    live(tenant) {
      const snap = snapshot();
      const liveData = async (mp: MetricsPlan, signal: AbortSignal, channel?: PartChannel): Promise<EvaluatedData> => {
        const live = await metricsJob(tenant, mp, [], true, signal, channel);
        const extra = missing(snap, live.recentBlocks, tenant, { start: mp.grid.start, end: mp.grid.end });
        if (extra.length === 0) return { parts: live.parts, sentSpans: live.sentSpans, failures: live.failures };
        const recent = await metricsJob(tenant, mp, extra, false, signal, channel);
        return { parts: [...live.parts, ...recent.parts], sentSpans: (live.sentSpans ?? 0) + (recent.sentSpans ?? 0), failures: [...live.failures, ...recent.failures] };
      };
      return [{ ...LIVE, evaluate: (mp, signal) => merged(mp, liveData(mp, signal)), evaluateData: liveData }];
    },
    blocks(tenant, range) {
      return plan(list(tenant), range).map((group): MetricsSource => ({
        name: groupName(group),
        timeRange: rangeOf(group),
        bytes: group.reduce((n, m) => n + m.size, 0),
        isBlock: true,
        blocks: group.length,
        evaluate: (mp, signal) => merged(mp, groupData(group, tenant, mp, signal)),
        evaluateData: (mp, signal, channel) => groupData(group, tenant, mp, signal, channel),
      }));
    },
  };

  const tagsJob = async (tenant: string, blocks: BlockMeta[], live: boolean, signal: AbortSignal): Promise<{ summary: TagsSummary; recentBlocks: BlockMeta[] }> => {
    const r = await o.scheduler.run('Tags', tenant, { blocks, live }, signal, live);
    return { summary: mergeIntoSummary(r.summaries), recentBlocks: r.recentBlocks };
  };
  const tags = (tenant: string, range: QueryRange): TagsSource[] => {
    const known = o.accounted(tenant);
    const blocks = plan(o.blocks(tenant), range).map((group): TagsSource => {
      return { name: groupName(group), timeRange: rangeOf(group), bytes: group.reduce((n, m) => n + m.size, 0), summary: async (signal) => (await tagsJob(tenant, group, false, signal ?? never)).summary };
    });
    const live: TagsSource = {
      name: 'live',
      timeRange: undefined,
      bytes: 0,
      async summary(signal) {
        const r = await tagsJob(tenant, [], true, signal ?? never);
        const extra = missing({ known }, r.recentBlocks, tenant, range);
        if (extra.length === 0) return r.summary;
        return mergeIntoSummary([r.summary, (await tagsJob(tenant, extra, false, signal ?? never)).summary]);
      },
    };
    return [live, ...blocks];
  };

  const traceJob = async (tenant: string, traceId: Uint8Array, blocks: BlockMeta[], live: boolean, signal: AbortSignal): Promise<{ records: SpanRecord[]; skipped: string[] }> => {
    const r = await o.scheduler.run('FindTrace', tenant, { traceId, blocks, live }, signal, live);
    return { records: r.tracesData.byteLength === 0 ? [] : flattenTracesData(decodeExportRequest(r.tracesData)), skipped: r.skipped };
  };
  const mayHold = (m: BlockMeta, hex: string, range: TimeRange | undefined) =>
    hex >= m.minTraceID && hex <= m.maxTraceID && (!range || overlaps(m, { start: BigInt(range.startSeconds) * 1_000_000_000n, end: BigInt(range.endSeconds) * 1_000_000_000n }));
  const traces = (): TraceSource[] => [
    { name: 'live', findTrace: (tenant, traceId, _range, signal) => traceJob(tenant, traceId, [], true, signal ?? never) },
    {
      name: 'blocks',
      async findTrace(tenant, traceId, range, signal) {
        const hex = bytesToHex(traceId);
        const candidates = o.blocks(tenant).filter((m) => mayHold(m, hex, range));
        // Bloom filters rule most candidates out at the querier: spread them, no byte target.
        const groups = planJobs(candidates, { start: 0n, end: 0n }, { targetBytes: Infinity, minJobs: o.scheduler.capacity() });
        const found = await Promise.all(groups.map((g) => traceJob(tenant, traceId, g, false, signal ?? never).catch((err: unknown) => {
          if (signal?.aborted) throw err;
          return { records: [], skipped: [`${groupName(g)} (${(err as Error).message})`] };
        })));
        return { records: found.flatMap((f) => f.records), skipped: found.flatMap((f) => f.skipped) };
      },
    },
  ];

  return { search, metrics, tags, traces };
}
