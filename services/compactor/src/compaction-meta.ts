// The two meta.json keys the compactor adds to the blocks it writes, and the rule readers apply so
// no span counts twice while a compaction's inputs and output are both live (design note
// "Publishing"). parseBlockMeta keeps unknown keys, so blocks with these keys stay readable by
// any reader; a reader that does not apply visibleBlocks() may count spans twice for the
// seconds between an output's meta.json and its inputs' meta.compacted.json.
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

/** The ids a block replaces (none for ingester blocks). */
export function compactedFromOf(meta: BlockMeta): readonly string[] {
  const v = (meta as CompactionMeta).compactedFrom;
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** The retention rewrite a block has been through, if any. */
export function retentionMarkOf(meta: BlockMeta): RetentionMark | undefined {
  const v = (meta as CompactionMeta).retention;
  return v && typeof v.policy === 'string' && typeof v.ageMs === 'number' ? v : undefined;
}

/**
 * The blocks a reader should read out of the live ones it listed: a block named in another
 * listed block's `compactedFrom` is left out, because that block holds all its spans.
 */
export function visibleBlocks<M extends BlockMeta>(metas: readonly M[]): M[] {
  const replaced = new Set<string>();
  for (const m of metas) for (const id of compactedFromOf(m)) replaced.add(id);
  return replaced.size === 0 ? [...metas] : metas.filter((m) => !replaced.has(m.blockID));
}

/** Newest span end of a block in unix milliseconds (the age retention goes by). */
export function blockEndMs(meta: BlockMeta): number {
  return Number(BigInt(meta.endUnixNano) / 1_000_000n);
}
