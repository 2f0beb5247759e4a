// Metrics query → plan: the time grid, and for each metrics pipeline what to fetch (a column
// request when the first stage is exactly a conjunction of conditions, always a spanset plan to
// fall back on), how to reduce, what to group by and how many exemplars to keep.
import type { AttributeNode, IntrinsicNode, MetricsFunction, MetricsPipeline, Query } from '../ast.ts';
import type { SearchPlan } from '../conditions.ts';
import { metricsLeaves, planMetricsPipeline } from '../conditions.ts';
import { TqlUnsupportedError } from '../errors.ts';
import { INTRINSIC_TYPES } from '../intrinsics.ts';
import { parseOrThrow } from '../parse.ts';
import type { FetchColumnsRequest, FieldRef } from '../storage.ts';
import { fieldKey } from '../storage.ts';
import { stringifyRef } from '../stringify.ts';
import type { Reducer } from './leaf-state.ts';
import { exactConditions } from './pushdown.ts';
import type { Sampling } from './sampling.ts';
import { adjustedCountOf, samplingOf } from './sampling.ts';
import type { TimeGrid } from './time-grid.ts';
import { defaultStep, instantGrid, rangeGrid } from './time-grid.ts';

/** The time range and limits of a metrics query. */
export interface MetricsRequest {
  /** Start of the range, unix ns. */
  readonly start: bigint;
  /** End of the range, unix ns. */
  readonly end: bigint;
  /** Step, ns; default: Tempo's dynamic step (about 240 points). Ignored for instant queries. */
  readonly step?: bigint;
  /** One value over the whole range instead of a series over time. */
  readonly instant?: boolean;
  /** Exemplars asked for (0 or absent: the maximum); the `exemplars` hint overrides it. */
  readonly exemplars?: number;
  /** Most exemplars in a response (default 100). */
  readonly maxExemplars?: number;
  /** Most series per metrics pipeline; more groups are dropped and the result is partial (default 0 = no limit). */
  readonly maxSeries?: number;
  /** Most intervals in the grid (default 11,000, Prometheus' limit). */
  readonly maxIntervals?: number;
}

/** The plan of one metrics pipeline. */
export interface LeafPlan {
  /** The pipeline in the query's AST (identifies it in the expression tree). */
  readonly node: MetricsPipeline;
  /** Its function. */
  readonly fn: MetricsFunction;
  /** How spans reduce, or compare()'s own accounting. */
  readonly reducer: Reducer | 'compare';
  /** by() fields, in order. */
  readonly by: readonly FieldRef[];
  /** Label names of the by() fields, as Tempo prints them (`resource.service.name`, `.foo`, `name`). */
  readonly labelNames: readonly string[];
  /** The measured field (`*_over_time(x)`), undefined for rate, count and compare. */
  readonly measured: FieldRef | undefined;
  /** Field units → output units (1e-9 for durations, reported in seconds). */
  readonly scale: number;
  /** The column-path request, when the first stage allows it. */
  readonly columns: FetchColumnsRequest | undefined;
  /** True when no span can match the first stage. */
  readonly never: boolean;
  /** The spanset-path plan. */
  readonly spans: SearchPlan;
  /** Fixed-rate sampling, from the hints. */
  readonly sampling: Sampling | undefined;
  /**
   * With the `adjusted_count=true` hint: the field whose OpenTelemetry sampling threshold
   * (`ot=th:` in the span's tracestate) weights each span by its adjusted count.
   */
  readonly weightBy: FieldRef | undefined;
  /** Exemplars this pipeline may pick. */
  readonly exemplars: number;
  /** Most series (0 = no limit). */
  readonly maxSeries: number;
}

/** A planned metrics query. */
export interface MetricsPlan {
  /** The query. */
  readonly query: Query;
  /** The request it was planned for (a worker replans from the query text and this). */
  readonly request: MetricsRequest;
  /** Its intervals. */
  readonly grid: TimeGrid;
  /** Its metrics pipelines, left to right. */
  readonly leaves: readonly LeafPlan[];
}

const REDUCERS: Record<MetricsFunction['fn'], Reducer | 'compare'> = {
  rate: 'rate',
  count_over_time: 'count',
  min_over_time: 'min',
  max_over_time: 'max',
  avg_over_time: 'avg',
  sum_over_time: 'sum',
  quantile_over_time: 'quantile',
  histogram_over_time: 'histogram',
  compare: 'compare',
};

/** Fields compare() reports besides the span and resource attributes. */
const COMPARE_INTRINSICS: readonly FieldRef[] = (['name', 'status', 'kind', 'statusMessage'] as const).map((name) => ({ kind: 'intrinsic', name }));

