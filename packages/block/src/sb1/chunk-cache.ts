// Column chunks of data.parquet as the TraceQL fetchers hold them: read, CRC-checked, and with
// every page they have decoded so far kept decoded. A search or metrics query reads the same few
// columns of the same recent blocks again and again; without a cache each one reads the range,
// checks it, decompresses and decodes its pages again (measured on a 5-million-span hour: read
// and check are about a sixth of a duration search, decompress and decode half of a rate()).
// Bounded by an estimate of what a chunk holds once all its pages are decoded, fixed when it is
// kept. Readers use one only when given one (the query workers each keep one).
//
// Beside the chunks, an eighth of the budget keeps dictionary summaries (dictionary-summary.ts)
// in an LRU of their own: chunks many times their size would otherwise push them out, and they
// are what lets a needle search skip row groups whose chunks no longer fit.
import { ByteLru } from './byte-lru.ts';
import type { DictionarySummary } from './dictionary-summary.ts';
import type { ColumnChunk } from './fetch-pages.ts';

/** Share of a chunk cache's bytes its dictionary summaries may hold. */
const SUMMARY_SHARE = 1 / 8;

/** An LRU of column chunks by block, row group and column (Sb1Reader.chunkKey). */
export class ChunkCache extends ByteLru<ColumnChunk> {
  /** Dictionary summaries by the same keys. */
  readonly summaries: ByteLru<DictionarySummary>;

  constructor(maxBytes: number) {
    const summaryBytes = Math.floor(maxBytes * SUMMARY_SHARE);
    super(maxBytes - summaryBytes, (c) => c.heldBytes);
    this.summaries = new ByteLru(summaryBytes, (s) => s.heldBytes);
  }
}
