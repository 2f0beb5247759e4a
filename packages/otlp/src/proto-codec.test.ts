import { describe, expect, it } from 'vitest';
import { av, isSpanbaseError } from '@spanbase/model';
import type { TracesData } from '@spanbase/model';
import { OTLP_ERR_MALFORMED } from './errors.ts';
import { decodeExportRequest } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { ProtoWriter } from './proto-writer.ts';
import { makeSpan, makeTracesData } from './test-data.ts';

describe('protobuf round trip', () => {
  it('decodes what it encodes, every field and value type', () => {
    const data = makeTracesData();
    const bytes = encodeTracesData(data);
    expect(decodeExportRequest(bytes)).toEqual(data);
    // Re-encoding the decoded model gives the same bytes.
    expect(encodeTracesData(decodeExportRequest(bytes))).toEqual(bytes);
  });

  it('keeps negative zero and int64 extremes exactly', () => {
    const data: TracesData = {
      resourceSpans: [{ resource: { attributes: [{ key: 'z', value: av.double(-0) }, { key: 'm', value: av.int(-9223372036854775808n) }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [] }],
    };
    const back = decodeExportRequest(encodeTracesData(data));
    const attrs = back.resourceSpans[0].resource!.attributes;
    expect(Object.is((attrs[0].value as { value: number }).value, -0)).toBe(true);
    expect(attrs[1].value).toEqual(av.int(-9223372036854775808n));
  });

  it('decodes an empty request', () => {
    expect(decodeExportRequest(new Uint8Array(0))).toEqual({ resourceSpans: [] });
  });

  it('keeps times beyond 2^53 exactly', () => {
    const span = { ...makeSpan(1), startTimeUnixNano: 18446744073709551615n, endTimeUnixNano: 9007199254740993n };
    const data: TracesData = { resourceSpans: [{ resource: undefined, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] };
    const back = decodeExportRequest(encodeTracesData(data)).resourceSpans[0].scopeSpans[0].spans[0];
    expect(back.startTimeUnixNano).toBe(18446744073709551615n);
    expect(back.endTimeUnixNano).toBe(9007199254740993n);
  });

  it('writes long nested messages with multi-byte length prefixes', () => {
    const long = 'x'.repeat(100_000);
    const data: TracesData = {
      resourceSpans: [{ resource: { attributes: [{ key: 'big', value: av.string(long) }, { key: 'k'.repeat(50), value: av.string('é'.repeat(300)) }], droppedAttributesCount: 0 }, schemaUrl: 'u'.repeat(200), scopeSpans: [] }],
    };
    expect(decodeExportRequest(encodeTracesData(data))).toEqual(data);
  });
});

describe('unknown fields', () => {
  it('skips unknown fields of every wire type at every level', () => {
    const w = new ProtoWriter();
    const unknowns = (): void => {
      w.tag(900, 0); w.varint64(0xffffffff, 0xffffffff);
      w.tag(901, 1); w.fixed64(123n);
      w.tag(902, 2); w.string('ignored');
      w.tag(903, 5); w.fixed32(7);
      w.tag(904, 3); w.tag(1, 0); w.uint32(1); w.tag(2, 3); w.tag(2, 4); w.tag(904, 4); // a group holding a nested group
    };
    unknowns();
    w.tag(1, 2);
    const rs = w.begin();
    unknowns();
    w.tag(2, 2);
    const ss = w.begin();
    unknowns();
    w.tag(2, 2);
    const sp = w.begin();
    unknowns();
    w.tag(1, 2); w.bytes(new Uint8Array(16).fill(1));
    w.tag(2, 2); w.bytes(new Uint8Array(8).fill(2));
    w.tag(5, 2); w.string('op');
    w.tag(9, 2);
    const kv = w.begin();
    w.tag(1, 2); w.string('k');
    unknowns();
    w.tag(2, 2);
    const v = w.begin();
    unknowns();
    w.tag(3, 0); w.int64(-42n);
    w.finish(v);
    w.finish(kv);
    w.finish(sp);
    w.finish(ss);
    w.finish(rs);
    const span = decodeExportRequest(w.result()).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.name).toBe('op');
    expect(span.attributes).toEqual([{ key: 'k', value: av.int(-42n) }]);
  });
});

describe('malformed protobuf', () => {
  const valid = encodeTracesData(makeTracesData());
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated in the middle', valid.subarray(0, valid.length - 5), /resource_spans\[1\]/],
    ['a length past the end', Uint8Array.of(0x0a, 0x05, 0x01), /length 5 runs past the end/],
    ['a varint longer than 10 bytes', Uint8Array.of(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), /varint longer than 10 bytes/],
    ['a truncated varint', Uint8Array.of(0x10, 0xff), /truncated varint/],
    ['wire type 7', Uint8Array.of(0x17), /invalid wire type 7/],
    ['wire type 6', Uint8Array.of(0x16), /invalid wire type 6/],
    ['field number 0', Uint8Array.of(0x02, 0x00), /field number 0/],
    ['an unclosed group', Uint8Array.of(0x13, 0x08, 0x01), /group 2 is not closed/],
    ['a stray end-group', Uint8Array.of(0x14), /unexpected end-group/],
    ['a mismatched end-group', Uint8Array.of(0x13, 0x1c), /closes group 2/],
    ['a known field with the wrong wire type', Uint8Array.of(0x08, 0x01), /resource_spans: expected length-delimited, got varint/],
    ['a truncated fixed64', Uint8Array.of(0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x39, 0x00), /spans\[0\]\.start_time_unix_nano: truncated/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        decodeExportRequest(bytes);
      } catch (e) {
        caught = e;
      }
      expect(isSpanbaseError(caught, OTLP_ERR_MALFORMED)).toBe(true);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).cause).toBeUndefined();
    });
  }

  it('rejects attribute values nested past the depth limit', () => {
    let inner = Uint8Array.of();
    for (let i = 0; i < 200; i++) {
      const w = new ProtoWriter();
      w.tag(5, 2); // array_value
      const m = w.begin();
      w.tag(1, 2);
      w.bytes(inner);
      w.finish(m);
      inner = w.result().slice();
    }
    const w = new ProtoWriter();
    w.tag(1, 2); const rs = w.begin();
    w.tag(1, 2); const r = w.begin();
    w.tag(1, 2); const kv = w.begin();
    w.tag(2, 2); w.bytes(inner);
    w.finish(kv); w.finish(r); w.finish(rs);
    expect(() => decodeExportRequest(w.result())).toThrow(/nested too deeply/);
  });
});

describe('decoded values own their bytes', () => {
  it('copies ids and bytes values out of the input', () => {
    const bytes = encodeTracesData(makeTracesData()).slice();
    const data = decodeExportRequest(bytes);
    bytes.fill(0);
    expect(data).toEqual(makeTracesData());
  });

  it('reads from a view that starts inside a larger buffer', () => {
    const inner = encodeTracesData(makeTracesData());
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 7);
    expect(decodeExportRequest(outer.subarray(7, 7 + inner.length))).toEqual(makeTracesData());
  });
});
