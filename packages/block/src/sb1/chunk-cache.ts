// Verified column chunks of data.parquet, as read (compressed), bounded in bytes. A search reads
// the same few columns of the same recent blocks again and again; without a cache each read opens
// the object, reads the range and CRC-checks it again (measured: about a sixth of a duration
// search's time on a 5-million-span hour). A chunk is checked once, when first read, and kept as
// its own copy so an evicted neighbour's read buffer is not held. Readers use one only when given
// one (the query workers each keep one).
import { ByteLru } from './byte-lru.ts';

/** An LRU of verified chunk bytes by block, row group and column. */
export class ChunkCache extends ByteLru<Uint8Array> {
  constructor(maxBytes: number) {
    super(maxBytes, (b) => b.byteLength);
  }

  /** The cache key of a chunk. */
  static key(dataKey: string, rowGroupOffset: number, column: number): string {
    return `${dataKey}@${rowGroupOffset}#${column}`;
  }
}
