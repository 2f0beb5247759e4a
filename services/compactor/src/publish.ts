// Making a job's result visible, and retiring its inputs, in an order a crash cannot hurt:
//   1. the output's objects, meta.json last (the block writer's order): until meta.json exists the
//      output is invisible, and a killed job leaves only a partial block for later cleanup;
//   2. right before meta.json, the job checks it still holds its window lease and its inputs are
//      still live, and adds `compactedFrom` (and a retention mark) to the meta: from the moment
//      the output is visible, readers ignore the inputs it replaces;
//   3. each input gets meta.compacted.json, then loses meta.json;
//   4. a later cycle deletes compacted blocks after --compaction.compacted-block-retention,
//      meta.compacted.json last, so an interrupted deletion is found and finished.
import type { ObjectStore, PutBody } from '@spanbase/backend';
import { BlockObjects, blockKey, compactedMeta, serializeBlockMeta } from '@spanbase/block';
import type { CompactionMeta } from './compaction-meta.ts';
import { CompactorInputGone } from './errors.ts';

/** What the commit wrapper does around the output's meta.json. */
export interface CommitHooks {
  /** Keys added to meta.json. */
  extra: Partial<CompactionMeta>;
  /** Runs before meta.json is written; throwing stops the job with nothing visible. */
  beforeCommit(): Promise<void>;
  /** Runs once after the first other object of the output is written (tests kill here). */
  afterFirstObject?(): Promise<void>;
}

/**
 * Wraps the store a block writer writes through: the output's meta.json gets `extra` merged in,
 * after `beforeCommit` passed. The writer stays unaware of compaction.
 */
export function committingStore(store: ObjectStore, tenant: string, blockId: string, hooks: CommitHooks): ObjectStore {
  const metaKey = blockKey(tenant, blockId, BlockObjects.meta);
  let first = true;
  return {
    get: (key, opts) => store.get(key, opts),
    getRange: (key, offset, length, opts) => store.getRange(key, offset, length, opts),
    head: (key, opts) => store.head(key, opts),
    delete: (key, opts) => store.delete(key, opts),
    list: (prefix, opts) => store.list(prefix, opts),
    async put(key: string, body: PutBody, opts) {
      if (key !== metaKey) {
        await store.put(key, body, opts);
        if (first) {
          first = false;
          await hooks.afterFirstObject?.();
        }
        return;
      }
      if (!(body instanceof Uint8Array)) throw new Error('meta.json must be written whole');
      await hooks.beforeCommit();
      const meta = { ...JSON.parse(new TextDecoder().decode(body)), ...hooks.extra } as CompactionMeta;
      await store.put(key, serializeBlockMeta(meta), opts);
    },
  };
}

/** Throws CMP_ERR_INPUT_GONE unless every input still has meta.json and no meta.compacted.json. */
export async function assertLive(store: ObjectStore, inputs: readonly CompactionMeta[], signal?: AbortSignal): Promise<void> {
  await Promise.all(
    inputs.map(async (m) => {
      const [live, compacted] = await Promise.all([
        store.head(blockKey(m.tenantID, m.blockID, BlockObjects.meta), { signal }),
        store.head(blockKey(m.tenantID, m.blockID, BlockObjects.compactedMeta), { signal }),
      ]);
      if (!live || compacted) throw CompactorInputGone(`input block ${m.tenantID}/${m.blockID} was compacted or expired meanwhile`);
    }),
  );
}

/** Marks a block compacted: meta.compacted.json first, then meta.json goes. */
export async function markCompacted(store: ObjectStore, meta: CompactionMeta, at: Date): Promise<void> {
  await store.put(blockKey(meta.tenantID, meta.blockID, BlockObjects.compactedMeta), serializeBlockMeta(compactedMeta(meta, at)));
  await store.delete(blockKey(meta.tenantID, meta.blockID, BlockObjects.meta));
}

/** Deletes a compacted block's objects, its metas last; `afterFirst` runs after the first deletion (tests kill there). */
export async function deleteBlock(store: ObjectStore, keys: readonly string[], afterFirst?: () => Promise<void>): Promise<void> {
  const isMeta = (k: string) => k.endsWith('/' + BlockObjects.meta) || k.endsWith('/' + BlockObjects.compactedMeta);
  const data = keys.filter((k) => !isMeta(k));
  const metas = keys.filter((k) => k.endsWith('/' + BlockObjects.meta)).concat(keys.filter((k) => k.endsWith('/' + BlockObjects.compactedMeta)));
  let first = true;
  for (const k of [...data, ...metas]) {
    await store.delete(k);
    if (first) {
      first = false;
      await afterFirst?.();
    }
  }
}
