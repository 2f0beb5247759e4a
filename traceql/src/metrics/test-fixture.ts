// The generated data set the metrics tests share, with helpers that compute expectations from
// the generated span list (never from the engine).
import type { Static } from '../static.ts';
import type { MetricsFetcher } from './engine.ts';
import { executeMetrics } from './engine.ts';
import type { GeneratedSpan } from './generate.ts';
import { generateTraces } from './generate.ts';
import type { MetricsRequest } from './plan.ts';
import type { MetricsResult } from './engine.ts';
import type { MetricsSeries } from './result.ts';

export const S = 1_000_000_000n;
/** A whole minute. */
export const BASE = 1_700_000_040n * S;
/** Ten minutes of data. */
export const DATA = generateTraces({ base: BASE, minutes: 10 });
/** The range over them, step 1m: the grid starts one step early, so minute m is interval m + 1. */
export const RANGE: MetricsRequest = { start: BASE, end: BASE + 600n * S, step: 60n * S };
/** Intervals of RANGE. */
export const INTERVALS = 11;

/** Interval of a generated span in RANGE's grid. */
export function intervalOfSpan(s: GeneratedSpan): number {
  return Number((s.start - BASE) / (60n * S)) + 1;
}

/** Per group key, per interval: the values `pick` gives for the spans `where` keeps. */
export function bucketed<T>(where: (s: GeneratedSpan) => boolean, group: (s: GeneratedSpan) => string, pick: (s: GeneratedSpan) => T): Map<string, T[][]> {
  const out = new Map<string, T[][]>();
  for (const s of DATA.spans) {
    if (!where(s)) continue;
    const k = group(s);
    let g = out.get(k);
    if (!g) out.set(k, (g = Array.from({ length: INTERVALS }, () => [])));
    g[intervalOfSpan(s)].push(pick(s));
  }
  return out;
}

/** Text of a label value, for finding series. */
export function labelText(v: Static): string {
  return v.type === 'nil' ? 'nil' : v.type === 'array' ? JSON.stringify(v.value) : String(v.value);
}

/** The series whose labels are exactly `labels` (as text). */
export function series(r: MetricsResult, labels: Record<string, string>): MetricsSeries {
  const want = JSON.stringify(Object.entries(labels));
  const found = r.series.find((s) => JSON.stringify(s.labels.map((l) => [l.key, labelText(l.value)])) === want);
  if (!found) throw new Error(`no series ${want}; have ${r.series.map((s) => JSON.stringify(s.labels.map((l) => [l.key, labelText(l.value)]))).join(' ')}`);
  return found;
}

/** Runs a query over RANGE (or `req`). */
export function run(query: string, fetcher: MetricsFetcher, req: Partial<MetricsRequest> = {}): Promise<MetricsResult> {
  return executeMetrics(query, fetcher, { ...RANGE, ...req });
}

/** The seeded generator of the random tests (mulberry32), shared with the query generator. */
export { rng } from '../testing/random-queries.ts';
