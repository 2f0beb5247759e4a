// Summaries of measured samples: percentiles, latency curves for the charts, throughput buckets.
import type { LatencySeries } from './scenario.ts';

/** The usual latency summary. */
export interface LatencyStats {
  /** Number of samples. */
  count: number;
  /** Arithmetic mean. */
  mean: number;
  /** Smallest sample. */
  min: number;
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** Largest sample. */
  max: number;
}

/** The p-th percentile (0..100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Sorts a copy of `samples` ascending. */
export function sortedCopy(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples).sort();
}

/** Count, mean, min, p50, p90, p99 and max of `samples`. */
export function latencyStats(samples: ArrayLike<number>): LatencyStats {
  const s = sortedCopy(samples);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  return { count: s.length, mean: s.length ? sum / s.length : NaN, min: s[0] ?? NaN, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** Percentiles drawn in latency charts: dense near the tail, where the interesting things are. */
const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 100];

/** A latency distribution summarised for a chart. */
export function latencyCurve(label: string, samples: ArrayLike<number>): LatencySeries {
  const s = sortedCopy(samples);
  const points: [number, number][] = [];
  for (const p of CURVE_PERCENTILES) {
    // A percentile finer than the sample count can resolve would just repeat the maximum.
    if (p > 0 && p < 100 && (100 - p) / 100 < 1 / Math.max(1, s.length)) continue;
    points.push([p, p === 0 ? s[0] : percentile(s, p)]);
  }
  return { label, points, count: s.length };
}

/** Events per second in fixed buckets: `times` (ms since start) each carrying `weights[i]`. */
export function ratePerBucket(timesMs: ArrayLike<number>, weights: ArrayLike<number>, bucketMs: number, durationMs: number): [number, number][] {
  const n = Math.max(1, Math.ceil(durationMs / bucketMs));
  const sums = new Float64Array(n);
  for (let i = 0; i < timesMs.length; i++) {
    const b = Math.floor(timesMs[i] / bucketMs);
    if (b >= 0 && b < n) sums[b] += weights[i];
  }
  const out: [number, number][] = [];
  for (let b = 0; b < n; b++) {
    // The last bucket may be partial; scale by its real length.
    const len = Math.min(bucketMs, durationMs - b * bucketMs);
    if (len <= bucketMs * 0.2) continue;
    out.push([((b + 1) * bucketMs) / 1000, (sums[b] * 1000) / len]);
  }
  return out;
}

/** A growable Float64Array (samples of unknown count without per-sample objects). */
export class SampleBuffer {
  private buf: Float64Array;
  private n = 0;

  constructor(initial = 1024) {
    this.buf = new Float64Array(initial);
  }

  /** Appends one sample. */
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }

  /** Number of samples. */
  get length(): number {
    return this.n;
  }

  /** The samples (a view; valid until the next push). */
  view(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}
