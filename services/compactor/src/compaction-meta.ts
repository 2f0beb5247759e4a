// The two meta.json keys the compactor adds to the blocks it writes. Readers apply
// `compactedFrom` through @spanbase/block's visibleBlocks(), so no span counts twice while a
// compaction's inputs and output are both live (design note "Publishing"). parseBlockMeta keeps
// unknown keys, so these blocks stay readable by any reader.
import type { BlockMeta } from '@spanbase/block';

/** Which retention rewrite a block has been through. */
export interface RetentionMark {
  /** RetentionPolicy.id of the rules applied. */
  readonly policy: string;
  /** The tier applied (ms): every trace whose retention is at most this was dropped. */
  readonly ageMs: number;
}

/** meta.json with the keys compaction writes. */
export interface CompactionMeta extends BlockMeta {
  /** Ids of the blocks this one replaces; readers ignore those while this block is live. */
  compactedFrom?: string[];
  /** Set on blocks written by a retention rewrite, and carried through merges. */
  retention?: RetentionMark;
}

/** The retention rewrite a block has been through, if any. */
export function retentionMarkOf(meta: BlockMeta): RetentionMark | undefined {
  const v = (meta as CompactionMeta).retention;
  return v && typeof v.policy === 'string' && typeof v.ageMs === 'number' ? v : undefined;
}

/** Newest span end of a block in unix milliseconds (the age retention goes by). */
export function blockEndMs(meta: BlockMeta): number {
  return Number(BigInt(meta.endUnixNano) / 1_000_000n);
}
