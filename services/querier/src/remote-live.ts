// Live data from ingesters in other processes, over their internal API: each ingester evaluates
// searches, metrics and tag summaries over its memory and answers with its result (an explicit
// protobuf message), which merges like any other source's; a trace may have spans in any of them.
// Each live answer also names the blocks the ingester flushed recently, for `onRecent`.
import type { BlockMeta } from '@spanbase/block';
import { LiveService, metricsPartialOf } from '@spanbase/internal-api';
import type { InternalClient, Peers } from '@spanbase/internal-api';
import { flattenTracesData } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';
import type { DependenciesSource, MetricsSource, SearchSource, SourceResult, TagsSource, TraceSource } from '@spanbase/query';
import { stringify } from '@spanbase/traceql';

/** Told of blocks an ingester flushed recently (their traces have left its memory). */
export type RecentSink = (metas: readonly BlockMeta[]) => void;

/** The live data of the ingesters an address list names. */
export interface RemoteLive {
  /** Trace lookups, one source per ingester. */
  traceSources(): TraceSource[];
  /** Search sources of a tenant, one per ingester. */
  search(tenant: string, onRecent?: RecentSink): SearchSource[];
  /** Metrics sources of a tenant, one per ingester. */
  metrics(tenant: string, onRecent?: RecentSink): MetricsSource[];
  /** Tags sources of a tenant, one per ingester. */
  tags(tenant: string, onRecent?: RecentSink): TagsSource[];
  /** Dependency edge sources of a tenant, one per ingester. */
  dependencies(tenant: string, onRecent?: RecentSink): DependenciesSource[];
}

/** Live data over `peers`; `timeoutMs` bounds each call (the query's own signal may end it sooner). */
export function remoteLive(peers: Peers, timeoutMs: number): RemoteLive {
  const live = { name: '', timeRange: undefined, bytes: 0, isBlock: false } as const;
  const each = <T>(make: (c: InternalClient, name: string) => T): T[] => peers.clients().map((c) => make(c, `ingester ${c.address}`));
  return {
    traceSources: () =>
      each((c, name): TraceSource => ({
        name,
        async findTrace(tenant, traceId, _range, signal): Promise<SourceResult> {
          try {
            const r = await c.call(LiveService, LiveService.methods.FindTrace, { traceId }, { tenant, timeoutMs, signal });
            return { records: r.tracesData.byteLength === 0 ? [] : flattenTracesData(decodeExportRequest(r.tracesData)) };
          } catch (err) {
            if (signal?.aborted) throw err;
            return { records: [], skipped: [`${name} (${(err as Error).message})`] };
          }
        },
      })),
    search: (tenant, onRecent) =>
      each((c, name): SearchSource => ({
        ...live,
        name,
        async search(query, o) {
          const q = { query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes ?? 0 };
          const r = await c.call(LiveService, LiveService.methods.Search, q, { tenant, timeoutMs, signal: o.signal });
          onRecent?.(r.recentBlocks);
          return r.result;
        },
      })),
    metrics: (tenant, onRecent) =>
      each((c, name): MetricsSource => ({
        ...live,
        name,
        async evaluate(plan, signal) {
          const r = await c.call(LiveService, LiveService.methods.Metrics, { query: stringify(plan.query), request: plan.request }, { tenant, timeoutMs, signal });
          onRecent?.(r.recentBlocks);
          return metricsPartialOf(plan, r.partial);
        },
      })),
    tags: (tenant, onRecent) =>
      each((c, name): TagsSource => ({
        name,
        timeRange: undefined,
        bytes: 0,
        async summary(signal) {
          const r = await c.call(LiveService, LiveService.methods.Tags, {}, { tenant, timeoutMs, signal });
          onRecent?.(r.recentBlocks);
          return r.summary;
        },
      })),
    dependencies: (tenant, onRecent) =>
      each((c, name): DependenciesSource => ({
        name,
        async edges(range, signal) {
          const r = await c.call(LiveService, LiveService.methods.Dependencies, range, { tenant, timeoutMs, signal });
          onRecent?.(r.recentBlocks);
          return r.edges;
        },
      })),
  };
}
