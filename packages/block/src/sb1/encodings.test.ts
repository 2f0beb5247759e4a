import { deltaBinaryUnpack, readRleBitPackedHybrid } from './parquet-internals.ts';
import { describe, expect, it } from 'vitest';
import { Rng } from '../testing/random.ts';
import { ByteBuffer } from './bytes.ts';
import { writeDeltaInt64, writeHybrid } from './encodings.ts';

/** A plain reference decoder of the hybrid (hyparquet's own handles widths up to 24 bits). */
function referenceHybrid(bytes: Uint8Array, width: number, n: number): number[] {
  const out: number[] = [];
  let at = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (out.length < n) {
    const header = varint();
    if (header % 2 === 0) {
      let v = 0;
      for (let b = 0; b < (width + 7) >> 3; b++) v += bytes[at++] * 2 ** (8 * b);
      for (let k = 0; k < header / 2; k++) out.push(v);
    } else {
      let bit = at * 8;
      for (let k = 0; k < ((header - 1) / 2) * 8; k++) {
        let v = 0;
        for (let j = 0; j < width; j++, bit++) if (bytes[bit >> 3] & (1 << (bit & 7))) v += 2 ** j;
        out.push(v);
      }
      at = Math.ceil(bit / 8);
    }
  }
  return out.slice(0, n);
}

function reader(b: ByteBuffer) {
  const bytes = b.view();
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
}

describe('sb1 value encodings, read back by hyparquet', () => {
  it('RLE/bit-packed hybrid: runs, noise and every width up to 31 bits (hyparquet reads up to 24)', () => {
    const rng = new Rng(4);
    for (const width of [1, 2, 3, 7, 8, 13, 20, 24, 25, 31]) {
      const n = 1 + rng.int(3000);
      const values = new Int32Array(n);
      for (let i = 0; i < n; ) {
        const v = rng.int(2 ** Math.min(width, 30)) | (width === 31 && rng.chance(0.5) ? 2 ** 30 : 0);
        const run = rng.chance(0.3) ? 1 + rng.int(40) : 1;
        for (let k = 0; k < run && i < n; k++) values[i++] = v;
      }
      const out = new ByteBuffer(16);
      writeHybrid(out, values, 0, n, width);
      expect(referenceHybrid(out.view(), width, n)).toEqual([...values]);
      if (width > 24) continue;
      const back = new Int32Array(n);
      readRleBitPackedHybrid(reader(out), width, back, out.length);
      expect(back).toEqual(values);
    }
  });

  it('RLE/bit-packed hybrid of a sub-range', () => {
    const values = Int32Array.from({ length: 100 }, (_, i) => (i < 50 ? 1 : i % 3));
    const out = new ByteBuffer(16);
    writeHybrid(out, values, 40, 90, 2);
    const back = new Int32Array(50);
    readRleBitPackedHybrid(reader(out), 2, back, out.length);
    expect(back).toEqual(values.subarray(40, 90));
  });

  it('DELTA_BINARY_PACKED INT64: durations, negatives, full-range values and every block boundary', () => {
    const rng = new Rng(5);
    const cases: bigint[][] = [[], [7n], Array.from({ length: 128 }, () => 5n)];
    for (const n of [2, 127, 128, 129, 257, 1000]) cases.push(Array.from({ length: n }, () => BigInt(Math.round(rng.logNormal(2e6, 3)))));
    cases.push(Array.from({ length: 300 }, () => BigInt(rng.int(2 ** 30)) * BigInt(rng.int(2 ** 21)) - 2n ** 50n));
    cases.push([0n, 2n ** 63n - 1n, -(2n ** 63n), 5n, -1n, 2n ** 51n, -(2n ** 51n)]);
    for (const values of cases) {
      const big = BigInt64Array.from(values);
      const out = new ByteBuffer(16);
      writeDeltaInt64(out, new Int32Array(big.buffer), 0, big.length);
      const back = new BigInt64Array(big.length);
      deltaBinaryUnpack(reader(out), big.length, back);
      expect([...back]).toEqual([...big]);
    }
  });
});
