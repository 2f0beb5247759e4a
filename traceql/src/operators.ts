// What each operator does to values: the value semantics of TraceQL, shared by evaluation and
// constant folding. They follow Tempo's rules:
// - nil (a missing attribute) matches nothing: every comparison with it is false;
// - operands of different types never match (a string never equals an int), except numbers:
//   int, float and duration compare with each other as numbers;
// - int op int stays int (64-bit, wrapping); any other arithmetic is float;
// - an array operand matches element-wise: true when any element matches, except `!=` and `!~`,
//   which need every element to differ (so they read as "none equal");
// - regexes are fully anchored.
// Where Tempo raises a runtime error (division by zero, arithmetic on arrays) these return nil,
// so the span simply does not match.
import type { Scalar, Static } from './static.ts';
import { FALSE, NIL, TEMPO_STATUS_NUMBER, TRUE } from './static.ts';
import type { RegexMatcher } from './regex.ts';

/** Comparison and regex operators. */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~';
/** Arithmetic operators. */
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '^';

function isNumeric(t: Static['type']): boolean {
  return t === 'int' || t === 'float' || t === 'duration';
}

/** The value as a float (durations in nanoseconds); NaN for non-numbers. */
export function toFloat(s: Static): number {
  switch (s.type) {
    case 'int':
    case 'duration':
      return Number(s.value);
    case 'float':
      return s.value;
    default:
      return NaN;
  }
}

/** Equality across types as Tempo defines it; nil equals nothing. */
export function staticEquals(a: Scalar, b: Scalar): boolean {
  switch (a.type) {
    case 'nil':
      return false;
    case 'int':
    case 'duration':
      if (b.type === 'int' || b.type === 'duration') return a.value === b.value;
      if (b.type === 'float') return Number(a.value) === b.value;
      if (b.type === 'status' && a.type === 'int') return a.value === BigInt(TEMPO_STATUS_NUMBER[b.value]);
      return false;
    case 'float':
      return isNumeric(b.type) && a.value === toFloat(b);
    case 'status':
      if (b.type === 'status') return a.value === b.value;
      return b.type === 'int' && b.value === BigInt(TEMPO_STATUS_NUMBER[a.value]);
    case 'string':
    case 'bool':
    case 'kind':
      return a.type === b.type && a.value === b.value;
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** Byte-order (UTF-8) comparison of strings, like Go's strings.Compare. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after all other BMP code points in UTF-8.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function orderingValid(t: Static['type']): boolean {
  return t === 'int' || t === 'float' || t === 'duration' || t === 'string';
}

function compareScalars(op: CompareOp, a: Scalar, b: Scalar, regex: RegexMatcher | undefined): boolean {
  if (a.type === 'nil' || b.type === 'nil') return false;
  switch (op) {
    case '=':
      return staticEquals(a, b);
    case '!=':
      return sameFamily(a, b) && !staticEquals(a, b);
    case '=~':
    case '!~':
      if (a.type !== 'string' || regex === undefined) return false;
      return regex.test(a.value) === (op === '=~');
    default: {
      if (!orderingValid(a.type) || !orderingValid(b.type)) return false;
      let c: number;
      if (a.type === 'string' || b.type === 'string') {
        if (a.type !== b.type) return false;
        c = compareStrings(a.value as string, b.value as string);
      } else if (a.type === 'int' && b.type === 'int') {
        c = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      } else {
        const x = toFloat(a);
        const y = toFloat(b);
        if (Number.isNaN(x) || Number.isNaN(y)) return false;
        c = x < y ? -1 : x > y ? 1 : 0;
      }
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
  }
}

/** True when `!=` may be true: the types can be compared at all. */
function sameFamily(a: Scalar, b: Scalar): boolean {
  if (a.type === b.type) return true;
  if (isNumeric(a.type) && isNumeric(b.type)) return true;
  return (a.type === 'int' && b.type === 'status') || (a.type === 'status' && b.type === 'int');
}

const FLIP: Partial<Record<CompareOp, CompareOp>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * `a op b`. For regex operators `regex` is the compiled right-hand pattern. Arrays match
 * element-wise (any element; all elements for `!=` and `!~`).
 */
export function compare(op: CompareOp, a: Static, b: Static, regex?: RegexMatcher): boolean {
  if (a.type === 'array' || b.type === 'array') {
    if (a.type === 'array' && b.type === 'array') return false;
    const arrayOnLeft = a.type === 'array';
    const elems = ((arrayOnLeft ? a : b) as { readonly value: readonly Scalar[] }).value;
    const scalar = (arrayOnLeft ? b : a) as Scalar;
    const all = op === '!=' || op === '!~';
    for (const e of elems) {
      const ok = arrayOnLeft ? compareScalars(op, e, scalar, regex) : compareScalars(FLIP[op] ?? op, e, scalar, regex);
      if (all && !ok) return false;
      if (!all && ok) return true;
    }
    return all;
  }
  return compareScalars(op, a, b, regex);
}

/** `a op b` for arithmetic; nil when the operation does not apply. */
export function arith(op: ArithOp, a: Static, b: Static): Static {
  if (!isNumeric(a.type) || !isNumeric(b.type)) return NIL;
  if (a.type === 'int' && b.type === 'int') {
    const x = a.value;
    const y = b.value;
    switch (op) {
      case '+':
        return { type: 'int', value: BigInt.asIntN(64, x + y) };
      case '-':
        return { type: 'int', value: BigInt.asIntN(64, x - y) };
      case '*':
        return { type: 'int', value: BigInt.asIntN(64, x * y) };
      case '/':
        return y === 0n ? NIL : { type: 'int', value: BigInt.asIntN(64, x / y) };
      case '%':
        return y === 0n ? NIL : { type: 'int', value: x % y };
      case '^': {
        const p = Math.trunc(Math.pow(Number(x), Number(y)));
        return Number.isFinite(p) ? { type: 'int', value: BigInt.asIntN(64, BigInt(p)) } : NIL;
      }
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return { type: 'float', value: x + y };
    case '-':
      return { type: 'float', value: x - y };
    case '*':
      return { type: 'float', value: x * y };
    case '/':
      return { type: 'float', value: x / y };
    case '%':
      return { type: 'float', value: x % y };
    case '^':
      return { type: 'float', value: Math.pow(x, y) };
  }
}

/** Unary minus; nil for non-numbers. Durations stay durations. */
export function negate(a: Static): Static {
  switch (a.type) {
    case 'int':
      return { type: 'int', value: BigInt.asIntN(64, -a.value) };
    case 'float':
      return { type: 'float', value: -a.value };
    case 'duration':
      return { type: 'duration', value: -a.value };
    default:
      return NIL;
  }
}

/** Logical not; nil for non-booleans (so `!.missing` matches nothing). */
export function not(a: Static): Static {
  return a.type === 'bool' ? (a.value ? FALSE : TRUE) : NIL;
}

/** True only for the boolean true. */
export function isTrue(a: Static): boolean {
  return a.type === 'bool' && a.value;
}

/** Total order used by min() and max(): numbers by value, then strings, then by type name. */
export function orderValues(a: Static, b: Static): number {
  if (isNumeric(a.type) && isNumeric(b.type)) {
    if (a.type === 'int' && b.type === 'int') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    const x = toFloat(a);
    const y = toFloat(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  if (a.type === 'string' && b.type === 'string') return compareStrings(a.value, b.value);
  return 0;
}
