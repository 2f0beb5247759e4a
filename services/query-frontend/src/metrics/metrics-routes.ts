// GET /api/metrics/query_range and GET /api/metrics/query: TraceQL metrics over live data and
// blocks, in Tempo's QueryRangeResponse / QueryInstantResponse shapes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from '@spanbase/server';
import { tenantFromHeader } from '@spanbase/server';
import type { MetricsPlan } from '@spanbase/traceql';
import { parseCached, planMetrics, stringify } from '@spanbase/traceql';
import type { QueryAdmission } from '../admission.ts';
import { BadRequest } from '../errors.ts';
import { querySignal } from '../query-signal.ts';
import { executeMetricsOver } from '@spanbase/query';
import type { MetricsParamLimits } from './metrics-params.ts';
import { parseMetricsParams } from './metrics-params.ts';
import { startMetrics } from '@spanbase/query';
import { throwIfNothingRan } from '../nothing-ran.ts';
import type { MetricsSources } from '@spanbase/query';
import type { AnswerPool } from '../answers/answer-pool.ts';
import { isWarmUpRequest } from '../warm-up.ts';

/** What the metrics routes need. */
export interface MetricsRoutesOptions {
  /** Live data and blocks of a tenant. */
  sources: MetricsSources;
  /** Whether X-Scope-OrgID is required. */
  multitenancy: boolean;
  /** Parameter limits. */
  limits: MetricsParamLimits;
  /** Most exemplars per response (Tempo's max_exemplars, 100). */
  maxExemplars: number;
  /** Most series per metrics function; beyond, the result is partial (0 = no limit). */
  maxSeries: number;
  /** --query.max-response-bytes: series past it are left out and the answer is PARTIAL. */
  maxResponseBytes: number;
  /** Admission control (queries at once, queue). */
  admission: QueryAdmission;
  /** Where answers are merged, finished and written (off the thread that acknowledges ingest). */
  answers: AnswerPool;
  /** Sources evaluated at once (the queriers' job slots, which change with membership). */
  parallelism: () => number;
  /** --query.timeout, ms. */
  timeoutMs: number;
  /** Reports sources that failed (logged and counted by the caller). */
  onSourceFailure?: (source: string, error: unknown) => void;
}

type Query = Record<string, string | undefined>;

/** Registers the metrics query routes. */
export function registerMetricsRoutes(app: FastifyInstance, opts: MetricsRoutesOptions): void {
  const run = async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, instant: boolean) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const p = parseMetricsParams(req.query, opts.limits, instant);
    let plan: MetricsPlan;
    try {
      plan = planMetrics(parseCached(p.query), { start: p.start, end: p.end, step: p.step, instant, exemplars: p.exemplars, maxExemplars: opts.maxExemplars, maxSeries: opts.maxSeries });
    } catch (err) {
      // The grid's own checks (range, step count) are the caller's to fix.
      if (err instanceof RangeError) throw BadRequest(err.message);
      throw err;
    }
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      return await opts.admission.run(tenant, async () => {
        let body: Uint8Array;
        // This thread only hands each source's partial over as it arrives, and a query worker's
        // not even that (it posts to the answer worker itself); the answer worker merges them.
        const gathering = opts.answers.metricsGathering(stringify(plan.query), plan.request);
        try {
          const channel = opts.answers.size > 0 ? gathering : undefined;
          const run = await executeMetricsOver(startMetrics(opts.sources, tenant, plan, signal, channel), plan, { concurrency: opts.parallelism(), signal, collect: (d) => gathering.add(d), channel });
          if (!isWarmUpRequest(req)) for (const f of run.failed) opts.onSourceFailure?.(f.source, f.error);
          // A metrics source that answered counts as completed even when partial (the answer says PARTIAL).
          throwIfNothingRan(run.stats.totalJobs, run.stats.completedJobs, run.failed);
          const failedNote = run.failed.length > 0 ? `${run.failed.length} source(s) could not be read and were left out: ${run.failed.map((f) => f.source).join(', ')}` : undefined;
          body = await gathering.finish({ kind: 'metrics', query: stringify(plan.query), request: plan.request, parts: [], stats: run.stats, failedNote, maxSeries: opts.maxSeries, maxResponseBytes: opts.maxResponseBytes }, signal);
        } finally {
          gathering.close();
        }
        reply.type('application/json; charset=utf-8');
        return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      }, signal);
    } finally {
      done();
    }
  };
  app.get<{ Querystring: Query }>('/api/metrics/query_range', (req, reply) => run(req, reply, false));
  app.get<{ Querystring: Query }>('/api/metrics/query', (req, reply) => run(req, reply, true));
}