function ref(n: AttributeNode | IntrinsicNode): FieldRef {
  return n.kind === 'attribute' ? { kind: 'attribute', scope: n.scope, name: n.name } : { kind: 'intrinsic', name: n.name };
}

/** The number of exemplars a query keeps: the request's or the hint's, at most the maximum; none for instant queries. */
export function exemplarLimit(query: Query, req: MetricsRequest): number {
  const max = req.maxExemplars ?? 100;
  if (req.instant) return 0;
  const hint = query.hints.find((h) => h.name === 'exemplars');
  let n = req.exemplars && req.exemplars > 0 ? req.exemplars : max;
  if (hint?.value.type === 'int') n = Number(hint.value.value);
  else if (hint?.value.type === 'bool' && !hint.value.value) n = 0;
  return Math.max(0, Math.min(n, max));
}

/** The grid of a request; throws RangeError for a bad range or too many intervals. */
export function gridOf(req: MetricsRequest): TimeGrid {
  if (req.end <= req.start) throw new RangeError('end must be after start');
  if (req.instant) return instantGrid(req.start, req.end);
  const step = req.step ?? defaultStep(req.start, req.end);
  if (step <= 0n) throw new RangeError('step must be positive');
  const max = req.maxIntervals ?? 11_000;
  if ((req.end - req.start) / step > BigInt(max)) {
    throw new RangeError(`the range holds more than ${max} steps of ${step / 1_000_000n}ms; use a longer step`);
  }
  return rangeGrid(req.start, req.end, step);
}

/** Plans a metrics query over a request. Throws TQL_ERR_* for queries it cannot run. */
export function planMetrics(query: string | Query, req: MetricsRequest): MetricsPlan {
  const ast = typeof query === 'string' ? parseOrThrow(query) : query;
  if (ast.body.kind === 'pipeline') throw TqlUnsupportedError('this is a search query; metrics queries end in a function such as rate()');
  const grid = gridOf(req);
  const nodes = metricsLeaves(ast.body);
  const total = exemplarLimit(ast, req);
  const perLeaf = total === 0 ? 0 : Math.max(1, Math.floor(total / nodes.length));
  const sampling = samplingOf(ast.hints);
  const weightBy = adjustedCountOf(ast.hints);
  const leaves = nodes.map((node): LeafPlan => {
    const fn = node.fn;
    const reducer = REDUCERS[fn.fn];
    const measured = fn.field ? ref(fn.field) : undefined;
    const by = fn.by.map(ref);
    const scale = measured?.kind === 'intrinsic' && INTRINSIC_TYPES[measured.name] === 'duration' ? 1e-9 : 1;
    let spans = planMetricsPipeline(node, grid.start, grid.end);
    if (reducer === 'compare') {
      const have = new Set(spans.request.columns.map(fieldKey));
      const extra = COMPARE_INTRINSICS.filter((f) => !have.has(fieldKey(f)));
      spans = { ...spans, request: { ...spans.request, columns: [...spans.request.columns, ...extra], allAttributes: true } };
    }
    if (weightBy && !spans.request.columns.some((f) => fieldKey(f) === fieldKey(weightBy))) {
      spans = { ...spans, request: { ...spans.request, columns: [...spans.request.columns, weightBy] } };
    }
    // The column path carries durations beside the columns, not as a grouping column; weighted
    // queries take the spanset path, which reads each span's tracestate.
    const groupsByDuration = by.some((f) => fieldKey(f) === ':duration');
    const exact = reducer === 'compare' || groupsByDuration || weightBy ? undefined : exactConditions(node.pipeline);
    let columns: FetchColumnsRequest | undefined;
    if (exact) {
      const seen = new Set<string>();
      const cols = [...by, ...(measured ? [measured] : [])].filter((f) => {
        const k = fieldKey(f);
        if (seen.has(k) || k === ':duration') return false;
        seen.add(k);
        return true;
      });
      columns = { startTimeUnixNano: grid.start, endTimeUnixNano: grid.end, conditions: exact.conditions, columns: cols, ids: perLeaf > 0 || sampling !== undefined };
    }
    return {
      node,
      fn,
      reducer,
      by,
      labelNames: fn.by.map(stringifyRef),
      measured,
      scale,
      columns,
      never: exact?.never ?? spans.noop,
      spans,
      sampling,
      weightBy,
      exemplars: perLeaf,
      maxSeries: req.maxSeries ?? 0,
    };
  });
  return { query: ast, request: req, grid, leaves };
}
