import { describe, expect, it } from 'vitest';
import { xxhash64 } from './parquet-internals.ts';
import { xxhash64Halves } from './xxhash64.ts';

function reference(b: Uint8Array): [number, number] {
  const h = xxhash64(b);
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

describe('xxhash64Halves', () => {
  it('matches the XXH64 reference for every length up to 100 and past a few 32-byte stripes', () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (const len of [...Array.from({ length: 101 }, (_, i) => i), 255, 256, 1000, 4099]) {
      for (let k = 0; k < 3; k++) {
        const b = Uint8Array.from({ length: len }, rnd);
        expect(xxhash64Halves(b), `length ${len}`).toEqual(reference(b));
      }
    }
  });

  it('hashes a subrange as its own bytes', () => {
    const b = new TextEncoder().encode('..GET /api/orders/{id}..');
    expect(xxhash64Halves(b, 2, b.length - 2)).toEqual(reference(b.subarray(2, b.length - 2)));
  });

  it('gives the published XXH64 of the empty input', () => {
    // XXH64("", 0) = 0xef46db3751d8e999.
    expect(xxhash64Halves(new Uint8Array(0))).toEqual([0xef46db37, 0x51d8e999]);
  });
});
