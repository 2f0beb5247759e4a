// GET /api/search: TraceQL (or legacy tag) search over live data and blocks, newest first, in
// Tempo's SearchResponse shape.
import { TqlUnsupportedError, isMetricsQuery, parseOrThrow } from '@spanbase/traceql';
import { tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import type { TenantConcurrency } from '../concurrency.ts';
import { querySignal } from '../query-signal.ts';
import { executeSearchOver } from './search-executor.ts';
import { searchResponseJson } from './search-json.ts';
import { parseSearchParams } from './search-params.ts';
import type { SearchParamLimits } from './search-params.ts';
import type { SearchSource } from './search-source.ts';

/** What the search route needs. */
export interface SearchRoutesOptions {
  /** Every source of a tenant: live data first, then blocks. */
  sources: (tenant: string) => Promise<readonly SearchSource[]>;
  multitenancy: boolean;
  limits: SearchParamLimits;
  concurrency: TenantConcurrency;
  /** Sources searched at once. */
  parallelism: number;
  timeoutMs: number;
  /** Reports sources that failed (logged and counted by the caller). */
  onSourceFailure?: (source: string, error: unknown) => void;
}

/** Registers GET /api/search. */
export function registerSearchRoutes(app: FastifyInstance, opts: SearchRoutesOptions): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/search', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const p = parseSearchParams(req.query, opts.limits);
    const query = parseOrThrow(p.query);
    if (isMetricsQuery(query)) throw TqlUnsupportedError('this is a TraceQL metrics query: send it to /api/metrics/query_range or /api/metrics/query');
    return opts.concurrency.run(tenant, async () => {
      const { signal, done } = querySignal(req, opts.timeoutMs);
      try {
        const sources = await opts.sources(tenant);
        const run = await executeSearchOver(sources, query, { limit: p.limit, spansPerSpanset: p.spss, start: p.start, end: p.end, concurrency: opts.parallelism, signal });
        for (const f of run.failed) opts.onSourceFailure?.(f.source, f.error);
        let result = run.result;
        if (p.minDurationNs !== undefined || p.maxDurationNs !== undefined) {
          result = {
            ...result,
            traces: result.traces.filter((t) => (p.minDurationNs === undefined || t.durationNanos >= p.minDurationNs) && (p.maxDurationNs === undefined || t.durationNanos <= p.maxDurationNs)),
          };
        }
        return searchResponseJson(result, run.metrics);
      } finally {
        done();
      }
    });
  });
}
