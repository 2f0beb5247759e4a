// Jaeger's query-service HTTP API (what the Jaeger UI and Grafana's Jaeger datasource call), on
// its own port: every answer is Jaeger's envelope {data, total, limit, offset, errors}.
//   GET /api/services                          service names
//   GET /api/services/{service}/operations     span names of a service
//   GET /api/operations?service=&spanKind=     [{name, spanKind}]
//   GET /api/traces?service=&operation=&tags=&minDuration=&maxDuration=&start=&end=&limit=&lookback=
//   GET /api/traces/{id}                       one trace, 404 in the envelope when unknown
//   GET /api/dependencies?endTs=&lookback=     [{parent, child, callCount}] from the service graph
import { tenantFromHeader } from '@spanbase/server';
import type { ErrorRenderer, FastifyInstance, FastifyReply, FastifyRequest } from '@spanbase/server';
import { BadRequest, TraceNotFound } from '../errors.ts';
import { TempoCalls } from '../compat/tempo-api.ts';
import { clientGoneSignal } from '../compat/caller-signal.ts';
import type { TempoApi } from '../compat/tempo-api.ts';
import { quote } from '../compat/traceql-terms.ts';
import { jaegerEnvelope, toJaegerTrace } from './jaeger-json.ts';
import { one, parseJaegerSearch } from './jaeger-params.ts';
import { jaegerDependenciesAnswer } from '../dependencies/dependencies-routes.ts';
import type { DependencyQuery } from '../dependencies/dependencies-routes.ts';
import { querySignal } from '../query-signal.ts';
import { firstValues } from '../compat/first-values.ts';

/** What the Jaeger routes need. */
export interface JaegerRoutesOptions {
  /** Tempo's API in this process. */
  tempo: TempoApi;
  /** Traces a search returns without a limit parameter. */
  defaultLimit: number;
  /** Traces /api/operations looks at (at most --query.max-limit). */
  operationsSampleTraces: number;
  now: () => number;
  /** The service graph for /api/dependencies; the route is left out without one. */
  dependencies?: DependencyQuery;
  /** --query.timeout, for the dependency query. */
  timeoutMs: number;
  /** --multitenancy.enabled (for the dependency query's tenant). */
  multitenancy: boolean;
}

/** Jaeger's error body: its envelope with the status and message in `errors`. */
export const jaegerErrorRenderer: ErrorRenderer = (_req, status, message) => ({
  body: JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg: message }] }),
  contentType: 'application/json; charset=utf-8',
});

const SPAN_KINDS = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'] as const;

type Req = { Querystring: Record<string, string | string[] | undefined> };

/** Registers the Jaeger query API on `app` (the Jaeger port). */
export function registerJaegerRoutes(app: FastifyInstance, opts: JaegerRoutesOptions): void {
  const calls = (req: FastifyRequest, reply: FastifyReply) => new TempoCalls(opts.tempo, req.headers['x-scope-orgid'], clientGoneSignal(reply));

  app.get('/api/services', async (req, reply) => {
    const names = (await calls(req, reply).tagValues('resource.service.name', undefined)).sort();
    return jaegerEnvelope(names);
  });

  const operationNames = async (req: FastifyRequest, reply: FastifyReply, service: string, kind?: string) => {
    const filter = `{ resource.service.name = ${quote(service)}${kind ? ` && kind = ${kind}` : ''} }`;
    return (await calls(req, reply).tagValues('name', filter)).sort();
  };

  app.get<{ Params: { service: string } }>('/api/services/:service/operations', async (req, reply) => {
    return jaegerEnvelope(await operationNames(req, reply, req.params.service));
  });

  app.get<Req>('/api/operations', async (req, reply) => {
    const service = one(req.query, 'service') ?? '';
    if (service === '') throw BadRequest("parameter 'service' is required");
    const spanKind = (one(req.query, 'spanKind') ?? '').toLowerCase();
    if (spanKind !== '' && !(SPAN_KINDS as readonly string[]).includes(spanKind)) throw BadRequest(`unsupported spanKind "${spanKind.slice(0, 40)}": expected one of ${SPAN_KINDS.join(', ')}`);
    const filter = `{ resource.service.name = ${quote(service)}${spanKind ? ` && kind = ${spanKind}` : ''} }`;
    const pairs = await calls(req, reply).namesAndKinds(filter, opts.operationsSampleTraces);
    const data = pairs.map((p) => ({ name: p.name, spanKind: p.kind === 'unspecified' ? '' : p.kind })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind < b.spanKind ? -1 : 1));
    return jaegerEnvelope(data);
  });

  app.get<Req>('/api/traces', async (req, reply) => {
    const p = parseJaegerSearch(req.query, { defaultLimit: opts.defaultLimit, now: opts.now() });
    const c = calls(req, reply);
    const ids = p.traceIds.length > 0 ? p.traceIds : await c.searchIds(p.query, p.limit, p.startSeconds, p.endSeconds);
    const traces = (await c.traces(ids)).map(toJaegerTrace).filter((t) => t !== undefined);
    return jaegerEnvelope(traces);
  });

  app.get<{ Params: { id: string } }>('/api/traces/:id', async (req, reply) => {
    const id = req.params.id;
    if (!/^[0-9a-fA-F]{1,32}$/.test(id)) throw BadRequest(`malformed trace id "${id.slice(0, 40)}": expected 1 to 32 hex characters`);
    const data = await calls(req, reply).trace(id);
    const trace = data && toJaegerTrace(data);
    if (!trace) throw TraceNotFound('trace not found');
    return jaegerEnvelope([trace]);
  });

  const deps = opts.dependencies;
  if (deps) {
    app.get<Req>('/api/dependencies', async (req) => {
      const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
      const { signal, done } = querySignal(req, opts.timeoutMs);
      try {
        return await jaegerDependenciesAnswer(deps, tenant, firstValues(req.query), signal, opts.now);
      } finally {
        done();
      }
    });
  }
}
