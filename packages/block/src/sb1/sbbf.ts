// Split-block bloom filters: the Parquet format's bloom filter algorithm (32-byte blocks of eight
// 32-bit words; a value sets one bit in each word of the block its hash picks). sb1 uses it twice:
// standard Parquet bloom filters in data.parquet (XXH64 of the PLAIN bytes, as every Parquet
// reader expects) and the block's attribute value index (value-index.ts, its own hash). Hashes
// are carried as their unsigned high and low 32-bit halves, so no BigInt is made per value.
import { xxhash64Halves, xxhash64Into } from './xxhash64.ts';

const SALT = Uint32Array.of(0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31);
const TWO32 = 4294967296;
/** Bytes of one block. */
export const SBBF_BLOCK_BYTES = 32;

/**
 * Bytes for `ndv` distinct values at false-positive rate `fpp` (parquet-java's sizing: bits
 * m = -8·ndv / ln(1 - fpp^(1/8))), a whole number of blocks, at least one; rounded up to a power of
 * two when `powerOfTwo` (Arrow and parquet-java readers reject other sizes in data.parquet).
 */
export function sbbfBytes(ndv: number, fpp: number, powerOfTwo: boolean): number {
  const bits = (-8 * Math.max(1, ndv)) / Math.log(1 - fpp ** (1 / 8));
  const blocks = Math.max(1, Math.ceil(bits / 8 / SBBF_BLOCK_BYTES));
  if (!powerOfTwo) return blocks * SBBF_BLOCK_BYTES;
  let p = 1;
  while (p < blocks) p *= 2;
  return p * SBBF_BLOCK_BYTES;
}

function blockOf(words: Uint32Array, hi: number): number {
  // hi < 2^32 and blocks < 2^21: the product is exact in a double.
  return Math.floor((hi * (words.length >>> 3)) / TWO32) << 3;
}

/** Adds the hash (hi, lo: its unsigned 32-bit halves) to the filter. */
export function sbbfInsert(words: Uint32Array, hi: number, lo: number): void {
  const at = blockOf(words, hi);
  for (let i = 0; i < 8; i++) words[at + i] |= 1 << (Math.imul(lo, SALT[i]) >>> 27);
}

/** False when the hash was never inserted; true may be a false positive. */
export function sbbfContains(words: Uint32Array, hi: number, lo: number): boolean {
  const at = blockOf(words, hi);
  for (let i = 0; i < 8; i++) if ((words[at + i] & (1 << (Math.imul(lo, SALT[i]) >>> 27))) === 0) return false;
  return true;
}

/** XXH64 (seed 0) of `bytes` as unsigned halves [hi, lo]: the hash Parquet bloom filters use. */
export function xxhashHalves(bytes: Uint8Array, from = 0, to = bytes.length): [number, number] {
  return xxhash64Halves(bytes, from, to);
}

/** {@link xxhashHalves} into out ([hi, lo]), allocating nothing. */
export function xxhashInto(bytes: Uint8Array, from: number, to: number, out: Uint32Array): void {
  xxhash64Into(bytes, from, to, out);
}
