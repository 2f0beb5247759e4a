// Opened block readers and the damage they meet, for one process: kept within a byte budget
// (ReaderLru; a reader holds its block's index, footer and needle filters once read), sharing a
// bloom cache, and logging each damaged part of a block once (here or in a query worker) rather
// than once per query. The block list and a querier apart from it both read blocks through one.
import type { ObjectStore } from '@spanbase/backend';
import { DamageLog, createReadCaches, describeDamage, openBlock } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader } from '@spanbase/block';
import type { Logger } from '@spanbase/server';
import { ReaderLru } from './reader-lru.ts';

/** Default bound of the readers' metadata (--query.metadata-cache-bytes). */
export const DEFAULT_METADATA_CACHE_BYTES = 128 * 2 ** 20;

/** Readers by block, and the damage log. */
export class BlockReaders {
  private readonly store: ObjectStore;
  private readonly log: Logger;
  private readonly onDamage: ((d: BlockDamage) => void) | undefined;
  private readonly readers: ReaderLru;
  /** Verified bloom shards of every block, for trace lookups. */
  private readonly caches = createReadCaches({ bloomBytes: 128 * 1024 * 1024, chunkBytes: 0 });
  private readonly damageLog = new DamageLog();
  /** The budget, bytes. */
  readonly maxBytes: number;

  /** `maxBytes`: what the readers may keep (see ReaderLru); `onDamage` hears of each damaged part once. */
  constructor(store: ObjectStore, log: Logger, onDamage?: (d: BlockDamage) => void, maxBytes = DEFAULT_METADATA_CACHE_BYTES) {
    this.store = store;
    this.log = log;
    this.onDamage = onDamage;
    this.maxBytes = maxBytes;
    this.readers = new ReaderLru(maxBytes);
  }

  /** The (kept) reader of a block. */
  reader(meta: BlockMeta): BlockReader {
    return this.readers.get(meta, () => openBlock(this.store, meta, { ...this.caches, onDamage: (d) => this.noteDamage([d]) }));
  }

  /** Forgets a block's reader (the block is gone or replaced). */
  forget(blockId: string): void {
    this.readers.delete(blockId);
  }

  /** Estimated bytes the readers hold. */
  get heldBytes(): number {
    return this.readers.heldBytes;
  }

  /** Logs (and reports to `onDamage`) each damaged part of a block the first time it is met. */
  noteDamage(damage: readonly BlockDamage[]): void {
    for (const d of damage) {
      if (!this.damageLog.first(d)) continue;
      this.log.warn({ tenant: d.tenantID, block: d.blockID, object: d.object, rowGroup: d.rowGroup, fallback: d.fallback, err: d.message }, `block damaged: ${describeDamage(d)}`);
      this.onDamage?.(d);
    }
  }
}
