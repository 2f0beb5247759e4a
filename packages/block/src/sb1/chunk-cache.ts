// Column chunks of data.parquet as the TraceQL fetchers hold them: read, CRC-checked, and with
// every page they have decoded so far kept decoded. A search or metrics query reads the same few
// columns of the same recent blocks again and again; without a cache each one reads the range,
// checks it, decompresses and decodes its pages again (measured on a 5-million-span hour: read
// and check are about a sixth of a duration search, decompress and decode half of a rate()).
// Bounded by an estimate of what a chunk holds once all its pages are decoded, fixed when it is
// kept. Readers use one only when given one (the query workers each keep one).
import { ByteLru } from './byte-lru.ts';
import type { ColumnChunk } from './fetch-pages.ts';

/** An LRU of column chunks by block, row group and column (Sb1Reader.chunkKey). */
export class ChunkCache extends ByteLru<ColumnChunk> {
  constructor(maxBytes: number) {
    super(maxBytes, (c) => c.heldBytes);
  }
}
