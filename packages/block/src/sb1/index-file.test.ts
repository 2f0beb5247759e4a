import { describe, expect, it } from 'vitest';
import { idFromNumber } from '../testing/conformance-traces.ts';
import type { BlockIndex } from './index-file.ts';
import { decodeIndex, encodeIndex } from './index-file.ts';

const index: BlockIndex = {
  columns: ['trace_id', 'name', 'ünïcode'],
  dataSize: 5000,
  footerOffset: 4000,
  footerCrc: 0xdeadbeef,
  rowGroups: [
    { minTraceId: idFromNumber(1n), maxTraceId: idFromNumber(9n), offset: 4, length: 1000, rows: 100, traces: 9, minStartUnixNano: 1n, maxEndUnixNano: 2n ** 64n - 1n, chunkOffsets: new Uint32Array([0, 10, 500, 1000]), chunkCrcs: new Uint32Array([1, 2, 3]) },
    { minTraceId: idFromNumber(10n), maxTraceId: idFromNumber(10n), offset: 1004, length: 2996, rows: 7, traces: 1, minStartUnixNano: 5n, maxEndUnixNano: 6n, chunkOffsets: new Uint32Array([0, 0, 2000, 2996]), chunkCrcs: new Uint32Array([4, 5, 0xffffffff]) },
  ],
};

describe('block index', () => {
  it('round-trips', () => {
    expect(decodeIndex(encodeIndex(index))).toEqual(index);
  });

  it('detects a flipped byte anywhere by its trailer checksum', () => {
    const bytes = encodeIndex(index);
    for (const at of [0, 20, 60, bytes.length - 10, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 0x10;
      expect(() => decodeIndex(bad)).toThrow();
    }
    expect(() => decodeIndex(bytes.subarray(0, bytes.length - 4))).toThrow();
  });
});
