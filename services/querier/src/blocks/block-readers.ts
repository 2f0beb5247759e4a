// Where a querier gets block readers from: its own BlockReaders (the blocks its jobs name), or in
// one process the block list's, whose metadata is prefetched as blocks appear.
import type { BlockDamage, BlockMeta, BlockReader } from '@spanbase/block';

/** Readers of blocks and the log of their damage. */
export interface QuerierReaders {
  /** The (kept) reader of a block. */
  reader(meta: BlockMeta): BlockReader;
  /** Logs (and reports) each damaged part of a block the first time it is met. */
  noteDamage(damage: readonly BlockDamage[]): void;
}
