// The readers a querier opens on its own thread for the blocks its jobs name: kept (a block's
// bloom shards and index are read once), bounded in number, and sharing a bloom cache. Damage any
// reader of this process meets (here or in a query worker) is logged and counted once.
import { DamageLog, createReadCaches, describeDamage, openBlock } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader, ReadCaches } from '@spanbase/block';
import type { ObjectStore } from '@spanbase/backend';
import type { Logger } from '@spanbase/server';

/** Readers by block. */
export class BlockReaders {
  private readonly store: ObjectStore;
  private readonly log: Logger;
  private readonly onDamage: ((d: BlockDamage) => void) | undefined;
  private readonly max: number;
  private readonly readers = new Map<string, BlockReader>();
  private readonly caches: ReadCaches = createReadCaches({ bloomBytes: 128 * 1024 * 1024, chunkBytes: 0 });
  private readonly damageLog = new DamageLog();

  constructor(store: ObjectStore, log: Logger, onDamage?: (d: BlockDamage) => void, max = 4096) {
    this.store = store;
    this.log = log;
    this.onDamage = onDamage;
    this.max = max;
  }

  /** The (kept) reader of a block. */
  reader(meta: BlockMeta): BlockReader {
    let r = this.readers.get(meta.blockID);
    if (r) {
      this.readers.delete(meta.blockID);
      this.readers.set(meta.blockID, r);
      return r;
    }
    r = openBlock(this.store, meta, { ...this.caches, onDamage: (d) => this.noteDamage([d]) });
    this.readers.set(meta.blockID, r);
    if (this.readers.size > this.max) this.readers.delete(this.readers.keys().next().value!);
    return r;
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
