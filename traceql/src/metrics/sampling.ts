// The sampling hints of metrics queries. `with(sample=0.1)` and `with(span_sample=0.1)` keep a
// tenth of the matching spans, `with(trace_sample=0.1)` the matching spans of a tenth of the
// traces; counts and sums are scaled back up (min and max are not: extremes do not scale). A
// span is kept when a hash of its id (or its trace's) falls under the fraction, so the same span
// is in or out whichever source holds it and however often the query runs.
// `with(sample=true)` asks Tempo to pick a rate by itself; Spanbase computes such queries exactly.
import type { Hint } from '../ast.ts';
import { adjustedCountOf as countOfThreshold, thresholdInTraceState } from '@spanbase/model';
import type { FieldRef } from '../storage.ts';

/** The field holding a span's W3C tracestate. */
export const TRACE_STATE: FieldRef = { kind: 'intrinsic', name: 'span:traceState' };

/**
 * `with(adjusted_count=true)`: weight each span by the adjusted count its tracestate records
 * (OpenTelemetry's `ot=th:` threshold, which tail sampling sets on the traces it keeps), so counts
 * and rates over sampled data estimate the traffic before sampling. Undefined without the hint.
 */
export function adjustedCountOf(hints: readonly Hint[]): FieldRef | undefined {
  const h = hints.find((x) => x.name === 'adjusted_count');
  return h && h.value.type === 'bool' && h.value.value ? TRACE_STATE : undefined;
}

const weights = new Map<string, number>();

/** The adjusted count a tracestate records (1 when it records no sampling). */
export function traceStateWeight(traceState: string): number {
  if (traceState === '') return 1;
  let w = weights.get(traceState);
  if (w === undefined) {
    const th = thresholdInTraceState(traceState);
    w = th === undefined ? 1 : countOfThreshold(th);
    // Tracestates repeat (one per share); a bound keeps adversarial input from growing the map.
    if (weights.size > 4096) weights.clear();
    weights.set(traceState, w);
  }
  return w;
}

/** Fixed-rate sampling of a query. */
export interface Sampling {
  /** Share of spans (or traces) kept, in (0, 1). */
  readonly fraction: number;
  /** What the hash is taken of. */
  readonly unit: 'span' | 'trace';
}

function fraction(h: Hint | undefined): number | undefined {
  if (!h) return undefined;
  const v = h.value;
  const f = v.type === 'float' ? v.value : v.type === 'int' ? Number(v.value) : undefined;
  return f !== undefined && f > 0 && f < 1 ? f : undefined;
}

/** The sampling the hints ask for, or undefined for an exact query. */
export function samplingOf(hints: readonly Hint[]): Sampling | undefined {
  const get = (name: string) => fraction(hints.find((h) => h.name === name));
  const trace = get('trace_sample');
  if (trace !== undefined) return { fraction: trace, unit: 'trace' };
  const span = get('span_sample') ?? get('sample');
  return span === undefined ? undefined : { fraction: span, unit: 'span' };
}

/** Whether an id falls in the sample: FNV-1a of its bytes, mixed, as a share of 2^32. */
export function inSample(id: Uint8Array, fraction: number): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id[i], 0x01000193);
  // Sequential ids hash to nearby FNV values; a final mix spreads them over the range.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296 < fraction;
}
