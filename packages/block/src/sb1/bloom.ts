// Trace-id bloom filter, split into shards so a lookup fetches one small object. Layout, hash
// and sizing are specified in docs/design/2026-11 Block format sb1.md ("Bloom filter"); they are
// part of the format and must not change within sb1.
import { BlockFormat } from '../errors.ts';

/** Magic at the start of every shard: ASCII "SB1B". */
export const BLOOM_MAGIC = 0x42314253;
/** Shard header length in bytes. */
export const BLOOM_HEADER_BYTES = 24;
/** Seeds of the three MurmurHash3 (x86, 32-bit) passes: shard choice, then the two bit hashes. */
export const BLOOM_SEEDS = [0x5b1b100d, 0x9747b28c, 0x85ebca6b] as const;
/** Most shards a block may have (Tempo's bound too). */
export const MAX_BLOOM_SHARDS = 1000;

/**
 * MurmurHash3 x86 32-bit of `bytes` with `seed`. Mixes every byte, so sequential or otherwise
 * non-random ids spread as well as random ones. Little-endian block reads; same on every platform.
 */
export function murmur3(bytes: Uint8Array, seed: number): number {
  return murmur3Range(bytes, 0, bytes.length, seed);
}

/** {@link murmur3} of bytes[from, to). */
export function murmur3Range(bytes: Uint8Array, from: number, to: number, seed: number): number {
  let h = seed >>> 0;
  const n = to - from;
  const blocks = from + (n & ~3);
  for (let i = from; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = n & 3;
  if (rest > 0) {
    let k = bytes[blocks];
    if (rest > 1) k ^= bytes[blocks + 1] << 8;
    if (rest > 2) k ^= bytes[blocks + 2] << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard that holds `id` in a filter of `shardCount` shards. */
export function bloomShardOf(id: Uint8Array, shardCount: number): number {
  return murmur3(id, BLOOM_SEEDS[0]) % shardCount;
}

/** Bits per item and hash count for a false-positive rate (the textbook optimum). */
export function bloomParameters(falsePositive: number): { bitsPerItem: number; k: number } {
  const bitsPerItem = -Math.log(falsePositive) / (Math.LN2 * Math.LN2);
  return { bitsPerItem, k: Math.max(1, Math.min(32, Math.round(bitsPerItem * Math.LN2))) };
}

/** Shard count for `items` ids: enough shards that none exceeds `shardBytes` of bits. */
export function bloomShardCount(items: number, falsePositive: number, shardBytes: number): number {
  const bits = items * bloomParameters(falsePositive).bitsPerItem;
  return Math.max(1, Math.min(MAX_BLOOM_SHARDS, Math.ceil(bits / (shardBytes * 8))));
}

/**
 * Builds a block's filter while it is written. Without an expected count it keeps 12 bytes of
 * hashes per trace and sizes each shard for the ids that fell into it at the end; given an upper
 * bound on the trace count (compaction knows one: the inputs' trace totals) it sizes the shards up
 * front and sets bits as ids arrive, so memory is the finished filter's (about 1.2 bytes per trace
 * at 1%) instead of ten times that. More ids than expected only raise the false-positive rate.
 */
export class BloomBuilder {
  private hashes = new Uint32Array(3 * 1024);
  private count = 0;
  private readonly sized?: { shards: Uint8Array[]; items: Uint32Array; bitCounts: Uint32Array; k: number };

  constructor(opts: { expectedItems?: number; falsePositive?: number; shardBytes?: number } = {}) {
    const { expectedItems, falsePositive, shardBytes } = opts;
    if (expectedItems === undefined || falsePositive === undefined || shardBytes === undefined) return;
    const shardCount = bloomShardCount(expectedItems, falsePositive, shardBytes);
    const { bitsPerItem, k } = bloomParameters(falsePositive);
    const bitCount = shardBits(Math.ceil(expectedItems / shardCount), bitsPerItem);
    const shards = Array.from({ length: shardCount }, (_, s) => shardObject(bitCount, k, s, shardCount));
    this.hashes = new Uint32Array(0);
    this.sized = { shards, items: new Uint32Array(shardCount), bitCounts: new Uint32Array(shardCount).fill(bitCount), k };
  }

  /** Number of ids added. */
  get size(): number {
    return this.count;
  }

  /** Records one id. */
  add(id: Uint8Array): void {
    this.count++;
    const h0 = murmur3(id, BLOOM_SEEDS[0]);
    const h1 = murmur3(id, BLOOM_SEEDS[1]);
    const h2 = murmur3(id, BLOOM_SEEDS[2]);
    const sized = this.sized;
    if (sized) {
      const s = h0 % sized.shards.length;
      sized.items[s]++;
      setBits(sized.shards[s], sized.bitCounts[s], sized.k, h1, h2);
      return;
    }
    const at = (this.count - 1) * 3;
    if (at + 3 > this.hashes.length) {
      const next = new Uint32Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[at] = h0;
    this.hashes[at + 1] = h1;
    this.hashes[at + 2] = h2;
  }

  /**
   * Serialized shards. Without an expected count each is sized for the ids that fell into it;
   * with one, the arguments must be those given to the constructor.
   */
  build(falsePositive: number, shardBytes: number): Uint8Array[] {
    if (this.sized) {
      const { shards, items } = this.sized;
      shards.forEach((shard, s) => new DataView(shard.buffer).setUint32(20, items[s], true));
      return shards;
    }
    const shardCount = bloomShardCount(this.count, falsePositive, shardBytes);
    const { bitsPerItem, k } = bloomParameters(falsePositive);
    const perShard = new Uint32Array(shardCount);
    for (let i = 0; i < this.count; i++) perShard[this.hashes[i * 3] % shardCount]++;
    const shards = Array.from(perShard, (n, s) => {
      const bytes = shardObject(shardBits(n, bitsPerItem), k, s, shardCount);
      new DataView(bytes.buffer).setUint32(20, n, true);
      return bytes;
    });
    for (let i = 0; i < this.count; i++) {
      const shard = shards[this.hashes[i * 3] % shardCount];
      const bitCount = shard.length * 8 - BLOOM_HEADER_BYTES * 8;
      setBits(shard, bitCount, k, this.hashes[i * 3 + 1], this.hashes[i * 3 + 2]);
    }
    return shards;
  }
}

/** Filter bits for `items` ids: a whole number of bytes, at least 64 bits. */
function shardBits(items: number, bitsPerItem: number): number {
  return Math.max(64, Math.ceil((items * bitsPerItem) / 8) * 8);
}

/** An empty shard object with its header written (the item count is set when it is finished). */
function shardObject(bitCount: number, k: number, shardIndex: number, shardCount: number): Uint8Array {
  const bytes = new Uint8Array(BLOOM_HEADER_BYTES + bitCount / 8);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, BLOOM_MAGIC, true);
  bytes[4] = 1;
  bytes[5] = 1;
  bytes[6] = k;
  v.setUint32(8, bitCount, true);
  v.setUint32(12, shardIndex, true);
  v.setUint32(16, shardCount, true);
  return bytes;
}

function setBits(shard: Uint8Array, bitCount: number, k: number, h1: number, h2: number): void {
  for (let i = 0; i < k; i++) {
    const bit = (h1 + i * h2) % bitCount;
    shard[BLOOM_HEADER_BYTES + (bit >>> 3)] |= 1 << (bit & 7);
  }
}

/** A parsed shard. */
export interface BloomShard {
  /** Hash count. */
  k: number;
  /** Number of filter bits. */
  bitCount: number;
  /** This shard's number. */
  shardIndex: number;
  /** Shards in the filter. */
  shardCount: number;
  /** Ids inserted into this shard. */
  items: number;
  /** The whole shard object. */
  bytes: Uint8Array;
}

/** Parses and checks a shard's header. Throws BLK_ERR_FORMAT when it is not one. */
export function parseBloomShard(bytes: Uint8Array): BloomShard {
  if (bytes.length < BLOOM_HEADER_BYTES) throw BlockFormat('bloom shard is shorter than its header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== BLOOM_MAGIC) throw BlockFormat('bloom shard has a bad magic number');
  if (bytes[4] !== 1 || bytes[5] !== 1) throw BlockFormat(`bloom shard version ${bytes[4]} / hash ${bytes[5]} is not supported`);
  const k = bytes[6];
  const bitCount = v.getUint32(8, true);
  if (k < 1 || bitCount === 0 || bitCount % 8 !== 0 || BLOOM_HEADER_BYTES + bitCount / 8 !== bytes.length) throw BlockFormat('bloom shard header does not match its size');
  return { k, bitCount, shardIndex: v.getUint32(12, true), shardCount: v.getUint32(16, true), items: v.getUint32(20, true), bytes };
}

/** False when `id` was certainly not inserted; true when it may have been. */
export function bloomMayContain(shard: BloomShard, id: Uint8Array): boolean {
  const h1 = murmur3(id, BLOOM_SEEDS[1]);
  const h2 = murmur3(id, BLOOM_SEEDS[2]);
  for (let i = 0; i < shard.k; i++) {
    const bit = (h1 + i * h2) % shard.bitCount;
    if ((shard.bytes[BLOOM_HEADER_BYTES + (bit >>> 3)] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
