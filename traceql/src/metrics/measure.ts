// What each reducer takes from a span's measured value: the number itself, a bucket, or
// nothing (a span without a usable value does not count, as in Tempo).
import type { AttributeNode } from '../ast.ts';
import type { Static } from '../static.ts';
import type { FieldRef } from '../storage.ts';
import { stringifyRef } from '../stringify.ts';
import type { Reducer } from './leaf-state.ts';
import { log2Bucket, quantileBucket } from './log-buckets.ts';

/** A number as metrics read it (durations in ns), NaN for anything else. */
export function numberOf(v: Static | undefined): number {
  if (v === undefined) return NaN;
  switch (v.type) {
    case 'int':
    case 'duration':
      return Number(v.value);
    case 'float':
      return v.value;
    default:
      return NaN;
  }
}

/**
 * What LeafState.add() takes for a measured value `v` (`isFloat`: a float rather than an int or
 * duration): the value, or the bucket for histograms and quantiles; NaN when the span does not
 * count. histogram_over_time() buckets ints and durations from 2 up (Tempo's domain) and
 * positive floats; quantile_over_time() takes every value from 0 up.
 */
export function addend(reducer: Reducer, v: number, isFloat: boolean): number {
  switch (reducer) {
    case 'count':
    case 'rate':
      return 0;
    case 'histogram':
      return (isFloat ? v > 0 : v >= 2) ? log2Bucket(v) : NaN;
    case 'quantile':
      return v >= 0 ? quantileBucket(v) : NaN;
    default:
      return v;
  }
}

/** An exemplar's value: the measured value in output units, or NaN (the sample's value) for counts and histograms. */
export function exemplarValue(reducer: Reducer, v: number, scale: number): number {
  return reducer === 'count' || reducer === 'rate' || reducer === 'histogram' ? NaN : v * scale;
}

const POS = { offset: 0, line: 1, column: 1 };

/** A field's name as a label key: `span.http.route`, `resource.service.name`, `.foo`, `name`. */
export function fieldName(f: FieldRef): string {
  if (f.kind === 'intrinsic') return f.name;
  const node: AttributeNode = { kind: 'attribute', scope: f.scope, name: f.name, parent: false, pos: POS };
  return stringifyRef(node);
}
