import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../testing/random.ts';
import { zstdCompress, zstdDecompress, zstdRawFrame } from './zstd.ts';

describe('zstd page codec', () => {
  it('unpacks raw and RLE frames itself and everything else through node:zlib, identically', () => {
    const rng = new Rng(1);
    const inputs = [new Uint8Array(0), rng.bytes(5), rng.bytes(3000), new Uint8Array(5000).fill(7), new TextEncoder().encode('abc'.repeat(2000)), rng.bytes(200_000)];
    for (const input of inputs) {
      for (const level of [1, 3, 15]) {
        const frame = zstdCompress(input, level);
        expect(Buffer.from(zstdDecompress(frame, input.length)).equals(Buffer.from(input))).toBe(true);
        expect(Buffer.from(zstdDecompressSync(frame)).equals(Buffer.from(input))).toBe(true);
      }
    }
  });

  it('makes raw frames any zstd decoder reads, in every frame-size width and over several blocks', () => {
    const rng = new Rng(3);
    for (const n of [0, 1, 255, 256, 65791, 65792, 131072, 300_000]) {
      const input = rng.bytes(n);
      const frame = zstdRawFrame(input);
      expect(Buffer.from(zstdDecompressSync(frame)).equals(Buffer.from(input)), `${n} bytes`).toBe(true);
      expect(Buffer.from(zstdDecompress(frame, n)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('rejects a frame whose content does not match the page size', () => {
    const frame = zstdCompressSync(new Rng(2).bytes(100));
    expect(() => zstdDecompress(frame, 99)).toThrow();
  });
});
