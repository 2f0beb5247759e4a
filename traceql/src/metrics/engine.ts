// The metrics engine: plan a query once, evaluate it against each source (live data, each block)
// into a partial result, merge the partials, then turn them into time series and run the
// second stage. A source is evaluated through storage's column path when the plan allows it and
// the source offers it, otherwise through spansets and the evaluator.
import type { MetricsPipeline, Query } from '../ast.ts';
import { isSpanbaseError } from '@spanbase/model';
import type { SpanColumnFetcher, SpansetFetcher } from '../storage.ts';
import { evaluateColumns } from './column-eval.ts';
import { CompareState } from './compare.ts';
import { ExemplarPicker } from './exemplars.ts';
import { LeafState, valueKey } from './leaf-state.ts';
import type { LeafPlan, MetricsPlan, MetricsRequest } from './plan.ts';
import { planMetrics } from './plan.ts';
import type { MetricsSeries } from './result.ts';
import { leafSeries } from './result.ts';
import { evaluateExpr } from './second-stage.ts';
import { evaluateCompare, evaluateSpans } from './span-eval.ts';

/** Storage as the metrics engine uses it: spansets always, columns when it can. */
export type MetricsFetcher = SpansetFetcher & Partial<SpanColumnFetcher>;

/** What a query accumulated from some sources; partials of the same plan merge. */
export interface MetricsPartial {
  /** One state per metrics pipeline of the plan, in plan order. */
  readonly states: readonly (LeafState | CompareState)[];
}

/** A finished metrics query. */
export interface MetricsResult {
  /** Output series, sorted by labels. */
  readonly series: readonly MetricsSeries[];
  /** True when groups were dropped for the series limit. */
  readonly truncated: boolean;
  /** Spans counted. */
  readonly spans: number;
}

function newState(plan: MetricsPlan, leaf: LeafPlan): LeafState | CompareState {
  const g = plan.grid;
  if (leaf.reducer === 'compare') return new CompareState(g.intervals);
  const picker = new ExemplarPicker(leaf.exemplars, Number(g.start / 1_000_000n), Number(g.end / 1_000_000n));
  return new LeafState(leaf.reducer, g.intervals, leaf.maxSeries, leaf.scale, picker);
}

/** An empty partial for a plan. */
export function emptyPartial(plan: MetricsPlan): MetricsPartial {
  return { states: plan.leaves.map((l) => newState(plan, l)) };
}

/** Evaluates a planned query against one source. */
export async function evaluateMetrics(plan: MetricsPlan, fetcher: MetricsFetcher, signal?: AbortSignal): Promise<MetricsPartial> {
  const states: (LeafState | CompareState)[] = [];
  for (const leaf of plan.leaves) {
    let state = newState(plan, leaf);
    if (!leaf.never) {
      if (state instanceof CompareState) await evaluateCompare(leaf, plan.grid, fetcher, state, signal);
      else if (leaf.columns && fetcher.fetchColumns) {
        try {
          await evaluateColumns(leaf, plan.grid, fetcher as SpanColumnFetcher, state, signal);
        } catch (err) {
          // Storage may decline the column path for a request; what it gave is discarded.
          if (!isSpanbaseError(err) || err.code !== 'TQL_ERR_UNSUPPORTED') throw err;
          state = newState(plan, leaf) as LeafState;
          await evaluateSpans(leaf, plan.grid, fetcher, state, signal);
        }
      } else await evaluateSpans(leaf, plan.grid, fetcher, state, signal);
    }
    states.push(state);
  }
  return { states };
}

/** Folds `other` into `into` (both of the same plan). */
export function mergeMetrics(into: MetricsPartial, other: MetricsPartial): void {
  into.states.forEach((s, i) => {
    const o = other.states[i];
    if (s instanceof CompareState) s.merge(o as CompareState);
    else (s as LeafState).merge(o as LeafState);
  });
}

function labelText(s: MetricsSeries): string {
  return s.labels.map((l) => `${l.key}\u0000${valueKey(l.value)}`).join('\u0001');
}

/** Orders series as Tempo does: fewer labels first, then by label names and values. */
export function sortSeries(series: MetricsSeries[]): MetricsSeries[] {
  const keyed = series.map((s) => ({ s, n: s.labels.length, k: labelText(s) }));
  keyed.sort((a, b) => a.n - b.n || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.s);
}

/** Time series of the merged partial, after the second stage, filters and arithmetic. */
export function finishMetrics(plan: MetricsPlan, partial: MetricsPartial): MetricsResult {
  const leaves = new Map<MetricsPipeline, MetricsSeries[]>();
  let truncated = false;
  let spans = 0;
  plan.leaves.forEach((leaf, i) => {
    const state = partial.states[i];
    spans += state.spans;
    if (state instanceof CompareState) leaves.set(leaf.node, state.series(leaf.fn.compare!.topN));
    else {
      truncated ||= state.truncated;
      leaves.set(leaf.node, leafSeries(leaf, state, plan.grid));
    }
  });
  const body = plan.query.body as Exclude<Query['body'], { kind: 'pipeline' }>;
  return { series: sortSeries(evaluateExpr(body, leaves)), truncated, spans };
}

/** Plans, evaluates and finishes a metrics query against one fetcher. */
export async function executeMetrics(query: string | Query, fetcher: MetricsFetcher, request: MetricsRequest, signal?: AbortSignal): Promise<MetricsResult> {
  const plan = planMetrics(query, request);
  return finishMetrics(plan, await evaluateMetrics(plan, fetcher, signal));
}
