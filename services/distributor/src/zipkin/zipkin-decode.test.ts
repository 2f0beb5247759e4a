// Zipkin's wire formats: v2 JSON, proto3 (encoded here by hand from zipkin.proto's field numbers)
// and v1 JSON, with a clear 400 for every malformed input.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@spanbase/model';
import { ipv6Text, parseHexId } from './zipkin-ids.ts';
import { decodeZipkinJson } from './zipkin-json.ts';
import { decodeZipkinProto } from './zipkin-proto.ts';
import { decodeZipkinV1Json } from './zipkin-v1.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('ids and addresses', () => {
  it('pads hex ids and refuses zero, too long or non-hex ones', () => {
    expect(bytesToHex(parseHexId('abc', 8)!)).toBe('0000000000000abc');
    expect(parseHexId('0000', 8)).toBeUndefined();
    expect(parseHexId('1'.repeat(17), 8)).toBeUndefined();
    expect(parseHexId('xyz', 8)).toBeUndefined();
  });

  it('writes IPv6 in its short form', () => {
    const b = new Uint8Array(16);
    b.set([0x20, 0x01, 0x0d, 0xb8], 0);
    b[15] = 1;
    expect(ipv6Text(b)).toBe('2001:db8::1');
    expect(ipv6Text(new Uint8Array(16))).toBe('::');
  });
});

describe('v2 JSON', () => {
  it('names the span and field that is wrong', () => {
    const ok = { traceId: '1', id: '2' };
    expect(decodeZipkinJson(json([ok]))).toHaveLength(1);
    expect(() => decodeZipkinJson(json([ok, { ...ok, localEndpoint: { port: 70000 } }]))).toThrow(/\[1\]\.localEndpoint\.port/);
    expect(() => decodeZipkinJson(json([{ ...ok, annotations: [{ timestamp: 1, value: 5 }] }]))).toThrow(/annotations\[0\]\.value/);
    expect(() => decodeZipkinJson(json([{ ...ok, parentId: 'zz' }]))).toThrow(/parentId/);
    expect(() => decodeZipkinJson(Buffer.from([0xff, 0xfe]))).toThrow(/invalid JSON/);
  });

  it('rounds fractional microseconds instead of refusing the batch', () => {
    const [s] = decodeZipkinJson(json([{ traceId: '1', id: '2', timestamp: 1700000000000000.75, duration: 10.4 }]));
    expect([s.timestamp, s.duration]).toEqual([1700000000000001n, 10n]);
  });
});

/** A message built field by field with the protobuf wire format (tag, then value). */
class Msg {
  private readonly parts: number[] = [];
  private varint(n: bigint): void {
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      this.parts.push(b);
    } while (n > 0n);
  }
  uint(field: number, v: number | bigint): this {
    this.varint(BigInt(field << 3));
    this.varint(BigInt(v));
    return this;
  }
  fixed64(field: number, v: bigint): this {
    this.varint(BigInt((field << 3) | 1));
    for (let i = 0n; i < 8n; i++) this.parts.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }
  bytes(field: number, v: Uint8Array | string | Msg): this {
    const b = v instanceof Msg ? v.finish() : typeof v === 'string' ? Buffer.from(v) : v;
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(b.length));
    this.parts.push(...b);
    return this;
  }
  finish(): Uint8Array {
    return new Uint8Array(this.parts);
  }
}

const list = (span: Msg) => new Msg().bytes(1, span).finish();

describe('proto3', () => {
  it('reads every field of zipkin.proto', () => {
    const body = list(new Msg()
      .bytes(1, Buffer.from('0102030405060708', 'hex'))
      .bytes(2, Buffer.from('00000000000000aa', 'hex'))
      .bytes(3, Buffer.from('00000000000000bb', 'hex'))
      .uint(4, 2)
      .bytes(5, 'get')
      .fixed64(6, 1_700_000_000_000_000n)
      .uint(7, 1500)
      .bytes(8, new Msg().bytes(1, 'svc').bytes(2, new Uint8Array([127, 0, 0, 1])).uint(4, 8080))
      .bytes(10, new Msg().fixed64(1, 5n).bytes(2, 'sr'))
      .bytes(11, new Msg().bytes(1, 'k').bytes(2, 'v'))
      .uint(12, 1)
      .uint(13, 1)
      .uint(99, 7));
    const [s] = decodeZipkinProto(body);
    expect(bytesToHex(s.traceId)).toBe('00000000000000000102030405060708');
    expect(s).toMatchObject({ kind: 'SERVER', name: 'get', timestamp: 1_700_000_000_000_000n, duration: 1500n, localEndpoint: { serviceName: 'svc', ipv4: '127.0.0.1', ipv6: '', port: 8080 }, annotations: [{ timestamp: 5n, value: 'sr' }], tags: [['k', 'v']], debug: true, shared: true });
    expect(bytesToHex(s.parentId!)).toBe('00000000000000aa');
  });

  it('refuses missing ids and truncated messages', () => {
    expect(() => decodeZipkinProto(list(new Msg().bytes(3, Buffer.from('00000000000000bb', 'hex'))))).toThrow(/trace_id: missing/);
    expect(() => decodeZipkinProto(list(new Msg().bytes(1, new Uint8Array(16).fill(1)).bytes(3, new Uint8Array(3))))).toThrow(/id: invalid \(3 bytes\)/);
    expect(() => decodeZipkinProto(new Uint8Array([0x0a, 0x10, 0x0a]))).toThrow(/invalid Zipkin protobuf/);
  });
});

describe('v1 JSON', () => {
  it('splits a span with client and server sides into a client span and a shared server span', () => {
    const ep = (serviceName: string) => ({ serviceName });
    const spans = decodeZipkinV1Json(json([{ traceId: 'a', id: 'b', name: 'rpc', annotations: [{ timestamp: 10, value: 'cs', endpoint: ep('c') }, { timestamp: 20, value: 'sr', endpoint: ep('s') }, { timestamp: 30, value: 'ss', endpoint: ep('s') }, { timestamp: 40, value: 'cr', endpoint: ep('c') }, { timestamp: 25, value: 'cache-miss', endpoint: ep('s') }], binaryAnnotations: [{ key: 'ca', value: true, endpoint: ep('c') }] }]));
    expect(spans.map((s) => [s.kind, s.shared, s.timestamp, s.duration, s.localEndpoint?.serviceName, s.remoteEndpoint?.serviceName])).toEqual([['CLIENT', false, 10n, 30n, 'c', undefined], ['SERVER', true, 20n, 10n, 's', 'c']]);
    expect(spans[0].annotations).toEqual([{ timestamp: 25n, value: 'cache-miss' }]);
  });

  it('refuses spans without valid ids', () => {
    expect(() => decodeZipkinV1Json(json([{ traceId: 'a' }]))).toThrow(/\[0\]\.id/);
  });
});
