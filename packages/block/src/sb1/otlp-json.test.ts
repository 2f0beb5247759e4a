import type { AnyValue } from '@spanbase/model';
import { anyValueEquals, av } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { anyValueFromJson, anyValueToJson, eventsFromJson, eventsToJson, linksFromJson, linksToJson } from './otlp-json.ts';

const roundTrip = (v: AnyValue) => anyValueFromJson(JSON.parse(JSON.stringify(anyValueToJson(v))));

describe('OTLP/JSON values', () => {
  it('keeps every value exactly through JSON text', () => {
    const values: AnyValue[] = [
      av.string('x'), av.string(''), av.bool(false), av.int(2n ** 63n - 1n), av.int(-(2n ** 63n)), av.int(9_007_199_254_740_993n),
      av.double(Number.NaN), av.double(-0), av.double(Number.NEGATIVE_INFINITY), av.double(1e308), av.double(5e-324),
      av.bytes(new Uint8Array([0, 1, 254, 255])), av.bytes(new Uint8Array(0)), av.empty(),
      av.array([av.int(1), av.array([av.empty(), av.double(-0)]), av.kvlist([{ key: 'k', value: av.bytes(new Uint8Array([9])) }])]),
      av.kvlist([{ key: 'a', value: av.string('1') }, { key: 'a', value: av.int(1) }]),
    ];
    for (const v of values) expect(anyValueEquals(roundTrip(v), v), JSON.stringify(anyValueToJson(v))).toBe(true);
    expect(anyValueToJson(av.int(5))).toEqual({ intValue: '5' });
    expect(anyValueToJson(av.bytes(new Uint8Array([1, 2])))).toEqual({ bytesValue: 'AQI=' });
  });

  it('keeps events and links, omitting zero fields as protobuf JSON does', () => {
    const events = [{ timeUnixNano: 2n ** 64n - 1n, name: 'e', attributes: [{ key: 'x', value: av.int(-1) }], droppedAttributesCount: 3 }, { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 }];
    expect(eventsToJson(events)[1]).toEqual({ timeUnixNano: '0', name: '' });
    expect(eventsFromJson(JSON.parse(JSON.stringify(eventsToJson(events))))).toEqual(events);
    const links = [{ traceId: new Uint8Array(16).fill(0xab), spanId: new Uint8Array(8).fill(1), traceState: 'a=b', attributes: [{ key: 'y', value: av.bool(true) }], droppedAttributesCount: 1, flags: 0xffffffff }];
    expect(linksToJson(links)[0]).toMatchObject({ traceId: 'ab'.repeat(16), spanId: '01'.repeat(8) });
    expect(linksFromJson(JSON.parse(JSON.stringify(linksToJson(links))))).toEqual(links);
  });

  it('rejects malformed JSON values with BLK_ERR_FORMAT', () => {
    for (const bad of [null, 3, { intValue: 'x' }, { doubleValue: 'one' }, { boolValue: 1 }, { arrayValue: { values: 3 } }]) {
      expect(() => anyValueFromJson(bad)).toThrow(/OTLP\/JSON/);
    }
    expect(() => linksFromJson([{ traceId: 'zz', spanId: '00' }])).toThrow(/traceId/);
  });
});
