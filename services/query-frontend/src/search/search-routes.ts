// GET /api/search: TraceQL (or legacy tag) search over live data and blocks, newest first, in
// Tempo's SearchResponse shape.
import { TqlResultTooLarge, TqlUnsupportedError, isMetricsQuery, parseCached } from '@spanbase/traceql';
import { isSpanbaseError } from '@spanbase/model';
import { tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import type { QueryAdmission } from '../admission.ts';
import { ResponseTooLarge } from '../errors.ts';
import { querySignal } from '../query-signal.ts';
import { executeSearchOver } from '@spanbase/query';
import { parseSearchParams } from './search-params.ts';
import type { SearchParamLimits } from './search-params.ts';
import { startSearch } from '@spanbase/query';
import { throwIfNothingRan } from '../nothing-ran.ts';
import type { SearchSources } from '@spanbase/query';
import type { AnswerPool } from '../answers/answer-pool.ts';
import { isWarmUpRequest } from '../warm-up.ts';

/** What the search route needs. */
export interface SearchRoutesOptions {
  /** Live data and blocks of a tenant. */
  sources: SearchSources;
  multitenancy: boolean;
  limits: SearchParamLimits;
  admission: QueryAdmission;
  /** Where the answer's JSON is written (off the thread that acknowledges ingest). */
  answers: AnswerPool;
  /** Sources searched at once (the queriers' job slots, which change with membership). */
  parallelism: () => number;
  timeoutMs: number;
  /** --query.max-response-bytes: a bigger answer is a 422. */
  maxResponseBytes: number;
  /** Reports sources that failed (logged and counted by the caller). */
  onSourceFailure?: (source: string, error: unknown) => void;
}

/** Registers GET /api/search. */
export function registerSearchRoutes(app: FastifyInstance, opts: SearchRoutesOptions): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/search', async (req, reply) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const p = parseSearchParams(req.query, opts.limits);
    const query = parseCached(p.query);
    if (isMetricsQuery(query)) throw TqlUnsupportedError('this is a TraceQL metrics query: send it to /api/metrics/query_range or /api/metrics/query');
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      return await opts.admission.run(tenant, async () => {
        const o = { limit: p.limit, spansPerSpanset: p.spss, start: p.start, end: p.end, maxResultBytes: opts.maxResponseBytes, signal };
        const run = await executeSearchOver(startSearch(opts.sources, tenant, query, o), query, { ...o, concurrency: opts.parallelism() });
        if (!isWarmUpRequest(req)) for (const f of run.failed) opts.onSourceFailure?.(f.source, f.error);
        throwIfNothingRan(run.metrics.totalJobs, run.answeredJobs, run.failed);
        let result = run.result;
        if (p.minDurationNs !== undefined || p.maxDurationNs !== undefined) {
          result = {
            ...result,
            traces: result.traces.filter((t) => (p.minDurationNs === undefined || t.durationNanos >= p.minDurationNs) && (p.maxDurationNs === undefined || t.durationNanos <= p.maxDurationNs)),
          };
        }
        const body = await opts.answers.searchAnswer(result, run.metrics, signal);
        reply.type('application/json; charset=utf-8');
        return body;
      }, signal);
    } catch (err) {
      if (isSpanbaseError(err, TqlResultTooLarge)) {
        throw ResponseTooLarge(
          `the answer would be larger than --query.max-response-bytes=${opts.maxResponseBytes} bytes: ask for fewer traces (limit=${p.limit}) or spans per spanset (spss=${p.spss}), or narrow the query or its time range`,
          { cause: err },
        );
      }
      throw err;
    } finally {
      done();
    }
  });
}
