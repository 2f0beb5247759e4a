// The last steps of a metrics query, from the partials its jobs returned to the answer's bytes:
// merge, second stage, fit under the byte bound, JSON text. For a query with a series per span
// this is most of the work the query costs outside the query workers, and it allocates the
// whole answer several times over, so it runs on the answer worker rather than on the thread
// that acknowledges ingest (the main thread only hands the partials over and writes the bytes).
import { metricsPartialOf } from '@spanbase/internal-api';
import type { MetricsQueryStats } from '@spanbase/query';
import { emptyPartial, finishMetrics, mergeMetrics, planMetrics } from '@spanbase/traceql';
import type { MetricsPartial, MetricsPartialData, MetricsPlan, MetricsRequest } from '@spanbase/traceql';
import { fitSeries, queryInstantJson, queryRangeText } from '../metrics/metrics-json.ts';

/** Everything a metrics answer is made from. */
export interface MetricsAnswerJob {
  kind: 'metrics';
  /** TraceQL text of the query (planned again where the job runs, from the same request). */
  query: string;
  request: MetricsRequest;
  /** The sources' partials, as data. */
  parts: MetricsPartialData[];
  /** Partials handed over before, as the sources answered (see AnswerPool.metricsGathering): how many went to which gathering. */
  gathered?: { id: number; parts: number };
  stats: MetricsQueryStats;
  /** Why the answer is partial already (sources left out), if it is. */
  failedNote?: string;
  /** --query.max-series, for the message when a function reached it. */
  maxSeries: number;
  /** --query.max-response-bytes: series past it are left out. */
  maxResponseBytes: number;
}

/** Partials already merged (those handed over before the answer), with the plan they were merged for. */
export interface MergedParts {
  plan: MetricsPlan;
  partial: MetricsPartial;
}

/** Nothing merged yet, for the query `query` planned for `request`. */
export function noParts(query: string, request: MetricsRequest): MergedParts {
  const plan = planMetrics(query, request);
  return { plan, partial: emptyPartial(plan) };
}

/** Merges one part into `m`; throws when the part does not fit the plan. */
export function mergePart(m: MergedParts, d: MetricsPartialData): void {
  mergeMetrics(m.partial, metricsPartialOf(m.plan, d));
}

/**
 * The answer's JSON text as UTF-8 bytes (a QueryRangeResponse, or a QueryInstantResponse for an
 * instant request), from the job's parts and those in `merged`.
 */
export async function metricsAnswer(job: MetricsAnswerJob, signal?: AbortSignal, merged?: MergedParts): Promise<Uint8Array> {
  const m = merged ?? noParts(job.query, job.request);
  const { plan, partial } = m;
  for (const d of job.parts) {
    mergePart(m, d);
    signal?.throwIfAborted();
  }
  const fitted = fitSeries(finishMetrics(plan, partial), job.maxResponseBytes);
  const result = fitted.result;
  const reasons: string[] = [];
  if (job.failedNote) reasons.push(job.failedNote);
  if (result.truncated) reasons.push(`a metrics function reached the limit of ${job.maxSeries} series (--query.max-series); further groups were left out`);
  if (fitted.cut > 0) reasons.push(`${fitted.cut} series were left out to keep the answer under --query.max-response-bytes=${job.maxResponseBytes}`);
  const partialMessage = reasons.length > 0 ? reasons.join('; ') : undefined;
  const text = job.request.instant ? JSON.stringify(queryInstantJson(result, job.stats, partialMessage)) : await queryRangeText(result, plan.grid, job.stats, partialMessage, signal);
  return Buffer.from(text, 'utf8');
}
