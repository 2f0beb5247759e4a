// GET /api/spanbase/dependencies?start=&end=: the service dependency graph from the blocks'
// dependency summaries and the ingesters' live traces (dependency-json.ts has the shape). The
// same edges feed the Jaeger and Zipkin dependency answers (mounted on their own ports).
import type { DependencyEdge, DependencyRange } from '@spanbase/block';
import { DependencyGraph } from '@spanbase/block';
import type { DependenciesSource } from '@spanbase/query';
import { tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import { querySignal } from '../query-signal.ts';
import type { SourceFailures } from './dependency-sources.ts';
import { jaegerDependencies, jaegerDependencyRange, spanbaseDependencies, spanbaseDependencyRange, zipkinDependencies, zipkinDependencyRange } from './dependency-json.ts';

/** The edges of a tenant's graph over a range, and the sources that could not be read. */
export type DependencyQuery = (tenant: string, range: DependencyRange, signal: AbortSignal) => Promise<{ edges: DependencyEdge[]; failures: SourceFailures }>;

/** Runs a graph query over `sources` (all at once: each is one job, and there are few). */
export function dependencyQuery(sources: (tenant: string, range: DependencyRange, failures: SourceFailures) => DependenciesSource[]): DependencyQuery {
  return async (tenant, range, signal) => {
    const failures: SourceFailures = [];
    const graph = new DependencyGraph();
    await Promise.all(sources(tenant, range, failures).map(async (s) => {
      try {
        graph.addEdges(await s.edges(range, signal));
      } catch (err) {
        if (signal.aborted) throw err;
        failures.push({ source: s.name, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }));
    signal.throwIfAborted();
    return { edges: graph.edges(), failures };
  };
}

/** What the route needs. */
export interface DependenciesRoutesOptions {
  query: DependencyQuery;
  multitenancy: boolean;
  /** Range when neither start nor end is given (--query.default-lookback). */
  defaultLookbackMs: number;
  timeoutMs: number;
  now: () => number;
}

/** Registers GET /api/spanbase/dependencies. */
export function registerDependenciesRoutes(app: FastifyInstance, opts: DependenciesRoutesOptions): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/spanbase/dependencies', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const range = spanbaseDependencyRange(req.query, opts.defaultLookbackMs, opts.now);
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      const { edges, failures } = await opts.query(tenant, range, signal);
      return spanbaseDependencies(edges, range, failures);
    } finally {
      done();
    }
  });
}

/**
 * The answer to Jaeger's GET /api/dependencies for query parameters `q` (endTs, lookback in ms,
 * service): for the Jaeger port's route. Bad parameters throw a 400 (QRY_ERR_BAD_REQUEST).
 */
export async function jaegerDependenciesAnswer(query: DependencyQuery, tenant: string, q: Record<string, string | undefined>, signal: AbortSignal, now: () => number = Date.now): Promise<ReturnType<typeof jaegerDependencies>> {
  const { edges } = await query(tenant, jaegerDependencyRange(q, now), signal);
  return jaegerDependencies(edges, q.service || undefined);
}

/** The answer to Zipkin's GET /api/v2/dependencies for query parameters `q` (endTs, lookback in ms): for the Zipkin port's route. */
export async function zipkinDependenciesAnswer(query: DependencyQuery, tenant: string, q: Record<string, string | undefined>, signal: AbortSignal): Promise<ReturnType<typeof zipkinDependencies>> {
  const { edges } = await query(tenant, zipkinDependencyRange(q), signal);
  return zipkinDependencies(edges);
}
