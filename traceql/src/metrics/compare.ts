// compare({selection}, topN, start, end): how attribute values are distributed among the
// selected spans and among the rest (the baseline). Each matched span counts once for every
// attribute it has (span and resource attributes, and name, status, kind, statusMessage,
// rootName, rootServiceName), as Tempo does; durations and arrays are left out. Output, as in
// Tempo: per attribute, the topN values of each side (`__meta_type` = `baseline` or
// `selection`, the attribute as second label), each side's total per attribute
// (`baseline_total`, `selection_total`, the attribute with a nil value), and, for attributes
// with more than topN values on a side, a `__meta_error` = `__too_many_values__` series.
import type { Static } from '../static.ts';
import { NIL } from '../static.ts';
import type { MetricsLabel } from './exemplars.ts';
import { valueKey } from './leaf-state.ts';
import type { MetricsSeries } from './result.ts';

interface ValueCounts {
  readonly value: Static;
  readonly counts: Float64Array;
}

const SIDES = ['baseline', 'selection'] as const;

/** compare()'s accumulated counts; merges like LeafState. */
export class CompareState {
  /** Per side (0 baseline, 1 selection): attribute → value key → counts per interval. */
  private readonly values: [Map<string, Map<string, ValueCounts>>, Map<string, Map<string, ValueCounts>>] = [new Map(), new Map()];
  /** Per side: attribute → total counts per interval. */
  private readonly totals: [Map<string, Float64Array>, Map<string, Float64Array>] = [new Map(), new Map()];
  private readonly intervals: number;
  /** Spans observed (counted by the caller, once per span). */
  spans = 0;

  constructor(intervals: number) {
    this.intervals = intervals;
  }

  /** Counts one attribute value of a span (side 0 baseline, 1 selection). */
  add(side: 0 | 1, attribute: string, value: Static, iv: number, w: number): void {
    if (value.type === 'duration' || value.type === 'array' || value.type === 'nil') return;
    this.addCounts(side, attribute, valueKey(value), value, iv, w);
  }

  private addCounts(side: 0 | 1, attribute: string, key: string, value: Static, iv: number, w: number, from?: Float64Array): void {
    let byValue = this.values[side].get(attribute);
    if (!byValue) this.values[side].set(attribute, (byValue = new Map()));
    let vc = byValue.get(key);
    if (!vc) byValue.set(key, (vc = { value, counts: new Float64Array(this.intervals) }));
    let total = this.totals[side].get(attribute);
    if (!total) this.totals[side].set(attribute, (total = new Float64Array(this.intervals)));
    if (from) {
      for (let i = 0; i < this.intervals; i++) {
        vc.counts[i] += from[i];
        total[i] += from[i];
      }
    } else {
      vc.counts[iv] += w;
      total[iv] += w;
    }
  }

  /** Every counted value: side (0 baseline, 1 selection), attribute, value and counts per interval. */
  *entries(): Generator<{ side: 0 | 1; attribute: string; value: Static; counts: Float64Array }> {
    for (const side of [0, 1] as const) {
      for (const [attribute, byValue] of this.values[side]) for (const vc of byValue.values()) yield { side, attribute, value: vc.value, counts: vc.counts };
    }
  }

  /** Adds counts per interval of one value (what entries() gave, from another state); totals follow. */
  addEntry(side: 0 | 1, attribute: string, value: Static, counts: Float64Array): void {
    this.addCounts(side, attribute, valueKey(value), value, 0, 0, counts);
  }

  /** Folds another state into this one. */
  merge(other: CompareState): void {
    this.spans += other.spans;
    for (const side of [0, 1] as const) {
      for (const [attribute, byValue] of other.values[side]) {
        for (const [key, vc] of byValue) this.addCounts(side, attribute, key, vc.value, 0, 0, vc.counts);
      }
    }
  }

  /** The output series, keeping the topN values per attribute and side. */
  series(topN: number): MetricsSeries[] {
    const out: MetricsSeries[] = [];
    const tooMany = new Set<string>();
    const meta = (v: string): MetricsLabel => ({ key: '__meta_type', value: { type: 'string', value: v } });
    for (const side of [0, 1] as const) {
      for (const [attribute, byValue] of this.values[side]) {
        const ranked = [...byValue.values()].map((vc) => ({ vc, sum: vc.counts.reduce((a, b) => a + b, 0) }));
        if (ranked.length > topN) {
          tooMany.add(attribute);
          ranked.sort((a, b) => b.sum - a.sum || (valueKey(a.vc.value) < valueKey(b.vc.value) ? -1 : 1));
        }
        for (const { vc } of ranked.slice(0, topN)) out.push({ labels: [meta(SIDES[side]), { key: attribute, value: vc.value }], values: vc.counts, exemplars: [] });
      }
      for (const [attribute, total] of this.totals[side]) out.push({ labels: [meta(`${SIDES[side]}_total`), { key: attribute, value: NIL }], values: total, exemplars: [] });
    }
    for (const attribute of tooMany) {
      out.push({ labels: [{ key: '__meta_error', value: { type: 'string', value: '__too_many_values__' } }, { key: attribute, value: NIL }], values: new Float64Array(0), exemplars: [] });
    }
    return out;
  }
}
