// Verified bloom shards, kept parsed and bounded in bytes. A trace lookup tests one shard of
// every candidate block; reading it through the object store's cache still copied and
// CRC-checked it on every lookup (about two thirds of a warm lookup's time). With a BloomCache a
// shard is checked once, when first read. Readers use one only when given one (the querier
// shares one across its readers); without, every lookup reads and verifies the shard.
import type { BloomShard } from './bloom.ts';

/** An LRU of verified bloom shards by object key. */
export class BloomCache {
  private readonly shards = new Map<string, BloomShard>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes = 128 * 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  /** The cached shard for `key`, refreshed as most recently used. */
  get(key: string): BloomShard | undefined {
    const s = this.shards.get(key);
    if (s) {
      this.shards.delete(key);
      this.shards.set(key, s);
    }
    return s;
  }

  /** Keeps a verified shard, evicting the least recently used past the byte budget. */
  set(key: string, shard: BloomShard): void {
    const old = this.shards.get(key);
    if (old) this.bytes -= old.bytes.byteLength;
    this.shards.set(key, shard);
    this.bytes += shard.bytes.byteLength;
    while (this.bytes > this.maxBytes && this.shards.size > 1) {
      const [k, s] = this.shards.entries().next().value!;
      this.shards.delete(k);
      this.bytes -= s.bytes.byteLength;
    }
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }
}
