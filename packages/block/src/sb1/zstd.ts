// zstd for Parquet pages. Node's zstdDecompressSync builds a fresh decoder context per call
// (about 20 µs), which dominated trace lookups: a lookup touches ~100 small pages, and most small
// pages come out of zstd as frames of raw or RLE blocks only. Those frames are unpacked here
// directly (RFC 8878 §3.1); any frame with a compressed block goes to node:zlib.
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { BlockFormat } from '../errors.ts';

const MAGIC = 0xfd2fb528;

const OPTIONS = new Map<number, { params: Record<number, number> }>();

/** Compresses one page at `level`. */
export function zstdCompress(input: Uint8Array, level: number): Uint8Array {
  let o = OPTIONS.get(level);
  if (!o) OPTIONS.set(level, (o = { params: { [constants.ZSTD_c_compressionLevel]: level } }));
  return zstdCompressSync(input, o);
}

const RAW_BLOCK_MAX = 128 * 1024;

/**
 * A zstd frame holding `input` in raw (stored) blocks: what zstd itself emits for data it cannot
 * compress, made without a compressor context. For pages too small for zstd to gain anything,
 * a call to node:zlib (~20 µs of context setup) costs more than the page is worth.
 */
export function zstdRawFrame(input: Uint8Array): Uint8Array {
  const n = input.length;
  // Single segment; frame content size in 1, 2 (minus 256), 4 or 8 bytes.
  const fcsBytes = n < 256 ? 1 : n < 65536 + 256 ? 2 : 4;
  const blocks = Math.max(1, Math.ceil(n / RAW_BLOCK_MAX));
  const out = new Uint8Array(5 + fcsBytes + 3 * blocks + n);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  out[4] = ((fcsBytes === 1 ? 0 : fcsBytes === 2 ? 1 : 2) << 6) | (1 << 5);
  if (fcsBytes === 1) out[5] = n;
  else if (fcsBytes === 2) v.setUint16(5, n - 256, true);
  else v.setUint32(5, n, true);
  let at = 5 + fcsBytes;
  for (let b = 0; b < blocks; b++) {
    const from = b * RAW_BLOCK_MAX;
    const size = Math.min(RAW_BLOCK_MAX, n - from);
    const header = (size << 3) | (b === blocks - 1 ? 1 : 0);
    out[at] = header & 0xff;
    out[at + 1] = (header >>> 8) & 0xff;
    out[at + 2] = (header >>> 16) & 0xff;
    out.set(input.subarray(from, from + size), at + 3);
    at += 3 + size;
  }
  return out;
}

function viaZlib(input: Uint8Array, size: number): Uint8Array {
  const out = zstdDecompressSync(input);
  if (out.byteLength !== size) throw BlockFormat(`zstd frame holds ${out.byteLength} bytes, page header says ${size}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Decompresses one zstd frame of known output size. Frames made only of raw and RLE blocks
 * are copied out without a decoder; others go to node:zlib.
 */
export function zstdDecompress(input: Uint8Array, size: number): Uint8Array {
  if (input.length < 6 || (input[0] | (input[1] << 8) | (input[2] << 16) | (input[3] << 24)) >>> 0 !== MAGIC) return viaZlib(input, size);
  const fhd = input[4];
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const fcsBytes = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag];
  let at = 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
  if (dictBytes > 0) return viaZlib(input, size);
  const out = new Uint8Array(size);
  let written = 0;
  while (true) {
    if (at + 3 > input.length) return viaZlib(input, size);
    const bh = input[at] | (input[at + 1] << 8) | (input[at + 2] << 16);
    at += 3;
    const last = bh & 1;
    const type = (bh >> 1) & 3;
    const blockSize = bh >>> 3;
    if (type === 0) {
      if (at + blockSize > input.length || written + blockSize > size) return viaZlib(input, size);
      out.set(input.subarray(at, at + blockSize), written);
      at += blockSize;
      written += blockSize;
    } else if (type === 1) {
      if (at + 1 > input.length || written + blockSize > size) return viaZlib(input, size);
      out.fill(input[at], written, written + blockSize);
      at += 1;
      written += blockSize;
    } else {
      return viaZlib(input, size);
    }
    if (last) break;
  }
  if (written !== size) throw BlockFormat(`zstd frame holds ${written} bytes, page header says ${size}`);
  return out;
}
