import { crc32c } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { idFromNumber } from '../testing/conformance-traces.ts';
import { Rng } from '../testing/random.ts';
import { BLOOM_HEADER_BYTES, BloomBuilder, bloomMayContain, bloomShardCount, bloomShardOf, murmur3, murmur3Range, parseBloomShard } from './bloom.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('murmur3 (x86, 32-bit)', () => {
  it('matches the published test vectors', () => {
    expect(murmur3(text(''), 0)).toBe(0);
    expect(murmur3(text(''), 1)).toBe(0x514e28b7);
    expect(murmur3(text(''), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(new Uint8Array(4), 0)).toBe(0x2362f9de);
    expect(murmur3(text('a'), 0x9747b28c)).toBe(0x7fa09ea6);
    expect(murmur3(text('ab'), 0x9747b28c)).toBe(0x74875592);
    expect(murmur3(text('abc'), 0x9747b28c)).toBe(0xc84a62dd);
    expect(murmur3(text('abcd'), 0x9747b28c)).toBe(0xf0478627);
    expect(murmur3(text('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(murmur3(text('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('hashes a range of a buffer as those bytes alone, whatever its offset and tail', () => {
    const b = text('..The quick brown fox jumps over the lazy dog..');
    expect(murmur3Range(b, 2, b.length - 2, 0x9747b28c)).toBe(0x2fa826cd);
    for (let from = 0; from < 5; from++) for (let to = from; to < from + 9; to++) expect(murmur3Range(b, from, to, 7), `${from}..${to}`).toBe(murmur3(b.slice(from, to), 7));
  });
});

function build(ids: Uint8Array[], fp: number, shardBytes: number) {
  const b = new BloomBuilder();
  for (const id of ids) b.add(id);
  return b.build(fp, shardBytes).map(parseBloomShard);
}

function fpRate(shards: ReturnType<typeof build>, probes: Uint8Array[]): number {
  let hits = 0;
  for (const id of probes) if (bloomMayContain(shards[bloomShardOf(id, shards.length)], id)) hits++;
  return hits / probes.length;
}

describe('trace-id bloom filter', () => {
  it('holds every id and keeps the target false-positive rate, for sequential and random ids', () => {
    const even = Array.from({ length: 20000 }, (_, i) => idFromNumber(BigInt(i) * 2n));
    const odd = Array.from({ length: 20000 }, (_, i) => idFromNumber(BigInt(i) * 2n + 1n));
    const shards = build(even, 0.01, 100 * 1024);
    for (const id of even) expect(bloomMayContain(shards[bloomShardOf(id, shards.length)], id)).toBe(true);
    const seqRate = fpRate(shards, odd);
    expect(seqRate).toBeLessThan(0.015);
    expect(seqRate).toBeGreaterThan(0.005);
    const rng = new Rng(3);
    const random = Array.from({ length: 20000 }, () => rng.bytes(16));
    const randomShards = build(random, 0.001, 100 * 1024);
    expect(fpRate(randomShards, Array.from({ length: 20000 }, () => rng.bytes(16)))).toBeLessThan(0.002);
  });

  it('splits into shards that each hold their ids and spread evenly', () => {
    const ids = Array.from({ length: 30000 }, (_, i) => idFromNumber(BigInt(i)));
    const shardBytes = 2048;
    const shards = build(ids, 0.01, shardBytes);
    expect(shards.length).toBe(bloomShardCount(ids.length, 0.01, shardBytes));
    expect(shards.length).toBeGreaterThan(10);
    for (const [i, s] of shards.entries()) {
      expect(s.shardIndex).toBe(i);
      expect(s.shardCount).toBe(shards.length);
      expect(s.k).toBe(7);
    }
    const counts = shards.map((s) => s.items);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThan(1.4);
    for (const id of ids) expect(bloomMayContain(shards[bloomShardOf(id, shards.length)], id)).toBe(true);
    expect(fpRate(shards, Array.from({ length: 20000 }, (_, i) => idFromNumber(BigInt(i) + 1_000_000n)))).toBeLessThan(0.015);
  });

  it('sized up front for an expected count: holds every id, keeps the rate, and degrades only in rate past the bound', () => {
    const ids = Array.from({ length: 30000 }, (_, i) => idFromNumber(BigInt(i) * 2n));
    const probes = Array.from({ length: 20000 }, (_, i) => idFromNumber(BigInt(i) * 2n + 1n));
    const sized = (expected: number, take: number) => {
      const b = new BloomBuilder({ expectedItems: expected, falsePositive: 0.01, shardBytes: 2048 });
      for (const id of ids.slice(0, take)) b.add(id);
      return b.build(0.01, 2048).map(parseBloomShard);
    };
    // A bound 20% above the real count (compaction's inputs overlap): one filter, the same shards as
    // the hashing builder would choose for the bound, every id present, the rate at or below target.
    const shards = sized(36000, ids.length);
    expect(shards.length).toBe(bloomShardCount(36000, 0.01, 2048));
    expect(shards.map((s) => s.items).reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (const [i, s] of shards.entries()) expect([s.shardIndex, s.shardCount]).toEqual([i, shards.length]);
    for (const id of ids) expect(bloomMayContain(shards[bloomShardOf(id, shards.length)], id)).toBe(true);
    expect(fpRate(shards, probes)).toBeLessThan(0.012);
    // Three times more ids than the bound: still no false negatives, a worse rate.
    const over = sized(10000, ids.length);
    for (const id of ids) expect(bloomMayContain(over[bloomShardOf(id, over.length)], id)).toBe(true);
    expect(fpRate(over, probes)).toBeGreaterThan(0.05);
  });

  it('keeps its byte layout (a golden filter)', () => {
    const [shard] = build([idFromNumber(1n), idFromNumber(2n), idFromNumber(3n)], 0.01, 1024);
    expect(Buffer.from(shard.bytes.subarray(0, BLOOM_HEADER_BYTES)).toString('hex')).toBe('5342314201010700400000000000000001000000' + '03000000');
    expect(crc32c(shard.bytes)).toBe(GOLDEN_CRC);
  });

  it('rejects objects that are not shards', () => {
    const [shard] = build([idFromNumber(1n)], 0.01, 1024);
    const bad = shard.bytes.slice();
    bad[0] ^= 1;
    expect(() => parseBloomShard(bad)).toThrow(/magic/);
    expect(() => parseBloomShard(shard.bytes.subarray(0, 30))).toThrow(/size/);
    expect(() => parseBloomShard(new Uint8Array(3))).toThrow(/header/);
  });
});

// CRC32C of the golden filter above; it changes only if the hash, sizing or layout changes, which sb1 forbids.
const GOLDEN_CRC = 1057454486;
