// Verified bloom shards, kept parsed and bounded in bytes. A trace lookup tests one shard of
// every candidate block; reading it through the object store's cache still copied and
// CRC-checked it on every lookup (about two thirds of a warm lookup's time). With a BloomCache a
// shard is checked once, when first read. Readers use one only when given one (the querier
// shares one across its readers); without, every lookup reads and verifies the shard.
import type { BloomShard } from './bloom.ts';
import { ByteLru } from './byte-lru.ts';

/** An LRU of verified bloom shards by object key. */
export class BloomCache extends ByteLru<BloomShard> {
  constructor(maxBytes = 128 * 1024 * 1024) {
    super(maxBytes, (s) => s.bytes.byteLength);
  }
}
