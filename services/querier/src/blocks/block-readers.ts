// The readers a querier opens on its own thread for the blocks its jobs name: kept (a block's
// bloom shards, index, footer and needle filters are read once) within --query.metadata-cache-bytes,
// and sharing a bloom cache. Damage any
// reader of this process meets (here or in a query worker) is logged and counted once.
import { DamageLog, createReadCaches, describeDamage, openBlock } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader, ReadCaches } from '@spanbase/block';
import type { ObjectStore } from '@spanbase/backend';
import { DEFAULT_METADATA_CACHE_BYTES, ReaderLru } from '@spanbase/query';
import type { Logger } from '@spanbase/server';

/** Where a querier gets block readers from (its own, or in one process the block list's). */
export interface QuerierReaders {
  /** The (kept) reader of a block. */
  reader(meta: BlockMeta): BlockReader;
  /** Logs (and reports) each damaged part of a block the first time it is met. */
  noteDamage(damage: readonly BlockDamage[]): void;
}

/** Readers by block. */
export class BlockReaders implements QuerierReaders {
  private readonly store: ObjectStore;
  private readonly log: Logger;
  private readonly onDamage: ((d: BlockDamage) => void) | undefined;
  private readonly readers: ReaderLru;
  private readonly caches: ReadCaches = createReadCaches({ bloomBytes: 128 * 1024 * 1024, chunkBytes: 0 });
  private readonly damageLog = new DamageLog();

  /** `maxBytes`: what the readers may keep (see ReaderLru). */
  constructor(store: ObjectStore, log: Logger, onDamage?: (d: BlockDamage) => void, maxBytes = DEFAULT_METADATA_CACHE_BYTES) {
    this.store = store;
    this.log = log;
    this.onDamage = onDamage;
    this.readers = new ReaderLru(maxBytes);
  }

  /** The (kept) reader of a block. */
  reader(meta: BlockMeta): BlockReader {
    return this.readers.get(meta, () => openBlock(this.store, meta, { ...this.caches, onDamage: (d) => this.noteDamage([d]) }));
  }

  /** Logs (and reports) each damaged part of a block the first time it is met. */
  noteDamage(damage: readonly BlockDamage[]): void {
    for (const d of damage) {
      if (!this.damageLog.first(d)) continue;
      this.log.warn({ tenant: d.tenantID, block: d.blockID, object: d.object, rowGroup: d.rowGroup, fallback: d.fallback, err: d.message }, `block damaged: ${describeDamage(d)}`);
      this.onDamage?.(d);
    }
  }
}
