// Opened block readers, least recently used first out, bounded by what they keep: a reader
// holds its block's index, parsed Parquet footer and needle filters once read, so the bound is
// an estimate of those bytes from meta.json (the objects' sizes; a parsed footer takes several
// times its encoded size). Dropping a reader drops what it read; the next query reads it again.
import type { BlockMeta, BlockReader } from '@spanbase/block';

/** What a reader of `meta` keeps once it has read its metadata, estimated in bytes. */
export function readerBytes(meta: BlockMeta): number {
  const c = meta.checksums;
  // The dependency summary is kept parsed: small integers in arrays, about 24 times its zstd size.
  return 4096 + (c.index?.size ?? 0) + (c.values?.size ?? 0) + (meta.columnBlooms?.size ?? 0) + 3 * (meta.pageIndex?.size ?? 0) + 6 * meta.footerSize + 24 * (c.dependencies?.size ?? 0);
}

/** Readers by block id within a byte budget. */
export class ReaderLru {
  private readonly readers = new Map<string, { reader: BlockReader; bytes: number }>();
  private readonly maxBytes: number;
  private bytes = 0;

  /** `maxBytes`: the budget (at least one reader is always kept). */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The reader of a block, opened with `open` when not held (and then the oldest ones dropped past the budget). */
  get(meta: BlockMeta, open: () => BlockReader): BlockReader {
    const held = this.readers.get(meta.blockID);
    if (held) {
      this.readers.delete(meta.blockID);
      this.readers.set(meta.blockID, held);
      return held.reader;
    }
    const entry = { reader: open(), bytes: readerBytes(meta) };
    this.readers.set(meta.blockID, entry);
    this.bytes += entry.bytes;
    for (const [id, e] of this.readers) {
      if (this.bytes <= this.maxBytes || this.readers.size <= 1) break;
      this.readers.delete(id);
      this.bytes -= e.bytes;
    }
    return entry.reader;
  }

  /** Whether a block's reader is held. */
  has(blockId: string): boolean {
    return this.readers.has(blockId);
  }

  /** Forgets a block's reader. */
  delete(blockId: string): void {
    const e = this.readers.get(blockId);
    if (!e) return;
    this.readers.delete(blockId);
    this.bytes -= e.bytes;
  }

  /** Estimated bytes held. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Readers held. */
  get size(): number {
    return this.readers.size;
  }
}
