// Scalar conversions for OTLP/JSON (protobuf JSON mapping as the OTLP spec profiles it): hex ids,
// 64-bit integers as strings or numbers, enums as numbers or names, bytes as base64, doubles
// with "NaN" / "Infinity" / "-Infinity". Each throws a malformed-input failure on a wrong shape.
import { malformed } from './errors.ts';

const HEX_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUES[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUES[65 + i] = HEX_VALUES[97 + i] = 10 + i;

const EMPTY = new Uint8Array(0);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const INTEGER = /^-?[0-9]+$/;

/** Describes a JSON value for error messages. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  const text = typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v) : typeof v === 'object' ? 'an object' : String(v);
  return typeof v === 'object' ? text : `${typeof v} ${text}`;
}

/** An object's own entries, or a failure when `v` is not a JSON object. */
export function asObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) malformed(`expected an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** An array, or [] for null / absent. */
export function asArray(v: unknown): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) malformed(`expected an array, got ${describe(v)}`);
  return v;
}

/** A string. */
export function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  malformed(`expected a string, got ${describe(v)}`);
}

/** A boolean. */
export function asBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  malformed(`expected true or false, got ${describe(v)}`);
}

/** Bytes of a hex id (either case); '' is an empty id. */
export function hexId(v: unknown): Uint8Array {
  const s = asString(v);
  if (s.length === 0) return EMPTY;
  if (s.length % 2 !== 0) malformed(`expected a hex id, got ${describe(s)} (odd length)`);
  const out = new Uint8Array(s.length >>> 1);
  for (let i = 0; i < out.length; i++) {
    const a = s.charCodeAt(2 * i);
    const b = s.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUES[a] : -1;
    const lo = b < 128 ? HEX_VALUES[b] : -1;
    if (hi < 0 || lo < 0) malformed(`expected a hex id, got ${describe(s)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Bytes of base64 (standard or URL-safe alphabet, padding optional). */
export function base64Bytes(v: unknown): Uint8Array {
  const s = asString(v);
  if (!BASE64.test(s)) malformed(`expected base64, got ${describe(s)}`);
  // A copy: small Buffers share a pooled slab we should not pin or expose.
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function integer(v: unknown, min: bigint, max: bigint, what: string): bigint {
  let n: bigint;
  if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && INTEGER.test(v)) n = BigInt(v);
  else malformed(`expected ${what} (a number or a decimal string), got ${describe(v)}`);
  if (n < min || n > max) malformed(`${v} is out of range for ${what}`);
  return n;
}

/** A signed 64-bit integer from a number or a decimal string. */
export function int64(v: unknown): bigint {
  return integer(v, INT64_MIN, INT64_MAX, 'an int64');
}

/** An unsigned 64-bit integer (e.g. nanosecond times) from a number or a decimal string. */
export function uint64(v: unknown): bigint {
  return integer(v, 0n, UINT64_MAX, 'a uint64');
}

/** An unsigned 32-bit integer from a number or a decimal string. */
export function uint32(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  return Number(integer(v, 0n, 0xffffffffn, 'a uint32'));
}

/** An enum value from its number or its name in `names` (index = number). */
export function enumValue(v: unknown, names: readonly string[]): number {
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  malformed(`expected one of ${names.join(', ')} or a number, got ${describe(v)}`);
}

/** A double from a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function double(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  malformed(`expected a double, got ${describe(v)}`);
}

/** SpanKind names by number. */
export const SPAN_KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'] as const;
/** StatusCode names by number. */
export const STATUS_CODE_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;
