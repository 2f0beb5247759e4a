import { describe, expect, it } from 'vitest';
import { bytesToHex, compareIds, hexToBytes, idKey, isAllZero, parseTraceIdParam, traceIdToSearchHex } from './ids.ts';

describe('trace id parameters', () => {
  it('left-pads short hex ids to 16 bytes', () => {
    expect(bytesToHex(parseTraceIdParam('abc')!)).toBe('00000000000000000000000000000abc');
    expect(bytesToHex(parseTraceIdParam('0123456789ABCDEF0123456789abcdef')!)).toBe('0123456789abcdef0123456789abcdef');
  });
  it('rejects empty, too long and non-hex ids', () => {
    expect(parseTraceIdParam('')).toBeUndefined();
    expect(parseTraceIdParam('0'.repeat(33))).toBeUndefined();
    expect(parseTraceIdParam('xyz')).toBeUndefined();
  });
  it('trims leading zeros for search results', () => {
    expect(traceIdToSearchHex(hexToBytes('000000000000000000000000000a0b0c')!)).toBe('a0b0c');
    expect(traceIdToSearchHex(new Uint8Array(16))).toBe('0');
  });
  it('orders ids as unsigned big-endian numbers', () => {
    expect(compareIds(hexToBytes('00ff')!, hexToBytes('0100')!)).toBeLessThan(0);
    expect(compareIds(hexToBytes('ff00')!, hexToBytes('0fff')!)).toBeGreaterThan(0);
    expect(isAllZero(new Uint8Array(8))).toBe(true);
    expect(isAllZero(hexToBytes('0001')!)).toBe(false);
  });
});

describe('idKey', () => {
  it('is one key per id, whatever its length', () => {
    const seen = new Map<string, string>();
    const ids: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) ids.push(Uint8Array.from({ length: 8 }, (_, k) => (i * 131 + k * 17 + (i >> 3)) & 0xff));
    ids.push(new Uint8Array(8), new Uint8Array(16), new Uint8Array(7), Uint8Array.from([1, 0, 0, 0, 0, 0, 0]), Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    for (const id of ids) {
      const hex = Buffer.from(id).toString('hex') + ':' + id.length;
      const k = idKey(id);
      expect(seen.get(k) ?? hex, hex).toBe(hex);
      seen.set(k, hex);
    }
  });
});
