// Splits an attribute list into dedicated-column values and the rest. An attribute goes to its
// dedicated column only when its type matches the column's (a string `http.status_code` stays
// generic), and only the first such occurrence of a key does.
import type { KeyValue } from '@spanbase/model';
import type { DedicatedType } from './dedicated.ts';
import { anyValueToJson } from './otlp-json.ts';
import type { JsonAnyValue } from './otlp-json.ts';

/** Where one dedicated attribute key goes. */
export interface DedicatedSlot {
  /** Index into the `dedicated` array given to {@link splitAttributes}. */
  slot: number;
  /** Type the column holds. */
  type: DedicatedType;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True when an int attribute fits the INT64 columns (OTLP ints always do; bigint need not). */
export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/**
 * Takes dedicated values out of `attrs` into `dedicated` (one entry per slot, undefined where
 * absent) and returns the remaining attributes (the same array when nothing was taken).
 */
export function splitAttributes(attrs: readonly KeyValue[], slots: ReadonlyMap<string, DedicatedSlot>, dedicated: (string | bigint | undefined)[]): readonly KeyValue[] {
  let rest: KeyValue[] | undefined;
  for (let i = 0; i < attrs.length; i++) {
    const { key, value } = attrs[i];
    const slot = slots.get(key);
    let taken = false;
    if (slot !== undefined && dedicated[slot.slot] === undefined) {
      if (slot.type === 'string' && value.type === 'string') {
        dedicated[slot.slot] = value.value;
        taken = true;
      } else if (slot.type === 'int' && value.type === 'int' && fitsInt64(value.value)) {
        dedicated[slot.slot] = value.value;
        taken = true;
      }
    }
    if (taken) rest ??= attrs.slice(0, i);
    else rest?.push(attrs[i]);
  }
  return rest ?? attrs;
}

/** Generic span attributes as per-type key and value lists (position i of keys ↔ values). */
export interface TypedAttrs {
  /** Keys of string attributes. */
  str_keys: string[];
  /** Their values. */
  str_values: string[];
  /** Keys of int attributes. */
  int_keys: string[];
  /** Their values. */
  int_values: bigint[];
  /** Keys of double attributes. */
  double_keys: string[];
  /** Their values. */
  double_values: number[];
  /** Keys of bool attributes. */
  bool_keys: string[];
  /** Their values. */
  bool_values: boolean[];
  /** Keys of bytes, array, kvlist and empty attributes. */
  other_keys: string[];
  /** Their values as OTLP/JSON AnyValue. */
  other_values: JsonAnyValue[];
}

const EMPTY: string[] = [];
const PARTS = { str: ['str_keys', 'str_values'], int: ['int_keys', 'int_values'], double: ['double_keys', 'double_values'], bool: ['bool_keys', 'bool_values'], other: ['other_keys', 'other_values'] } as const;

/** Typed lists of an attribute list. Empty lists are one shared (never mutated) array. */
export function typedAttributes(attrs: readonly KeyValue[]): TypedAttrs {
  const t: Record<string, unknown[]> = { str_keys: EMPTY, str_values: EMPTY, int_keys: EMPTY, int_values: EMPTY, double_keys: EMPTY, double_values: EMPTY, bool_keys: EMPTY, bool_values: EMPTY, other_keys: EMPTY, other_values: EMPTY };
  const add = (type: keyof typeof PARTS, key: string, v: unknown) => {
    const [k, vs] = PARTS[type];
    if (t[k] === EMPTY) {
      t[k] = [];
      t[vs] = [];
    }
    t[k].push(key);
    t[vs].push(v);
  };
  for (let i = 0; i < attrs.length; i++) {
    const { key, value } = attrs[i];
    if (value.type === 'string') add('str', key, value.value);
    else if (value.type === 'int' && fitsInt64(value.value)) add('int', key, value.value);
    else if (value.type === 'double') add('double', key, value.value);
    else if (value.type === 'bool') add('bool', key, value.value);
    else add('other', key, anyValueToJson(value));
  }
  return t as unknown as TypedAttrs;
}
