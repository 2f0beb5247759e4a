// A metrics partial as plain data, for codecs that carry it between processes: the accumulated
// numbers only. What the numbers mean (reducer, grid, series and exemplar limits) is the plan's,
// which both sides make from the same query and request, so the receiver rebuilds the states
// from its own plan and checks that the data fits it.
import type { Static } from '../static.ts';
import { TqlUnsupportedError } from '../errors.ts';
import { CompareState } from './compare.ts';
import type { MetricsPartial } from './engine.ts';
import { emptyPartial } from './engine.ts';
import type { ExemplarCandidate } from './exemplars.ts';
import type { LeafState } from './leaf-state.ts';
import type { MetricsPlan } from './plan.ts';

/** One group's numbers. */
export interface SeriesData {
  /** Canonical group key. */
  key: string;
  /** The by() values; undefined where the span had none. */
  group: (Static | undefined)[];
  /** Per interval: count, sum, min or max (see SeriesState). */
  a: Float64Array;
  /** avg: per interval, the count. */
  b?: Float64Array;
  /** histogram and quantile: bucket index and counts per interval. */
  hist?: [number, Float64Array][];
}

/** A pipeline's state as data. */
export type PipelineData =
  | { kind: 'leaf'; spans: number; truncated: boolean; series: SeriesData[]; exemplars: ExemplarCandidate[] }
  | { kind: 'compare'; spans: number; values: { side: 0 | 1; attribute: string; value: Static; counts: Float64Array }[] };

/** A partial as data: one entry per pipeline of the plan, in plan order. */
export interface MetricsPartialData {
  states: PipelineData[];
}

/** The data of a partial (arrays are shared, not copied). */
export function partialData(p: MetricsPartial): MetricsPartialData {
  return {
    states: p.states.map((s): PipelineData => {
      if (s instanceof CompareState) return { kind: 'compare', spans: s.spans, values: [...s.entries()] };
      const leaf = s as LeafState;
      return {
        kind: 'leaf',
        spans: leaf.spans,
        truncated: leaf.truncated,
        series: [...leaf.series.values()].map((x) => ({ key: x.key, group: [...x.group], a: x.a, b: x.b, hist: x.hist ? [...x.hist] : undefined })),
        exemplars: [...leaf.exemplars.picked],
      };
    }),
  };
}

/** Spans a partial counted, over its pipelines (a partial's states, or the same as data). */
export function partialSpans(p: { readonly states: readonly { readonly spans: number }[] }): number {
  let n = 0;
  for (const s of p.states) n += s.spans;
  return n;
}

/**
 * The buffers of a partial's number arrays that can move to another thread rather than be
 * copied: arrays that own their whole buffer (not views into a larger one, which may hold other
 * data, nor shared memory).
 */
export function partialDataBuffers(parts: readonly MetricsPartialData[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const take = (a: Float64Array | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  };
  for (const part of parts) {
    for (const st of part.states) {
      if (st.kind === 'compare') {
        for (const v of st.values) take(v.counts);
        continue;
      }
      for (const sd of st.series) {
        take(sd.a);
        take(sd.b);
        for (const [, counts] of sd.hist ?? []) take(counts);
      }
    }
  }
  return [...out];
}

function misfit(what: string): never {
  throw TqlUnsupportedError(`metrics partial does not fit the query's plan: ${what}`);
}

function copyInto(into: Float64Array, from: Float64Array, what: string): void {
  if (from.length !== into.length) misfit(`${what} has ${from.length} intervals, the plan ${into.length}`);
  into.set(from);
}

/** Rebuilds a partial of `plan` from data; throws when the data does not fit the plan. */
export function partialFromData(plan: MetricsPlan, d: MetricsPartialData): MetricsPartial {
  const partial = emptyPartial(plan);
  if (d.states.length !== partial.states.length) misfit(`${d.states.length} pipelines, the plan has ${partial.states.length}`);
  partial.states.forEach((state, i) => {
    const data = d.states[i];
    if (state instanceof CompareState) {
      if (data.kind !== 'compare') misfit(`pipeline ${i} is not compare()`);
      state.spans = data.spans;
      for (const v of data.values) {
        if (v.counts.length !== plan.grid.intervals) misfit(`compare() counts of ${v.attribute} have ${v.counts.length} intervals`);
        state.addEntry(v.side, v.attribute, v.value, v.counts);
      }
      return;
    }
    if (data.kind !== 'leaf') misfit(`pipeline ${i} is compare()`);
    const leaf = state as LeafState;
    leaf.spans = data.spans;
    leaf.truncated = data.truncated;
    for (const sd of data.series) {
      const s = leaf.seriesFor(sd.key, sd.group);
      if (!s) continue;
      copyInto(s.a, sd.a, `series ${sd.key}`);
      if (s.b) copyInto(s.b, sd.b ?? misfit(`series ${sd.key} lacks its counts`), `series ${sd.key}`);
      if (s.hist) {
        for (const [bucket, counts] of sd.hist ?? []) {
          const c = new Float64Array(plan.grid.intervals);
          copyInto(c, counts, `bucket ${bucket} of ${sd.key}`);
          s.hist.set(bucket, c);
        }
      }
    }
    for (const e of data.exemplars) {
      const trace = e.labels.find((l) => l.key === 'trace:id');
      leaf.exemplars.offer(trace && trace.value.type === 'string' ? trace.value.value : `#${leaf.exemplars.picked.length}`, e);
    }
  });
  return partial;
}
