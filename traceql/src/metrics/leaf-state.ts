// What one metrics pipeline (`{…} | rate() by (x)`) has accumulated from the spans seen so far:
// a series per group, each a typed array over the grid's intervals. States from different
// sources merge exactly (counts and sums add, minima and maxima combine, histograms add bucket
// by bucket), so each source can be evaluated alone and the results combined in any order.
import type { Static } from '../static.ts';
import type { ExemplarPicker } from './exemplars.ts';

/** How a function reduces the spans of an interval. `rate` is a count divided by the step. */
export type Reducer = 'count' | 'rate' | 'sum' | 'min' | 'max' | 'avg' | 'histogram' | 'quantile';

/** One group's accumulated values. */
export interface SeriesState {
  /** Canonical key of the group values (see groupKey). */
  readonly key: string;
  /** The by() values, in order; undefined where the span had none. */
  readonly group: readonly (Static | undefined)[];
  /** Per interval: count, sum (avg: weighted sum), min or max; NaN where nothing was seen for min/max/sum. */
  readonly a: Float64Array;
  /** avg only: per interval, the count. */
  readonly b: Float64Array | undefined;
  /** histogram and quantile: bucket index → count per interval. */
  readonly hist: Map<number, Float64Array> | undefined;
}

/** Canonical text of a group value (types kept apart: the int 1 and the string "1" differ). */
export function valueKey(v: Static | undefined): string {
  if (v === undefined || v.type === 'nil') return 'nil';
  if (v.type === 'array') return `array:[${v.value.map(valueKey).join(',')}]`;
  return `${v.type}:${typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value)}`;
}

/** Canonical key of a group. */
export function groupKey(values: readonly (Static | undefined)[]): string {
  return values.length === 1 ? valueKey(values[0]) : values.map(valueKey).join('\u0000');
}

/** The accumulated state of one metrics pipeline. */
export class LeafState {
  /** Series by group key. */
  readonly series = new Map<string, SeriesState>();
  /** Exemplars picked so far. */
  readonly exemplars: ExemplarPicker;
  /** Set when a new group was dropped because maxSeries series exist. */
  truncated = false;
  /** Spans observed. */
  spans = 0;
  private readonly reducer: Reducer;
  private readonly intervals: number;
  private readonly maxSeries: number;
  private readonly scale: number;
  /**
   * The series whose group is one string, by that string: every one of them, so a lookup that
   * misses proves there is none. A by() over span ids or user ids finds its series (or learns
   * that none may be made) without building key text per span.
   */
  private readonly oneString = new Map<string, SeriesState>();

  /**
   * `scale` converts field units to output units for sums, minima, maxima and averages (1e-9:
   * durations in seconds); histograms and quantiles bucket raw values and scale at the end.
   */
  constructor(reducer: Reducer, intervals: number, maxSeries: number, scale: number, exemplars: ExemplarPicker) {
    this.reducer = reducer;
    this.intervals = intervals;
    this.maxSeries = maxSeries;
    this.scale = scale;
    this.exemplars = exemplars;
  }

  /** The series of a group, created on first use; undefined once maxSeries series exist. */
  seriesFor(key: string, group: readonly (Static | undefined)[]): SeriesState | undefined {
    let s = this.series.get(key);
    if (s) return s;
    if (this.atLimit()) return undefined;
    s = this.newSeries(key, group);
    this.series.set(key, s);
    const only = group.length === 1 ? group[0] : undefined;
    if (only?.type === 'string') this.oneString.set(only.value, s);
    return s;
  }

  /** seriesFor of the group `[{ type: 'string', value }]`. */
  seriesForString(value: string): SeriesState | undefined {
    const s = this.oneString.get(value);
    if (s || this.atLimit()) return s;
    const group: Static[] = [{ type: 'string', value }];
    return this.seriesFor(groupKey(group), group);
  }

  /** True (and the state truncated) when maxSeries series exist, so no new group may get one. */
  private atLimit(): boolean {
    if (this.maxSeries === 0 || this.series.size < this.maxSeries) return false;
    this.truncated = true;
    return true;
  }

