// A block whose meta.json (or meta.compacted.json) no longer parses has lost nothing else: the
// tenant manifest `<tenant>/index.json.zst`, which the compactor rewrites every cycle, holds a copy
// of every meta it listed. Such a copy is put back when it still describes the block's objects
// (every object it lists exists with the size it gives, and the index matches its CRC32C), so the
// block is read, merged and expired as if nothing had happened; damage to its other objects is then
// handled as usual. A block the manifest does not know is quarantined instead.
import type { ObjectStore } from '@spanbase/backend';
import { BlockObjects, blockKey, isDamageError, readTenantIndex, serializeBlockMeta } from '@spanbase/block';
import type { BlockMeta, TenantIndex } from '@spanbase/block';
import { crc32c } from '@spanbase/model';

/**
 * Reads the tenant manifest once, on first use; undefined when there is none or it is damaged.
 * A store that fails to answer fails the caller: a block must not be quarantined because the
 * copy that could restore it was out of reach for a moment.
 */
export function manifestOnce(store: ObjectStore, tenant: string, signal?: AbortSignal): () => Promise<TenantIndex | undefined> {
  let index: Promise<TenantIndex | undefined> | undefined;
  return () => (index ??= readTenantIndex(store, tenant, { signal }).catch((err: unknown) => {
    if (isDamageError(err)) return undefined;
    throw err;
  }));
}

/** Whether `meta` describes the objects stored for its block. */
async function describesObjects(store: ObjectStore, meta: BlockMeta, signal?: AbortSignal): Promise<boolean> {
  for (const [object, want] of Object.entries(meta.checksums)) {
    const head = await store.head(blockKey(meta.tenantID, meta.blockID, object), { signal });
    if (head?.size !== want.size) return false;
  }
  const index = await store.get(blockKey(meta.tenantID, meta.blockID, BlockObjects.index), { signal });
  return index !== undefined && (crc32c(index) >>> 0).toString(16).padStart(8, '0') === meta.checksums[BlockObjects.index]?.crc32c;
}

/**
 * Puts back the meta of `blockId` from the manifest when it is there, in the same state (live or
 * compacted) as the object that does not parse, and still fits the block. Returns the meta put
 * back, or undefined.
 */
export async function restoreMeta(store: ObjectStore, tenant: string, blockId: string, brokenKey: string, manifest: TenantIndex | undefined, signal?: AbortSignal): Promise<BlockMeta | undefined> {
  if (!manifest) return undefined;
  const compacted = brokenKey.endsWith('/' + BlockObjects.compactedMeta);
  const meta = (compacted ? manifest.compacted : manifest.live).find((m) => m.blockID === blockId);
  if (!meta || meta.tenantID !== tenant || !(await describesObjects(store, meta, signal))) return undefined;
  await store.put(blockKey(tenant, blockId, compacted ? BlockObjects.compactedMeta : BlockObjects.meta), serializeBlockMeta(meta), { signal });
  return meta;
}
