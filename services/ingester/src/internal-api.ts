// What an ingester serves on the internal listener when the roles run apart: distributors push
// accepted spans (Push), queriers ask for the data in memory (Live). Live answers name the blocks
// flushed recently, and trace lookups include those blocks.
//
// When the list of recent blocks is read differs by what the answer adds up. A search or a trace
// lookup reads it after the query ran: a trace that left memory while the query waited is then in
// one of them, and a trace seen in both places is merged by id. Counts (metrics, the dependency
// graph) cannot merge, so they read it as the query is asked: a flush registers its block and
// drops its traces in one step, and the live worker sees a job in order with those drops, so
// every trace is counted once, in memory or in a named block.
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { groupSpanRecords } from '@spanbase/model';
import { DependencyGraph } from '@spanbase/block';
import { LiveService, PushService, metricsPartialData } from '@spanbase/internal-api';
import type { InternalServer } from '@spanbase/internal-api';
import type { Ingester } from './ingester.ts';
import type { RecentBlocks } from './recent-blocks.ts';

/** Serves Push and Live for `ingester` on `server`. */
export function serveIngester(server: InternalServer, ingester: Ingester, recent: RecentBlocks | undefined): void {
  const recentOf = (tenant: string) => recent?.metas(tenant) ?? [];
  server.serve(PushService, {
    // Already validated and truncated by the distributor; scanning rebuilds the span index.
    Push: (req, ctx) => ingester.push(ctx.tenant, scanExportRequest(req.otlp)),
  });
  server.serve(LiveService, {
    async Search(q, ctx) {
      const result = await ingester.live.search(ctx.tenant, q.query, { limit: q.limit, spansPerSpanset: q.spansPerSpanset, start: q.start, end: q.end, maxResultBytes: q.maxResultBytes }, ctx.signal);
      return { result, recentBlocks: recentOf(ctx.tenant) };
    },
    async Metrics(q, ctx) {
      const recentBlocks = recentOf(ctx.tenant);
      const partial = await ingester.live.metrics(ctx.tenant, q.query, q.request, ctx.signal);
      return { partial: metricsPartialData(partial), recentBlocks };
    },
    async Tags(_q, ctx) {
      const summary = await ingester.live.tagsSummary(ctx.tenant, ctx.signal);
      return { summary, recentBlocks: recentOf(ctx.tenant) };
    },
    async Dependencies(range, ctx) {
      const recentBlocks = recentOf(ctx.tenant);
      const graph = new DependencyGraph();
      graph.addSummary(await ingester.live.dependencies(ctx.tenant, ctx.signal), range);
      return { edges: graph.edges(), recentBlocks };
    },
    async FindTrace(q, ctx) {
      const records = [...(await ingester.live.findTrace(ctx.tenant, q.traceId, ctx.signal)), ...((await recent?.findTrace(ctx.tenant, q.traceId, ctx.signal)) ?? [])];
      return { tracesData: records.length === 0 ? new Uint8Array(0) : encodeTracesData(groupSpanRecords(records)) };
    },
  });
}
