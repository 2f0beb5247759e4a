import type { KeyValue, Span } from '@spanbase/model';
import { bytesToHex, flattenTracesData } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest, MessageDecoder } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { ProtoWriter } from './proto-writer.ts';
import { scanExportRequest } from './scan.ts';
import { AttributeCursor, SpanFields, VALUE_TYPES } from './span-fields.ts';
import { makeTracesData } from './test-data.ts';

const text = (b: Uint8Array, at: number, len: number) => (at < 0 ? '' : new TextDecoder().decode(b.subarray(at, at + len)));
const hex = (b: Uint8Array, at: number, len: number) => (at < 0 ? '' : bytesToHex(b.subarray(at, at + len)));
const u64 = (lo: number, hi: number) => (BigInt(hi) << 32n) | BigInt(lo);

/** What SpanFields and AttributeCursor see, in the model's shape (nested values through MessageDecoder). */
function viaFields(bytes: Uint8Array, offset: number, length: number): Partial<Span> {
  const f = new SpanFields();
  f.read(bytes, offset, length);
  const d = new MessageDecoder(bytes);
  const c = new AttributeCursor();
  c.start(bytes, offset, length);
  const attributes: KeyValue[] = [];
  while (c.next()) {
    const key = text(bytes, c.key, c.keyLength);
    const type = VALUE_TYPES[c.type];
    let value: KeyValue['value'];
    if (type === 'string') value = { type, value: text(bytes, c.value, c.valueLength) };
    else if (type === 'int') value = { type, value: BigInt.asIntN(64, u64(c.lo, c.hi)) };
    else if (type === 'bool') value = { type, value: (c.lo | c.hi) !== 0 };
    else if (type === 'double') value = { type, value: c.double };
    else value = c.anyValueLength > 0 ? d.anyValue(c.anyValue, c.anyValueLength) : { type: 'empty' };
    attributes.push({ key, value });
  }
  expect(attributes.length).toBe(f.attributes);
  return {
    traceId: bytes.slice(f.traceId, f.traceId + f.traceIdLength), spanId: bytes.slice(f.spanId, f.spanId + f.spanIdLength),
    parentSpanId: f.parentSpanId < 0 ? new Uint8Array(0) : bytes.slice(f.parentSpanId, f.parentSpanId + f.parentSpanIdLength),
    traceState: text(bytes, f.traceState, f.traceStateLength), name: text(bytes, f.name, f.nameLength), kind: f.kind as Span['kind'],
    startTimeUnixNano: u64(f.startLo, f.startHi), endTimeUnixNano: u64(f.endLo, f.endHi), attributes, droppedAttributesCount: f.droppedAttributesCount,
    events: f.events ? d.events(offset, length) : [], droppedEventsCount: f.droppedEventsCount, links: f.links ? d.links(offset, length) : [],
    droppedLinksCount: f.droppedLinksCount, status: { code: f.statusCode as Span['status']['code'], message: text(bytes, f.statusMessage, f.statusMessageLength) }, flags: f.flags,
  };
}

describe('SpanFields and AttributeCursor', () => {
  it('see every field and value type as the full decoder does', () => {
    const scan = scanExportRequest(encodeTracesData(makeTracesData()));
    const want = flattenTracesData(decodeExportRequest(scan.bytes));
    for (let i = 0; i < scan.spanCount; i++) {
      const got = viaFields(scan.bytes, scan.spanOffset[i], scan.spanLength[i]);
      expect({ ...got, traceId: hex(got.traceId!, 0, 16) }).toEqual({ ...want[i].span, traceId: bytesToHex(want[i].span.traceId) });
    }
  });

  it('take the last occurrence of a repeated scalar, status and value member, as the decoder does', () => {
    const w = new ProtoWriter();
    const msg = (field: number, body: () => void) => {
      w.tag(field, 2);
      const m = w.begin();
      body();
      w.finish(m);
    };
    w.tag(5, 2); w.string('first');
    w.tag(5, 2); w.string('second');
    msg(15, () => { w.tag(2, 2); w.string('old'); w.tag(3, 0); w.uint32(2); });
    msg(15, () => { w.tag(3, 0); w.uint32(1); });
    msg(9, () => { w.tag(1, 2); w.string('k'); msg(2, () => { w.tag(1, 2); w.string('s'); w.tag(3, 0); w.uint32(7); }); });
    const body = w.result().slice();
    const got = viaFields(body, 0, body.length);
    expect(got.name).toBe('second');
    expect(got.status).toEqual({ code: 1, message: '' });
    expect(got.attributes).toEqual([{ key: 'k', value: { type: 'int', value: 7n } }]);
    const decoded = new MessageDecoder(body).span(0, body.length);
    expect({ name: decoded.name, status: decoded.status, attributes: decoded.attributes }).toEqual({ name: got.name, status: got.status, attributes: got.attributes });
  });
});
