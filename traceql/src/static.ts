// Values the engine computes with. A TraceQL value is one of a few scalar types, or an array of
// scalars (OTLP array attributes, and the values of an event- or link-scoped reference across a
// span's events or links). Integers are bigint because OTLP ints are 64-bit; durations are
// bigint nanoseconds for the same reason.
import type { AnyValue } from '@spanbase/model';

/** Span status as TraceQL names it. */
export type StatusValue = 'error' | 'ok' | 'unset';
/** Span kind as TraceQL names it. */
export type KindValue = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A scalar value. */
export type Scalar =
  | { readonly type: 'nil' }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'duration'; readonly value: bigint }
  | { readonly type: 'status'; readonly value: StatusValue }
  | { readonly type: 'kind'; readonly value: KindValue };

/** A value: a scalar or an array of scalars (never nested, never containing nil). */
export type Static = Scalar | { readonly type: 'array'; readonly value: readonly Scalar[] };

/** The type tag of a value. */
export type StaticType = Static['type'];

export const NIL: Static = { type: 'nil' };
export const TRUE: Static = { type: 'bool', value: true };
export const FALSE: Static = { type: 'bool', value: false };

/** Builders, mostly for tests and storage implementations. */
export const st = {
  int: (v: bigint | number): Static => ({ type: 'int', value: BigInt(v) }),
  float: (v: number): Static => ({ type: 'float', value: v }),
  string: (v: string): Static => ({ type: 'string', value: v }),
  bool: (v: boolean): Static => (v ? TRUE : FALSE),
  duration: (ns: bigint | number): Static => ({ type: 'duration', value: BigInt(ns) }),
  status: (v: StatusValue): Static => ({ type: 'status', value: v }),
  kind: (v: KindValue): Static => ({ type: 'kind', value: v }),
  array: (v: readonly Scalar[]): Static => ({ type: 'array', value: v }),
};

/** Status names by OTLP status code (0 unset, 1 ok, 2 error). */
export const STATUS_BY_CODE: readonly StatusValue[] = ['unset', 'ok', 'error'];
/** Kind names by OTLP kind number. */
export const KIND_BY_CODE: readonly KindValue[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
/** Tempo numbers statuses differently from OTLP; an int compared with a status uses these. */
export const TEMPO_STATUS_NUMBER: Readonly<Record<StatusValue, number>> = { error: 0, ok: 1, unset: 2 };

/**
 * Converts an OTLP attribute value. Bytes, kvlists and empty values are not queryable (Tempo keeps
 * them aside too), so they become nil, as if the attribute were absent. Arrays keep their
 * queryable scalar elements.
 */
export function staticFromAnyValue(v: AnyValue): Static {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: v.value };
    case 'bool':
      return v.value ? TRUE : FALSE;
    case 'int':
      return { type: 'int', value: v.value };
    case 'double':
      return { type: 'float', value: v.value };
    case 'array': {
      const out: Scalar[] = [];
      for (const e of v.value) {
        const s = staticFromAnyValue(e);
        if (s.type !== 'nil' && s.type !== 'array') out.push(s);
      }
      return { type: 'array', value: out };
    }
    case 'bytes':
    case 'kvlist':
    case 'empty':
      return NIL;
    default: {
      const never: never = v;
      return never;
    }
  }
}

/** Converts back to an OTLP value the way Tempo's search results show it (durations as text). */
export function staticToAnyValue(s: Static): AnyValue {
  switch (s.type) {
    case 'nil':
      return { type: 'string', value: 'nil' };
    case 'int':
      return { type: 'int', value: s.value };
    case 'float':
      return { type: 'double', value: s.value };
    case 'string':
      return { type: 'string', value: s.value };
    case 'bool':
      return { type: 'bool', value: s.value };
    case 'duration':
      return { type: 'string', value: formatDuration(s.value) };
    case 'status':
    case 'kind':
      return { type: 'string', value: s.value };
    case 'array':
      return { type: 'array', value: s.value.map(staticToAnyValue) };
    default: {
      const never: never = s;
      return never;
    }
  }
}

const UNITS: readonly [string, bigint][] = [
  ['h', 3_600_000_000_000n],
  ['m', 60_000_000_000n],
];

/**
 * Formats nanoseconds as a TraceQL duration literal that parses back to the same value:
 * `1h30m`, `1.5s`, `250ms`, `1.5us`, `7ns`.
 */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  if (ns < 0n) return '-' + formatDuration(-ns);
  if (ns < 1_000_000_000n) {
    if (ns < 1_000n) return `${ns}ns`;
    if (ns < 1_000_000n) return decimal(ns, 1_000n) + 'us';
    return decimal(ns, 1_000_000n) + 'ms';
  }
  let rest = ns;
  let out = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      out += `${rest / size}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0n) out += decimal(rest, 1_000_000_000n) + 's';
  return out;
}

function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const frac = value % unit;
  if (frac === 0n) return `${whole}`;
  const digits = unit.toString().length - 1;
  return `${whole}.${frac.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Text of a value for messages and group keys. */
export function staticToString(s: Static): string {
  switch (s.type) {
    case 'nil':
      return 'nil';
    case 'string':
      return JSON.stringify(s.value);
    case 'duration':
      return formatDuration(s.value);
    case 'float':
      return formatFloat(s.value);
    case 'array':
      return '[' + s.value.map(staticToString).join(', ') + ']';
    default:
      return String(s.value);
  }
}

/** A float literal that reads back as a float (always has a dot or an exponent). */
export function formatFloat(v: number): string {
  const text = String(v);
  return /[.eE]|Infinity|NaN/.test(text) ? text : text + '.0';
}
