// Which listed blocks a reader reads. A compacted block names the blocks it replaces in
// `compactedFrom`; until those inputs are marked compacted, both generations are listed, and a
// reader that read both would count every span twice. So a block named by another listed
// block's `compactedFrom` is left out: the output holds all its spans.
import type { BlockMeta } from './meta.ts';

/** The ids a block replaces (none for ingester blocks). */
export function compactedFromOf(meta: BlockMeta): readonly string[] {
  const v = (meta as BlockMeta & { compactedFrom?: unknown }).compactedFrom;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The live blocks a reader should read: those no other listed block replaces. */
export function visibleBlocks<M extends BlockMeta>(metas: readonly M[]): M[] {
  const replaced = new Set<string>();
  for (const m of metas) for (const id of compactedFromOf(m)) replaced.add(id);
  return replaced.size === 0 ? [...metas] : metas.filter((m) => !replaced.has(m.blockID));
}
