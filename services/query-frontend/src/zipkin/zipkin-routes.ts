// Zipkin's query API (what Zipkin Lens and Grafana's Zipkin datasource call), on the Zipkin port
// beside the receiver, as Zipkin serves both. The shapes of Zipkin's v2 API:
//   GET /api/v2/services                     ["service", ...]
//   GET /api/v2/spans?serviceName=           ["span name", ...]
//   GET /api/v2/remoteServices?serviceName=  ["remote service", ...]
//   GET /api/v2/traces?...                   [[span, ...], ...]      (see zipkin-params.ts)
//   GET /api/v2/trace/{traceId}              [span, ...]; 404 when unknown
//   GET /api/v2/traceMany?traceIds=a,b       [[span, ...], ...]      (unknown ids left out)
//   GET /api/v2/autocompleteKeys             span tag keys
//   GET /api/v2/autocompleteValues?key=      values of that tag
//   GET /api/v2/dependencies?endTs=&lookback= [{parent, child, callCount, errorCount}] (from the service graph)
import { tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from '@spanbase/server';
import { BadRequest, TraceNotFound } from '../errors.ts';
import { TempoCalls } from '../compat/tempo-api.ts';
import { clientGoneSignal } from '../compat/caller-signal.ts';
import type { TempoApi } from '../compat/tempo-api.ts';
import { zipkinDependenciesAnswer } from '../dependencies/dependencies-routes.ts';
import type { DependencyQuery } from '../dependencies/dependencies-routes.ts';
import { querySignal } from '../query-signal.ts';
import { firstValues } from '../compat/first-values.ts';
import { attr, quote } from '../compat/traceql-terms.ts';
import { toZipkinTrace } from './zipkin-json.ts';
import { param, parseZipkinSearch } from './zipkin-params.ts';

/** What the Zipkin query routes need. */
export interface ZipkinRoutesOptions {
  /** Tempo's API in this process. */
  tempo: TempoApi;
  now: () => number;
  multitenancy: boolean;
  /** The service graph for /api/v2/dependencies; the route is left out without one. */
  dependencies?: DependencyQuery;
  /** --query.timeout, for the dependency query. */
  timeoutMs: number;
}

type Req = { Querystring: Record<string, string | string[] | undefined> };

const TRACE_ID = /^[0-9a-fA-F]{1,32}$/;

function required(q: Req['Querystring'], name: string): string {
  const v = param(q, name);
  if (v === undefined) throw BadRequest(`${name} is required`);
  return v;
}

/** Registers Zipkin's query API on `app` (the Zipkin port). */
export function registerZipkinRoutes(app: FastifyInstance, opts: ZipkinRoutesOptions): void {
  const calls = (req: FastifyRequest, reply: FastifyReply) => new TempoCalls(opts.tempo, req.headers['x-scope-orgid'], clientGoneSignal(reply));

  app.get('/api/v2/services', async (req, reply) => (await calls(req, reply).tagValues('resource.service.name', undefined)).sort());

  app.get<Req>('/api/v2/spans', async (req, reply) => {
    const service = required(req.query, 'serviceName');
    return (await calls(req, reply).tagValues('name', `{ resource.service.name = ${quote(service)} }`)).sort();
  });

  app.get<Req>('/api/v2/remoteServices', async (req, reply) => {
    const service = required(req.query, 'serviceName');
    return (await calls(req, reply).tagValues('span.peer.service', `{ resource.service.name = ${quote(service)} }`)).sort();
  });

  app.get<Req>('/api/v2/traces', async (req, reply) => {
    const p = parseZipkinSearch(req.query, opts.now());
    const c = calls(req, reply);
    const ids = await c.searchIds(p.query, p.limit, p.startSeconds, p.endSeconds);
    return (await c.traces(ids)).map(toZipkinTrace).filter((t) => t.length > 0);
  });

  app.get<{ Params: { id: string } }>('/api/v2/trace/:id', async (req, reply) => {
    const id = req.params.id;
    if (!TRACE_ID.test(id)) throw BadRequest(`invalid traceId "${id.slice(0, 40)}": expected 16 or 32 hex characters`);
    const data = await calls(req, reply).trace(id);
    const trace = data ? toZipkinTrace(data) : [];
    if (trace.length === 0) throw TraceNotFound(`${id.toLowerCase()} not found`);
    return trace;
  });

  app.get<Req>('/api/v2/traceMany', async (req, reply) => {
    const ids = [...new Set(required(req.query, 'traceIds').split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
    if (ids.length === 0) throw BadRequest('traceIds is required: a comma-separated list of trace ids');
    for (const id of ids) if (!TRACE_ID.test(id)) throw BadRequest(`invalid traceId "${id.slice(0, 40)}" in traceIds: expected 16 or 32 hex characters`);
    return (await calls(req, reply).traces(ids)).map(toZipkinTrace).filter((t) => t.length > 0);
  });

  app.get('/api/v2/autocompleteKeys', async (req, reply) => {
    const r = await calls(req, reply).json<{ scopes?: { name: string; tags?: string[] }[] }>('/api/v2/search/tags', { scope: 'span' });
    return [...new Set(r.scopes?.find((s) => s.name === 'span')?.tags ?? [])].sort();
  });

  app.get<Req>('/api/v2/autocompleteValues', async (req, reply) => {
    const key = required(req.query, 'key');
    return (await calls(req, reply).tagValues(attr(key, 'span'), undefined)).sort();
  });

  const deps = opts.dependencies;
  if (deps) {
    app.get<Req>('/api/v2/dependencies', async (req) => {
      const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
      const { signal, done } = querySignal(req, opts.timeoutMs);
      try {
        return await zipkinDependenciesAnswer(deps, tenant, firstValues(req.query), signal);
      } finally {
        done();
      }
    });
  }
}
