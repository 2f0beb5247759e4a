import { describe, expect, it } from 'vitest';
import { av, isSpanbaseError } from '@spanbase/model';
import type { TracesData } from '@spanbase/model';
import { OTLP_ERR_MALFORMED } from './errors.ts';
import { encodeExportResponse } from './export-response.ts';
import { decodeOtlpJson } from './json-decode.ts';
import { tracesDataToJson } from './json-encode.ts';
import { ProtoReader } from './proto-reader.ts';
import { hex, makeSpan, makeTracesData } from './test-data.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function request(span: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, ...span }] }], ...extra }] });
}

function firstSpan(body: string) {
  return decodeOtlpJson(body).resourceSpans[0].scopeSpans[0].spans[0];
}

function jsonError(body: string | Uint8Array): Error {
  try {
    decodeOtlpJson(body);
  } catch (e) {
    expect(isSpanbaseError(e, OTLP_ERR_MALFORMED)).toBe(true);
    return e as Error;
  }
  throw new Error('expected the decode to fail');
}

describe('OTLP/JSON round trip', () => {
  it('model → JSON (hex ids) → model is exact, every field and value type', () => {
    const data = makeTracesData();
    const text = JSON.stringify(tracesDataToJson(data, { ids: 'hex' }));
    expect(decodeOtlpJson(text)).toEqual(data);
    expect(decodeOtlpJson(new TextEncoder().encode(text))).toEqual(data);
  });
});

