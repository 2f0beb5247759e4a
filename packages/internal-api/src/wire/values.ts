// TraceQL values (Static) on the wire: message Value, a oneof by type. Integers and durations are
// int64 (bigint), statuses and kinds their OTLP numbers, arrays a nested list of scalars.
import { KIND_BY_CODE, STATUS_BY_CODE } from '@spanbase/traceql';
import type { KindValue, Scalar, Static, StatusValue } from '@spanbase/traceql';
import { RpcMalformed } from '../errors.ts';
import type { ProtoReader, ProtoWriter } from './proto.ts';
import { WireType, readNested, writeNested } from './proto.ts';

const F = { nil: 1, int: 2, float: 3, string: 4, bool: 5, duration: 6, status: 7, kind: 8, array: 9 } as const;

/** Writes the body of a Value message. */
export function writeValue(w: ProtoWriter, v: Static): void {
  switch (v.type) {
    case 'nil':
      w.tag(F.nil, WireType.VARINT);
      w.bool(true);
      return;
    case 'int':
      w.tag(F.int, WireType.VARINT);
      w.int64(v.value);
      return;
    case 'float':
      w.tag(F.float, WireType.I64);
      w.double(v.value);
      return;
    case 'string':
      w.tag(F.string, WireType.LEN);
      w.string(v.value);
      return;
    case 'bool':
      w.tag(F.bool, WireType.VARINT);
      w.bool(v.value);
      return;
    case 'duration':
      w.tag(F.duration, WireType.VARINT);
      w.int64(v.value);
      return;
    case 'status':
      w.tag(F.status, WireType.VARINT);
      w.uint32(STATUS_BY_CODE.indexOf(v.value));
      return;
    case 'kind':
      w.tag(F.kind, WireType.VARINT);
      w.uint32(KIND_BY_CODE.indexOf(v.value));
      return;
    case 'array':
      writeNested(w, F.array, (a) => {
        for (const x of v.value) writeNested(a, 1, (e) => writeValue(e, x));
      });
      return;
  }
}

/** Writes `v` as nested Value field `no`. */
export function writeValueField(w: ProtoWriter, no: number, v: Static): void {
  writeNested(w, no, (x) => writeValue(x, v));
}

function enumOf<T>(names: readonly T[], i: number, what: string): T {
  const v = names[i];
  if (v === undefined) throw RpcMalformed(`unknown ${what} ${i}`);
  return v;
}

/** Reads a nested Value message (its tag just read). */
export function readValue(r: ProtoReader): Static {
  const out: { v: Static | undefined } = { v: undefined };
  readNested(r, out, (r, no, _tag, o) => {
    switch (no) {
      case F.nil:
        r.bool();
        o.v = { type: 'nil' };
        return true;
      case F.int:
        o.v = { type: 'int', value: r.int64() };
        return true;
      case F.float:
        o.v = { type: 'float', value: r.double() };
        return true;
      case F.string:
        o.v = { type: 'string', value: r.string() };
        return true;
      case F.bool:
        o.v = { type: 'bool', value: r.bool() };
        return true;
      case F.duration:
        o.v = { type: 'duration', value: r.int64() };
        return true;
      case F.status:
        o.v = { type: 'status', value: enumOf<StatusValue>(STATUS_BY_CODE, r.uint32(), 'status') };
        return true;
      case F.kind:
        o.v = { type: 'kind', value: enumOf<KindValue>(KIND_BY_CODE, r.uint32(), 'kind') };
        return true;
      case F.array: {
        const values: Scalar[] = [];
        readNested(r, values, (r, no, _t, list) => {
          if (no !== 1) return false;
          const x = readValue(r);
          if (x.type === 'array') throw RpcMalformed('a nested array in a value');
          list.push(x);
          return true;
        });
        o.v = { type: 'array', value: values };
        return true;
      }
    }
    return false;
  });
  if (!out.v) throw RpcMalformed('a value with no type');
  return out.v;
}

/** Writes a key and value (messages Attribute and Label) as nested field `no`. */
export function writeKeyValue(w: ProtoWriter, no: number, key: string, value: Static): void {
  writeNested(w, no, (x) => {
    if (key !== '') {
      x.tag(1, WireType.LEN);
      x.string(key);
    }
    writeValueField(x, 2, value);
  });
}

/** Reads a nested key and value message (its tag just read); a missing value is nil. */
export function readKeyValue(r: ProtoReader): { key: string; value: Static } {
  const kv = readNested(r, { key: '', value: undefined as Static | undefined }, (r, no, _t, o) => {
    if (no === 1) o.key = r.string();
    else if (no === 2) o.value = readValue(r);
    else return false;
    return true;
  });
  return { key: kv.key, value: kv.value ?? { type: 'nil' } };
}
