// The time intervals of a metrics query, as Tempo lays them out. A range query's start is
// aligned down to the step and one more step is added before it, its end aligned up, so repeated
// "last hour" queries land on the same buckets. Intervals are closed on the right:
// (start + i·step, start + (i+1)·step], and a sample is stamped with its interval's end. A span
// counts in the interval its start time falls in. An instant query is one interval over the
// request's range, unaligned.

/** The intervals of a query. */
export interface TimeGrid {
  /** Left edge of the first interval (exclusive), unix ns. */
  readonly start: bigint;
  /** Right edge of the last interval (inclusive), unix ns. */
  readonly end: bigint;
  /** Interval length, ns. */
  readonly step: bigint;
  /** Number of intervals. */
  readonly intervals: number;
  /** True for an instant query (one interval, not aligned). */
  readonly instant: boolean;
}

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
const GRANULARITIES = [3600n * SECOND, 5n * MINUTE, MINUTE, 15n * SECOND, 5n * SECOND, SECOND];

/**
 * Tempo's default step for a range: about 240 points, rounded down to a granularity of 1h, 5m,
 * 1m, 15s, 5s or 1s (multiples of 50ms under a minute), never under 1s (50ms under a minute).
 */
export function defaultStep(start: bigint, end: bigint): bigint {
  const delta = end - start;
  const baseline = delta / 240n;
  if (delta < MINUTE) {
    const g = 50_000_000n;
    return baseline > g ? (baseline / g) * g : g;
  }
  for (const g of GRANULARITIES) if (baseline > g) return (baseline / g) * g;
  return SECOND;
}

/** The grid of a range query over [start, end] (unix ns) with the given step. */
export function rangeGrid(start: bigint, end: bigint, step: bigint): TimeGrid {
  if (step <= 0n) throw new RangeError('step must be positive');
  let s = start - (((start % step) + step) % step);
  const mod = ((end % step) + step) % step;
  const e = mod === 0n ? end : end + (step - mod);
  if (s > step) s -= step;
  return { start: s, end: e, step, intervals: Number((e - s) / step), instant: false };
}

/** The grid of an instant query: one interval (start, end]. */
export function instantGrid(start: bigint, end: bigint): TimeGrid {
  if (end <= start) throw new RangeError('end must be after start');
  return { start, end, step: end - start, intervals: 1, instant: true };
}

/**
 * The interval of a time `rel` ns after grid.start, or -1 outside the grid. `rel` and the step
 * must be exact doubles (under 2^53 ns, about 104 days), which the grid size limit ensures; the
 * corrections make the result exact even where the division rounds.
 */
export function intervalAt(rel: number, step: number, intervals: number): number {
  if (!(rel > 0) || rel > step * intervals) return -1;
  let q = Math.floor(rel / step);
  if (q * step >= rel) q--;
  else if ((q + 1) * step < rel) q++;
  return q < intervals ? q : intervals - 1;
}

/** The interval of an absolute time (unix ns), or -1. */
export function intervalOf(grid: TimeGrid, t: bigint): number {
  if (t <= grid.start || t > grid.end) return -1;
  return intervalAt(Number(t - grid.start), Number(grid.step), grid.intervals);
}

/** The time a sample of interval i is stamped with: the interval's end, unix ms. */
export function sampleTimeMs(grid: TimeGrid, i: number): number {
  return Number((grid.start + BigInt(i + 1) * grid.step) / 1_000_000n);
}