describe('decodeOtlpJson', () => {
  it('accepts snake_case names, enum names and numbers, 64-bit ints as strings or numbers', () => {
    const span = firstSpan(JSON.stringify({
      resource_spans: [{
        schema_url: 'u',
        resource: { attributes: [{ key: 'n', value: { int_value: 7 } }], dropped_attributes_count: 1 },
        scope_spans: [{ scope: { name: 's' }, spans: [{
          trace_id: TRACE.toUpperCase(), span_id: SPAN, parent_span_id: '', trace_state: 'a=b', kind: 'SPAN_KIND_CLIENT',
          start_time_unix_nano: '1700000000123456789', end_time_unix_nano: 1700000000, status: { code: 'STATUS_CODE_ERROR', message: 'm' },
          dropped_events_count: '3', events: [{ time_unix_nano: '5', name: 'e' }], links: [{ trace_id: TRACE, span_id: SPAN, flags: 257 }],
        }] }],
      }],
    }));
    expect(span.traceId).toEqual(hex(TRACE));
    expect(span.parentSpanId).toEqual(new Uint8Array(0));
    expect(span.kind).toBe(3);
    expect(span.startTimeUnixNano).toBe(1700000000123456789n);
    expect(span.endTimeUnixNano).toBe(1700000000n);
    expect(span.status).toEqual({ code: 2, message: 'm' });
    expect(span.droppedEventsCount).toBe(3);
    expect(span.events[0].timeUnixNano).toBe(5n);
    expect(span.links[0].flags).toBe(257);
    expect(firstSpan(request({ kind: 2, status: { code: 1 } })).kind).toBe(2);
  });

  it('reads every AnyValue form', () => {
    const attributes = [
      { key: 's', value: { stringValue: 'ü' } },
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: '-9223372036854775808' } },
      { key: 'i2', value: { intValue: 42 } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: 'Infinity' } },
      { key: 'ninf', value: { doubleValue: '-Infinity' } },
      { key: 'dstr', value: { doubleValue: '2.5' } },
      { key: 'bytes', value: { bytesValue: 'AP8Q' } },
      { key: 'bytes.url', value: { bytesValue: '-_-_' } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, {}] } } },
      { key: 'arr.empty', value: { arrayValue: {} } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { intValue: '1' } }] } } },
      { key: 'empty', value: {} },
      { key: 'null', value: { stringValue: null } },
      { key: 'novalue' },
    ];
    expect(firstSpan(request({ attributes })).attributes).toEqual([
      { key: 's', value: av.string('ü') },
      { key: 'b', value: av.bool(true) },
      { key: 'i', value: av.int(-9223372036854775808n) },
      { key: 'i2', value: av.int(42) },
      { key: 'd', value: av.double(1.5) },
      { key: 'nan', value: av.double(NaN) },
      { key: 'inf', value: av.double(Infinity) },
      { key: 'ninf', value: av.double(-Infinity) },
      { key: 'dstr', value: av.double(2.5) },
      { key: 'bytes', value: av.bytes(hex('00ff10')) },
      { key: 'bytes.url', value: av.bytes(hex('fbffbf')) },
      { key: 'arr', value: av.array([av.string('x'), av.empty()]) },
      { key: 'arr.empty', value: av.array([]) },
      { key: 'kv', value: av.kvlist([{ key: 'k', value: av.int(1) }]) },
      { key: 'empty', value: av.empty() },
      { key: 'null', value: av.empty() },
      { key: 'novalue', value: av.empty() },
    ]);
  });

  it('ignores unknown keys and treats null as absent', () => {
    const span = firstSpan(request({ somethingNew: { a: 1 }, name: null, status: null, events: null }, { futureField: [1, 2] }));
    expect(span.name).toBe('');
    expect(span.status).toEqual({ code: 0, message: '' });
    expect(span.events).toEqual([]);
  });

  it('reads an empty object as an empty request', () => {
    expect(decodeOtlpJson('{}')).toEqual({ resourceSpans: [] });
  });

  const bad: [string, string, string][] = [
    ['invalid JSON', '{"resourceSpans": [', 'invalid JSON'],
    ['a top-level array', '[]', 'expected an object, got an array'],
    ['resourceSpans not an array', '{"resourceSpans": {}}', 'resourceSpans: expected an array, got an object'],
    ['a non-hex trace id', request({ traceId: 'zz' }), 'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex id, got string "zz"'],
    ['an odd-length span id', request({ spanId: 'abc' }), 'resourceSpans[0].scopeSpans[0].spans[0].spanId: expected a hex id, got string "abc" (odd length)'],
    ['a fractional time', request({ startTimeUnixNano: 1.5 }), 'spans[0].startTimeUnixNano: expected a uint64 (a number or a decimal string), got number 1.5'],
    ['a negative time', request({ endTimeUnixNano: '-1' }), 'spans[0].endTimeUnixNano: -1 is out of range for a uint64'],
    ['an int64 out of range', request({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }), 'spans[0].attributes[0].value.intValue: 9223372036854775808 is out of range for an int64'],
    ['an unknown kind name', request({ kind: 'SERVER' }), 'spans[0].kind: expected one of SPAN_KIND_UNSPECIFIED'],
    ['attributes as an object', request({ attributes: { k: 'v' } }), 'spans[0].attributes: expected an array, got an object'],
    ['a value that is a string', request({ attributes: [{ key: 'k', value: 'v' }] }), 'spans[0].attributes[0].value: expected an object, got string "v"'],
    ['a bool as a string', request({ attributes: [{ key: 'k', value: { boolValue: 'true' } }] }), 'attributes[0].value.boolValue: expected true or false, got string "true"'],
    ['bad base64', request({ attributes: [{ key: 'k', value: { bytesValue: 'a b' } }] }), 'attributes[0].value.bytesValue: expected base64'],
    ['a bad double', request({ attributes: [{ key: 'k', value: { doubleValue: 'lots' } }] }), 'attributes[0].value.doubleValue: expected a double, got string "lots"'],
    ['nested array values not an array', request({ attributes: [{ key: 'k', value: { arrayValue: { values: [{ intValue: 'x' }] } } }] }), 'attributes[0].value.arrayValue.values[0].intValue: expected an int64'],
    ['a dropped count over 32 bits', request({ droppedAttributesCount: 4294967296 }), 'spans[0].droppedAttributesCount: 4294967296 is out of range for a uint32'],
  ];
  for (const [name, body, message] of bad) {
    it(`rejects ${name}, naming the JSON path`, () => {
      expect(jsonError(body).message).toContain(message);
    });
  }

  it('rejects values nested past the depth limit', () => {
    let v: unknown = { stringValue: 'x' };
    for (let i = 0; i < 150; i++) v = { arrayValue: { values: [v] } };
    expect(jsonError(request({ attributes: [{ key: 'k', value: v }] })).message).toContain('nested too deeply');
  });
});

