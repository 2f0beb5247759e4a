// Routes other processes use to reach an ingester when roles run apart: distributors push
// validated requests, queriers read live traces. They sit on the ingester's API port under
// /internal/ and carry the tenant in X-Scope-OrgID like every other route.
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { groupSpanRecords, parseTraceIdParam } from '@spanbase/model';
import { BadParameter, validateTenantId } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import { serialize } from 'node:v8';
import type { SpanRecord } from '@spanbase/model';
import { MemoryColumnFetcher, MemoryFetcher, evaluateMetrics, executeSearch, parseOrThrow, pinnedTraceId, planMetrics, planSearch } from '@spanbase/traceql';
import type { MetricsRequest } from '@spanbase/traceql';
import type { Ingester } from './ingester.ts';

/**
 * Spans of a trace in blocks this ingester flushed recently: when the roles run apart, queriers
 * see a new block only after their next poll, so until then the ingester answers for it.
 */
export type RecentBlocks = (tenant: string, traceId: Uint8Array) => Promise<SpanRecord[]>;

function tenantOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) throw BadParameter('internal routes need X-Scope-OrgID');
  return validateTenantId(v);
}

/** Registers /internal/push and /internal/traces/:id. */
export function registerIngesterRoutes(app: FastifyInstance, ingester: Ingester, maxBodyBytes: number, recentBlocks?: RecentBlocks): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    registerIngesterQueryRoutes(scope, ingester);
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.post('/internal/push', async (req) => {
      const tenant = tenantOf(req.headers['x-scope-orgid']);
      // Already validated and truncated by the distributor; scanning rebuilds the span index.
      const scan = scanExportRequest(req.body as Buffer);
      return ingester.push(tenant, scan);
    });
    scope.get<{ Params: { id: string } }>('/internal/traces/:id', async (req, reply) => {
      const tenant = tenantOf(req.headers['x-scope-orgid']);
      const id = parseTraceIdParam(req.params.id);
      if (!id) throw BadParameter(`invalid trace id ${req.params.id}`);
      const records = [...(ingester.findTrace(tenant, id)?.records ?? []), ...((await recentBlocks?.(tenant, id)) ?? [])];
      if (records.length === 0) return reply.code(404).send();
      const bytes = encodeTracesData(groupSpanRecords(records));
      return reply.type('application/x-protobuf').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
  });
}

/** Reads a JSON job whose bigint fields travel as decimal strings. */
function jsonJob<T>(body: unknown, bigints: readonly string[]): T {
  const o = JSON.parse(Buffer.from(body as Buffer).toString('utf8')) as Record<string, unknown>;
  const fix = (x: Record<string, unknown>) => {
    for (const k of bigints) if (typeof x[k] === 'string') x[k] = BigInt(x[k] as string);
  };
  fix(o);
  if (o.request && typeof o.request === 'object') fix(o.request as Record<string, unknown>);
  return o as T;
}

/**
 * Searches, metrics and tags over an ingester's memory for queriers running apart. Jobs come as
 * JSON; answers are v8-serialized (they hold bigints, Maps and typed arrays) and read only by the
 * queriers configured with this ingester's address.
 */
export function registerIngesterQueryRoutes(app: FastifyInstance, ingester: Ingester): void {
  app.post('/internal/tags', async (req, reply) => {
    const tenant = tenantOf(req.headers['x-scope-orgid']);
    return reply.type('application/octet-stream').send(serialize(ingester.tagsSummary(tenant)));
  });
  app.post<{ Body: unknown }>('/internal/search', async (req, reply) => {
    const tenant = tenantOf(req.headers['x-scope-orgid']);
    const job = jsonJob<{ query: string; limit: number; spansPerSpanset: number; start: bigint; end: bigint }>(req.body, ['start', 'end']);
    const query = parseOrThrow(job.query);
    // A query pinned to one trace id decodes only that trace (see the querier's live search).
    const id = query.body.kind === 'pipeline' ? pinnedTraceId(planSearch(query.body).request) : undefined;
    const one = id ? ingester.findTrace(tenant, id) : undefined;
    const traces = id === undefined ? ingester.liveTraces(tenant, Number(job.start), Number(job.end)) : one ? [one.records] : [];
    const result = await executeSearch(query, new MemoryFetcher(traces), { ...job, mostRecent: true });
    return reply.type('application/octet-stream').send(serialize(result));
  });
  app.post<{ Body: unknown }>('/internal/metrics', async (req, reply) => {
    const tenant = tenantOf(req.headers['x-scope-orgid']);
    const job = jsonJob<{ query: string; request: MetricsRequest }>(req.body, ['start', 'end', 'step']);
    const plan = planMetrics(job.query, job.request);
    const traces = ingester.liveTraces(tenant, Number(plan.grid.start), Number(plan.grid.end));
    return reply.type('application/octet-stream').send(serialize(await evaluateMetrics(plan, new MemoryColumnFetcher(traces))));
  });
}