  private newSeries(key: string, group: readonly (Static | undefined)[]): SeriesState {
    const a = new Float64Array(this.intervals);
    const r = this.reducer;
    if (r === 'sum' || r === 'min' || r === 'max') a.fill(NaN);
    const hist = r === 'histogram' || r === 'quantile' ? new Map<number, Float64Array>() : undefined;
    return { key, group, a, b: r === 'avg' ? new Float64Array(this.intervals) : undefined, hist };
  }

  /**
   * Adds a span with weight w (1, or 1/fraction when sampling) in interval iv. `v` is the measured
   * value (for histograms: the bucket index; ignored by count and rate).
   */
  add(s: SeriesState, iv: number, v: number, w: number): void {
    this.spans++;
    const a = s.a;
    switch (this.reducer) {
      case 'count':
      case 'rate':
        a[iv] += w;
        return;
      case 'sum': {
        const x = v * this.scale * w;
        a[iv] = Number.isNaN(a[iv]) ? x : a[iv] + x;
        return;
      }
      case 'min': {
        const x = v * this.scale;
        if (!(a[iv] <= x)) a[iv] = x;
        return;
      }
      case 'max': {
        const x = v * this.scale;
        if (!(a[iv] >= x)) a[iv] = x;
        return;
      }
      case 'avg':
        a[iv] += v * this.scale * w;
        s.b![iv] += w;
        return;
      case 'histogram':
      case 'quantile': {
        let counts = s.hist!.get(v);
        if (!counts) s.hist!.set(v, (counts = new Float64Array(this.intervals)));
        counts[iv] += w;
        return;
      }
    }
  }

  /** Folds another state of the same pipeline into this one. */
  merge(other: LeafState): void {
    this.spans += other.spans;
    this.truncated ||= other.truncated;
    for (const o of other.series.values()) {
      const before = this.series.size;
      const s = this.seriesFor(o.key, o.group);
      if (!s) continue;
      // Merging into a series made just now gives the other's values exactly (0 + x, NaN then
      // x, no bucket yet), so they are copied: the answer's first merge of a thousand series
      // of 660 intervals was 150 ms of per-interval loops on a thread not yet warmed up.
      if (this.series.size > before) copySeries(s, o);
      else this.mergeSeries(s, o);
    }
    this.exemplars.merge(other.exemplars);
  }

  private mergeSeries(s: SeriesState, o: SeriesState): void {
    const n = this.intervals;
    const a = s.a;
    const oa = o.a;
    switch (this.reducer) {
      case 'sum':
        for (let i = 0; i < n; i++) if (!Number.isNaN(oa[i])) a[i] = Number.isNaN(a[i]) ? oa[i] : a[i] + oa[i];
        return;
      case 'min':
        for (let i = 0; i < n; i++) if (!(a[i] <= oa[i]) && !Number.isNaN(oa[i])) a[i] = oa[i];
        return;
      case 'max':
        for (let i = 0; i < n; i++) if (!(a[i] >= oa[i]) && !Number.isNaN(oa[i])) a[i] = oa[i];
        return;
      case 'histogram':
      case 'quantile':
        for (const [bucket, counts] of o.hist!) {
          const mine = s.hist!.get(bucket);
          if (!mine) s.hist!.set(bucket, Float64Array.from(counts));
          else for (let i = 0; i < n; i++) mine[i] += counts[i];
        }
        return;
      default:
        for (let i = 0; i < n; i++) a[i] += oa[i];
        if (s.b) for (let i = 0; i < n; i++) s.b[i] += o.b![i];
    }
  }
}

function copySeries(s: SeriesState, o: SeriesState): void {
  s.a.set(o.a);
  if (s.b && o.b) s.b.set(o.b);
  if (s.hist && o.hist) for (const [bucket, counts] of o.hist) s.hist.set(bucket, Float64Array.from(counts));
}
