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
