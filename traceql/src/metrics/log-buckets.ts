// Logarithmic buckets for histogram_over_time() and quantile_over_time().
//
// histogram_over_time() uses Tempo's buckets so Grafana's heatmaps read them the same way:
// bucket k holds values in (2^(k-1), 2^k] and is labelled 2^k (in seconds for durations).
//
// quantile_over_time() uses finer buckets, SUB_BUCKETS per power of two: bucket i holds values in
// (2^((i-1)/S), 2^(i/S)]. A quantile is estimated by finding the bucket that holds the sample of
// rank ceil(p·n) and interpolating exponentially inside it, so the estimate and that exact sample
// lie in the same bucket: the estimate is within a factor 2^(1/S) of the exact value (S = 8:
// relative error under 9.1%). Tempo uses S = 1 (a factor of 2). Bucket counts add, so partial
// results from many sources merge exactly. Zero has its own bucket; negative values are skipped.

/** Sub-buckets per power of two for quantiles. */
export const SUB_BUCKETS = 8;

/** Largest relative error of a quantile estimate against the exact nearest-rank quantile. */
export const QUANTILE_RELATIVE_ERROR = Math.pow(2, 1 / SUB_BUCKETS) - 1;

/** Bucket index of the zero bucket (below every positive bucket). */
export const ZERO_BUCKET = -1_000_000;

/** Tempo's histogram bucket of v: the k with 2^(k-1) < v ≤ 2^k. v must be positive. */
export function log2Bucket(v: number): number {
  let k = Math.ceil(Math.log2(v)) + 0; // + 0 turns -0 into 0
  // Math.log2 may round near powers of two; settle on the exact k.
  if (Math.pow(2, k - 1) >= v) k--;
  else if (Math.pow(2, k) < v) k++;
  return k;
}

/** Quantile bucket of v ≥ 0 (ZERO_BUCKET for 0). */
export function quantileBucket(v: number): number {
  if (v === 0) return ZERO_BUCKET;
  return Math.ceil(Math.log2(v) * SUB_BUCKETS);
}

/**
 * The p-quantile of a histogram given as bucket indices (ascending) and their counts, or NaN
 * when it is empty. Nearest rank: the value of the sample of rank ceil(p·n) (at least 1),
 * interpolated exponentially between the bucket's bounds by the rank's place in the bucket.
 */
export function estimateQuantile(p: number, buckets: readonly number[], counts: readonly number[]): number {
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0)) return NaN;
  const rank = Math.max(1, Math.ceil(p * total - 1e-9 * total));
  let seen = 0;
  for (let j = 0; j < buckets.length; j++) {
    const c = counts[j];
    if (c <= 0) continue;
    if (seen + c >= rank || j === buckets.length - 1) {
      const b = buckets[j];
      if (b === ZERO_BUCKET) return 0;
      const hi = b / SUB_BUCKETS;
      const lo = hi - 1 / SUB_BUCKETS;
      const frac = Math.min(1, Math.max(0, (rank - seen) / c));
      return Math.pow(2, lo + (hi - lo) * frac);
    }
    seen += c;
  }
  return NaN;
}