describe('tracesDataToJson', () => {
  it('follows protobuf-JSON conventions: base64 ids, string int64s, enum names, zero values left out', () => {
    const span = { ...makeSpan(1, true), kind: 2 as const, startTimeUnixNano: 1700000000000000001n, status: { code: 2 as const, message: '' } };
    const data: TracesData = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: av.string('api') }], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans: [{
          ...span,
          attributes: [
            { key: 'i', value: av.int(0) }, { key: 'b', value: av.bool(false) }, { key: 's', value: av.string('') }, { key: 'n', value: av.double(NaN) },
            { key: 'x', value: av.bytes(hex('00ff')) }, { key: 'a', value: av.array([]) }, { key: 'kv', value: av.kvlist([{ key: '', value: av.empty() }]) },
          ],
        }] }],
      }],
    };
    expect(tracesDataToJson(data, { ids: 'base64' })).toEqual({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeSpans: [{ scope: {}, spans: [{
          traceId: 'CvdlGRbNQ92ESOshHIAxnA==',
          spanId: 't61rcWkgMwE=',
          kind: 'SPAN_KIND_SERVER',
          startTimeUnixNano: '1700000000000000001',
          attributes: [
            { key: 'i', value: { intValue: '0' } }, { key: 'b', value: { boolValue: false } }, { key: 's', value: { stringValue: '' } }, { key: 'n', value: { doubleValue: 'NaN' } },
            { key: 'x', value: { bytesValue: 'AP8=' } }, { key: 'a', value: { arrayValue: {} } }, { key: 'kv', value: { kvlistValue: { values: [{ value: {} }] } } },
          ],
          status: { code: 'STATUS_CODE_ERROR' },
        }] }],
      }],
    });
    expect(tracesDataToJson({ resourceSpans: [] }, { ids: 'base64' })).toEqual({});
  });

  it('writes hex ids when asked', () => {
    const json = tracesDataToJson(makeTracesData(), { ids: 'hex' }) as { resourceSpans: { scopeSpans: { spans: { traceId: string; parentSpanId: string; links: { spanId: string }[] }[] }[] }[] };
    const span = json.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe(TRACE);
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(span.links[0].spanId).toBe('00f067aa0ba902b7');
  });
});

describe('encodeExportResponse', () => {
  it('is empty when nothing was rejected', () => {
    expect(encodeExportResponse({ rejectedSpans: 0, errorMessage: '' }, 'protobuf')).toEqual(new Uint8Array(0));
    expect(encodeExportResponse({ rejectedSpans: 0, errorMessage: '' }, 'json')).toBe('{}');
  });

  it('carries partial success with the rejected count and message', () => {
    const bytes = encodeExportResponse({ rejectedSpans: 5, errorMessage: 'too old ✗' }, 'protobuf');
    const r = new ProtoReader(bytes);
    expect(r.tag()).toBe((1 << 3) | 2);
    r.end = r.pos + r.length() + 1; // the length prefix is one byte here
    expect(r.tag()).toBe((1 << 3) | 0);
    expect(r.int64()).toBe(5n);
    expect(r.tag()).toBe((2 << 3) | 2);
    expect(r.string()).toBe('too old ✗');
    expect(r.pos).toBe(bytes.length);
    expect(JSON.parse(encodeExportResponse({ rejectedSpans: 5n, errorMessage: 'x' }, 'json'))).toEqual({ partialSuccess: { rejectedSpans: '5', errorMessage: 'x' } });
    expect(JSON.parse(encodeExportResponse({ rejectedSpans: 0, errorMessage: 'warn' }, 'json'))).toEqual({ partialSuccess: { errorMessage: 'warn' } });
  });
});

describe('decodeOtlpJson under random edits', () => {
  it('decodes or throws OTLP_ERR_MALFORMED, never anything else', () => {
    const base = JSON.stringify(tracesDataToJson(makeTracesData(), { ids: 'hex' }));
    const alphabet = '{}[]":,0123456789abcdefXn-.eE \\tru';
    let seed = 99;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let decoded = 0;
    for (let round = 0; round < 3000; round++) {
      const chars = base.split('');
      for (let k = 0, edits = 1 + rand(3); k < edits; k++) chars[rand(chars.length)] = alphabet[rand(alphabet.length)];
      try {
        decodeOtlpJson(chars.join(''));
        decoded++;
      } catch (e) {
        expect(isSpanbaseError(e, OTLP_ERR_MALFORMED), String(e)).toBe(true);
        expect((e as Error).cause).toBeUndefined();
      }
    }
    expect(decoded).toBeGreaterThan(50);
  });
});
