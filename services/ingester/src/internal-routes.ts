// Routes other processes use to reach an ingester when roles run apart: distributors push
// validated requests, queriers read live traces. They sit on the ingester's API port under
// /internal/ and carry the tenant in X-Scope-OrgID like every other route.
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { groupSpanRecords, parseTraceIdParam } from '@spanbase/model';
import { BadParameter, validateTenantId } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import { serialize } from 'node:v8';
import type { SpanRecord } from '@spanbase/model';
import type { MetricsRequest } from '@spanbase/traceql';
import type { LiveSearchOptions } from './live/live-protocol.ts';
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
      const records = [...(await ingester.live.findTrace(tenant, id)), ...((await recentBlocks?.(tenant, id)) ?? [])];
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
  const signalOf = (req: { raw: { socket: { once(e: 'close', f: () => void): void } | null } }) => {
    const ac = new AbortController();
    req.raw.socket?.once('close', () => ac.abort(new Error('querier went away')));
    return ac.signal;
  };
  app.post('/internal/tags', async (req, reply) => {
    const tenant = tenantOf(req.headers['x-scope-orgid']);
    return reply.type('application/octet-stream').send(serialize(await ingester.live.tagsSummary(tenant, signalOf(req))));
  });
  app.post<{ Body: unknown }>('/internal/search', async (req, reply) => {
    const tenant = tenantOf(req.headers['x-scope-orgid']);
    const job = jsonJob<{ query: string } & LiveSearchOptions>(req.body, ['start', 'end']);
    const result = await ingester.live.search(tenant, job.query, { limit: job.limit, spansPerSpanset: job.spansPerSpanset, start: job.start, end: job.end, maxResultBytes: job.maxResultBytes }, signalOf(req));
    return reply.type('application/octet-stream').send(serialize(result));
  });
  app.post<{ Body: unknown }>('/internal/metrics', async (req, reply) => {
    const tenant = tenantOf(req.headers['x-scope-orgid']);
    const job = jsonJob<{ query: string; request: MetricsRequest }>(req.body, ['start', 'end', 'step']);
    return reply.type('application/octet-stream').send(serialize(await ingester.live.metrics(tenant, job.query, job.request, signalOf(req))));
  });
}
