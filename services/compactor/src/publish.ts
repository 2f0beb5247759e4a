// Making a job's result visible, and retiring its inputs, in an order a crash cannot hurt:
//   1. the output's objects, meta.json last (the block writer's order): until meta.json exists the
//      output is invisible, and a killed job leaves only a partial block for later cleanup;
//   2. right before meta.json, the job checks it still holds its window lease and its inputs are
//      still live, and adds `compactedFrom` (and a retention mark) to the meta: from the moment
//      the output is visible, readers ignore the inputs it replaces;
//   3. each input gets meta.compacted.json, then loses meta.json (markBlockCompacted);
//   4. a later cycle deletes compacted blocks after --compaction.compacted-block-retention
//      (deleteBlock: metas first, so an interrupted deletion leaves a partial block, cleaned later).
import type { ObjectStore, PutBody } from '@spanbase/backend';
import { BlockObjects, blockKey, deleteBlock, serializeBlockMeta } from '@spanbase/block';
import type { CompactionMeta } from './compaction-meta.ts';
import { CompactorInputGone } from './errors.ts';

/** A store forwarding every call to `store` (wrappers override some). */
export function passThrough(store: ObjectStore): ObjectStore {
  return {
    get: (key, opts) => store.get(key, opts),
    getRange: (key, offset, length, opts) => store.getRange(key, offset, length, opts),
    head: (key, opts) => store.head(key, opts),
    put: (key, body, opts) => store.put(key, body, opts),
    delete: (key, opts) => store.delete(key, opts),
    list: (prefix, opts) => store.list(prefix, opts),
  };
}

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
    ...passThrough(store),
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

/**
 * Deletes a compacted block with @spanbase/block's deleteBlock; `afterMeta` runs once its metas
 * are gone and its data is not (tests kill there). A deletion killed then leaves a partial
 * block, which the partial-block cleanup finishes.
 */
export async function deleteCompactedBlock(store: ObjectStore, meta: CompactionMeta, afterMeta?: () => Promise<void>): Promise<void> {
  const watched: ObjectStore = {
    ...passThrough(store),
    async delete(key, opts) {
      await store.delete(key, opts);
      if (key.endsWith('/' + BlockObjects.compactedMeta)) await afterMeta?.();
    },
  };
  await deleteBlock(watched, meta.tenantID, meta.blockID);
}
