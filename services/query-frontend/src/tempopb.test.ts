import { describe, expect, it } from 'vitest';
import { acceptsProtobuf, encodeTraceByIdResponse } from './tempopb.ts';

describe('encodeTraceByIdResponse', () => {
  it('writes the fields with Tempo\'s numbers (known answer)', () => {
    const trace = new Uint8Array([0x0a, 0x00]); // Trace { resourceSpans: [{}] }
    const bytes = encodeTraceByIdResponse({ trace, inspectedBytes: 300, partial: true, message: 'hi' });
    expect([...bytes]).toEqual([
      0x0a, 0x02, 0x0a, 0x00, // 1: trace
      0x12, 0x03, 0x08, 0xac, 0x02, // 2: metrics { 1: inspectedBytes = 300 }
      0x18, 0x01, // 3: status = PARTIAL
      0x22, 0x02, 0x68, 0x69, // 4: message = "hi"
    ]);
  });

  it('keeps an empty trace field, so a reader that dereferences it finds an empty Trace', () => {
    const bytes = encodeTraceByIdResponse({ trace: new Uint8Array(0), inspectedBytes: 0, partial: false, message: '' });
    expect([...bytes]).toEqual([0x0a, 0x00, 0x12, 0x00]);
  });

  it('encodes byte counts past 2^32 and long messages with multi-byte lengths', () => {
    const message = 'x'.repeat(200);
    const bytes = encodeTraceByIdResponse({ trace: new Uint8Array(0), inspectedBytes: 2 ** 33 + 5, partial: false, message });
    // 2^33 + 5 as a varint: 0x85 0x80 0x80 0x80 0x20
    expect([...bytes.subarray(0, 10)]).toEqual([0x0a, 0x00, 0x12, 0x06, 0x08, 0x85, 0x80, 0x80, 0x80, 0x20]);
    expect([...bytes.subarray(10, 13)]).toEqual([0x22, 0xc8, 0x01]);
    expect(bytes.byteLength).toBe(13 + 200);
  });
});

describe('acceptsProtobuf', () => {
  it('matches the media type anywhere in the header, as Tempo does', () => {
    expect(acceptsProtobuf('application/protobuf')).toBe(true);
    expect(acceptsProtobuf('application/json, application/protobuf;q=0.9')).toBe(true);
    expect(acceptsProtobuf(['text/plain', 'application/protobuf'])).toBe(true);
    expect(acceptsProtobuf('application/json')).toBe(false);
    expect(acceptsProtobuf('application/x-protobuf')).toBe(false);
    expect(acceptsProtobuf(undefined)).toBe(false);
  });
});
