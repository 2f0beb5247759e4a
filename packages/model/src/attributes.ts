// Small helpers for attribute lists. Attribute lists are short (tens of entries), so a linear
// scan beats building a map per span.
import type { AnyValue, KeyValue, Resource } from './span.ts';

/** The value of the first attribute named `key`, or undefined. */
export function findAttribute(attributes: readonly KeyValue[], key: string): AnyValue | undefined {
  for (let i = 0; i < attributes.length; i++) if (attributes[i].key === key) return attributes[i].value;
  return undefined;
}

/** The string value of `service.name`, or undefined when absent or not a string. */
export function serviceNameOf(resource: Resource | undefined): string | undefined {
  if (!resource) return undefined;
  const v = findAttribute(resource.attributes, 'service.name');
  return v && v.type === 'string' ? v.value : undefined;
}

/** Builders for attribute values, mostly for tests and generators. */
export const av = {
  string: (value: string): AnyValue => ({ type: 'string', value }),
  bool: (value: boolean): AnyValue => ({ type: 'bool', value }),
  int: (value: bigint | number): AnyValue => ({ type: 'int', value: BigInt(value) }),
  double: (value: number): AnyValue => ({ type: 'double', value }),
  bytes: (value: Uint8Array): AnyValue => ({ type: 'bytes', value }),
  array: (value: AnyValue[]): AnyValue => ({ type: 'array', value }),
  kvlist: (value: KeyValue[]): AnyValue => ({ type: 'kvlist', value }),
  empty: (): AnyValue => ({ type: 'empty' }),
};

/** Deep equality of two values, types included (an int 1 is not a double 1). */
export function anyValueEquals(a: AnyValue, b: AnyValue): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'empty':
      return true;
    case 'string':
    case 'bool':
    case 'int':
      return a.value === (b as typeof a).value;
    case 'double':
      return Object.is(a.value, (b as typeof a).value) || a.value === (b as typeof a).value;
    case 'bytes': {
      const bv = (b as typeof a).value;
      if (a.value.length !== bv.length) return false;
      for (let i = 0; i < bv.length; i++) if (a.value[i] !== bv[i]) return false;
      return true;
    }
    case 'array': {
      const bv = (b as typeof a).value;
      return a.value.length === bv.length && a.value.every((v, i) => anyValueEquals(v, bv[i]));
    }
    case 'kvlist': {
      const bv = (b as typeof a).value;
      return a.value.length === bv.length && a.value.every((kv, i) => kv.key === bv[i].key && anyValueEquals(kv.value, bv[i].value));
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}
