// From accumulated state to time series, as Tempo shapes them: grouped series labelled by their
// by() values (absent values left out; all absent: the first by() label with nil), ungrouped
// ones labelled `__name__` = the function, histograms with `__bucket`, quantiles one series per
// quantile with `p`. Exemplars that stand for a count take the value of their sample.
import type { Static } from '../static.ts';
import { NIL } from '../static.ts';
import type { ExemplarCandidate, MetricsLabel } from './exemplars.ts';
import type { LeafState, SeriesState } from './leaf-state.ts';
import { estimateQuantile } from './log-buckets.ts';
import type { LeafPlan } from './plan.ts';
import type { TimeGrid } from './time-grid.ts';

/** An exemplar of an output series. */
export interface MetricsExemplar {
  /** trace:id, span:id and the span's fetched fields. */
  readonly labels: readonly MetricsLabel[];
  /** The value it stands for (its own measured value, or its sample's). */
  readonly value: number;
  /** Span start, unix ms. */
  readonly timestampMs: number;
}

/** An output time series. */
export interface MetricsSeries {
  /** Its labels. */
  readonly labels: readonly MetricsLabel[];
  /** One value per grid interval; NaN where there is no sample. */
  readonly values: Float64Array;
  /** Exemplars, oldest first. */
  readonly exemplars: readonly MetricsExemplar[];
}

function float(v: number): Static {
  return { type: 'float', value: v };
}

/** Labels of a group: its present by() values, or the first by() label with nil when none is present. */
function groupLabels(leaf: LeafPlan, s: SeriesState): MetricsLabel[] {
  const labels: MetricsLabel[] = [];
  s.group.forEach((v, i) => {
    if (v !== undefined && v.type !== 'nil') labels.push({ key: leaf.labelNames[i], value: v });
  });
  if (labels.length === 0 && leaf.labelNames.length > 0) labels.push({ key: leaf.labelNames[0], value: NIL });
  return labels;
}

function exemplarsFor(candidates: readonly ExemplarCandidate[], values: Float64Array, grid: TimeGrid): MetricsExemplar[] {
  const out: MetricsExemplar[] = [];
  for (const c of candidates) {
    const sample = values[c.interval];
    // As Tempo: no exemplar where the series has no sample.
    if (Number.isNaN(sample) || c.interval >= grid.intervals) continue;
    out.push({ labels: c.labels, value: Number.isNaN(c.value) ? sample : c.value, timestampMs: c.timestampMs });
  }
  return out.sort((a, b) => a.timestampMs - b.timestampMs);
}

function byKey(candidates: readonly ExemplarCandidate[]): Map<string, ExemplarCandidate[]> {
  const m = new Map<string, ExemplarCandidate[]>();
  for (const c of candidates) {
    const k = c.bucket === undefined ? c.seriesKey : `${c.seriesKey}\u0001${c.bucket}`;
    const list = m.get(k);
    if (list) list.push(c);
    else m.set(k, [c]);
  }
  return m;
}

/** The output series of one metrics pipeline (not compare()). */
export function leafSeries(leaf: LeafPlan, state: LeafState, grid: TimeGrid): MetricsSeries[] {
  const n = grid.intervals;
  const exemplars = byKey(state.exemplars.picked);
  const name: MetricsLabel = { key: '__name__', value: { type: 'string', value: leaf.fn.fn } };
  const out: MetricsSeries[] = [];
  if (leaf.reducer === 'quantile') return quantileSeries(leaf, state, grid, state.exemplars.picked);
  for (const s of state.series.values()) {
    const labels = leaf.by.length > 0 ? groupLabels(leaf, s) : [];
    if (leaf.reducer === 'histogram') {
      for (const [bucket, counts] of [...s.hist!].sort((a, b) => a[0] - b[0])) {
        const values = Float64Array.from(counts);
        const key = `${s.key}\u0001${bucket}`;
        out.push({ labels: [...labels, { key: '__bucket', value: float(Math.pow(2, bucket) * leaf.scale) }], values, exemplars: exemplarsFor(exemplars.get(key) ?? [], values, grid) });
      }
      continue;
    }
    const values = new Float64Array(n);
    const stepSeconds = Number(grid.step) / 1e9;
    for (let i = 0; i < n; i++) {
      if (leaf.reducer === 'rate') values[i] = s.a[i] / stepSeconds;
      else if (leaf.reducer === 'avg') values[i] = s.b![i] > 0 ? s.a[i] / s.b![i] : NaN;
      else values[i] = s.a[i];
    }
    out.push({ labels: labels.length > 0 ? labels : [name], values, exemplars: exemplarsFor(exemplars.get(s.key) ?? [], values, grid) });
  }
  return out;
}

/** Bucket indices (ascending) and counts of interval i, or of every interval when i < 0. */
function histogramAt(hist: Iterable<[number, Float64Array]>, i: number): [number[], number[]] {
  const merged = new Map<number, number>();
  for (const [bucket, counts] of hist) {
    const c = i >= 0 ? counts[i] : counts.reduce((a, b) => a + b, 0);
    if (c > 0) merged.set(bucket, (merged.get(bucket) ?? 0) + c);
  }
  const buckets = [...merged.keys()].sort((a, b) => a - b);
  return [buckets, buckets.map((b) => merged.get(b)!)];
}

function quantileSeries(leaf: LeafPlan, state: LeafState, grid: TimeGrid, candidates: readonly ExemplarCandidate[]): MetricsSeries[] {
  const qs = leaf.fn.quantiles;
  // Exemplars go to the quantile whose overall value is nearest to theirs, as in Tempo.
  const all = histogramAt((function* () {
    for (const s of state.series.values()) yield* s.hist!;
  })(), -1);
  const overall = qs.map((p) => estimateQuantile(p, ...all) * leaf.scale);
  const nearest = (v: number) => overall.reduce((best, q, i) => (Math.abs(q - v) < Math.abs(overall[best] - v) ? i : best), 0);
  const out: MetricsSeries[] = [];
  for (const s of state.series.values()) {
    const labels = leaf.by.length > 0 ? groupLabels(leaf, s) : [];
    const perInterval = Array.from({ length: grid.intervals }, (_, i) => histogramAt(s.hist!, i));
    qs.forEach((p, qi) => {
      const values = new Float64Array(grid.intervals);
      perInterval.forEach(([buckets, counts], i) => {
        // Tempo reports 0 for an interval without spans.
        values[i] = buckets.length === 0 ? 0 : estimateQuantile(p, buckets, counts) * leaf.scale;
      });
      const mine = candidates.filter((c) => c.seriesKey === s.key && nearest(c.value) === qi);
      out.push({ labels: [...labels, { key: 'p', value: float(p) }], values, exemplars: exemplarsFor(mine, values, grid) });
    });
  }
  return out;
}
