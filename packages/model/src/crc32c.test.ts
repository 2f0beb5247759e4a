import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.ts';

describe('crc32c', () => {
  it('matches the standard check value', () => {
    // The CRC catalogue's check value for CRC-32C over the ASCII digits 1..9.
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 B.4 test vector: 32 bytes of zeros.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });
  it('continues across chunks and sub-ranges', () => {
    const data = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
    const whole = crc32c(data);
    expect(crc32c(data, crc32c(data, 0, 0, 333), 333)).toBe(whole);
    expect(crc32c(data.subarray(10, 500))).toBe(crc32c(data, 0, 10, 500));
  });
});

describe('crc32c word path', () => {
  it('agrees with the byte path at every alignment and length', () => {
    const data = new Uint8Array(4096 + 16).map((_, i) => (i * 131 + 17) & 0xff);
    // Reference: byte at a time, straight from the polynomial.
    const ref = (b: Uint8Array) => {
      let c = ~0;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    for (const start of [0, 1, 2, 3, 5]) for (const len of [0, 7, 63, 64, 65, 1000, 4096]) expect(crc32c(data.subarray(start, start + len))).toBe(ref(data.subarray(start, start + len)));
  });
});
