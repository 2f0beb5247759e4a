// A tenant's block list: by listing the store (`<tenant>/<blockID>/meta.json` and
// `meta.compacted.json`), or from the tenant manifest `<tenant>/index.json.zst` (zstd JSON of all
// live and compacted metas with a created-at), which lets a process start without a listing storm.
// Marking a block compacted writes meta.compacted.json before deleting meta.json, so a block is
// never without a meta; a block that has both is compacted.
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { ObjectStore, OpOptions } from '@spanbase/backend';
import { mapLimited } from './concurrency.ts';
import { BlockFormat } from './errors.ts';
import { BlockObjects, blockKey, isBlockId, tenantIndexKey } from './keys.ts';
import type { BlockMeta } from './meta.ts';
import { compactedMeta, parseBlockMeta, serializeBlockMeta } from './meta.ts';

/** A tenant's blocks. */
export interface BlockList {
  /** Blocks with meta.json (and no meta.compacted.json), sorted by block id. */
  live: BlockMeta[];
  /** Blocks with meta.compacted.json, sorted by block id. */
  compacted: BlockMeta[];
}

/** What a listing of the store finds beyond the block list. */
export interface ListedBlocks extends BlockList {
  /** Metas that could not be read. */
  errors: BlockListError[];
  /** Ids of blocks with a quarantine marker (live, compacted or without a readable meta), sorted. */
  quarantined: string[];
}

/** A listed block whose meta could not be read. */
export interface BlockListError {
  /** Key of the meta object. */
  key: string;
  /** What went wrong (a BLK_ERR_* error, or the store's). */
  error: unknown;
}

/** The tenant manifest, as stored in `<tenant>/index.json.zst`. */
export interface TenantIndex extends BlockList {
  /** When the manifest was written, RFC 3339. */
  createdAt: string;
}

const byId = (a: BlockMeta, b: BlockMeta) => (a.blockID < b.blockID ? -1 : a.blockID > b.blockID ? 1 : 0);

/**
 * Lists a tenant's blocks from the store: one listing of `<tenant>/`, then one read per block
 * (`concurrency` at a time). Metas that are missing by the time they are read (deleted blocks) are
 * skipped; metas that do not parse are returned in `errors`, not thrown.
 */
export async function listBlocks(
  store: ObjectStore,
  tenant: string,
  opts?: OpOptions & {
    concurrency?: number;
    /**
     * Metas already read (from an earlier listing or the tenant manifest), by block id: a block
     * listed in the same state (live or compacted) is not read again, so a poll of a tenant with
     * thousands of blocks costs the listing and reads only what changed.
     */
    known?: ReadonlyMap<string, { meta: BlockMeta; compacted: boolean }>;
  },
): Promise<ListedBlocks> {
  const { objects } = await store.list(`${tenant}/`, { signal: opts?.signal });
  const metas = new Map<string, string>();
  const quarantined: string[] = [];
  for (const o of objects) {
    const parts = o.key.slice(tenant.length + 1).split('/');
    if (parts.length !== 2 || !isBlockId(parts[0])) continue;
    if (parts[1] === BlockObjects.quarantine) quarantined.push(parts[0]);
    else if (parts[1] === BlockObjects.compactedMeta) metas.set(parts[0], BlockObjects.compactedMeta);
    else if (parts[1] === BlockObjects.meta && !metas.has(parts[0])) metas.set(parts[0], BlockObjects.meta);
  }
  const errors: BlockListError[] = [];
  const read = await mapLimited([...metas], opts?.concurrency ?? 16, async ([id, object]) => {
    const key = blockKey(tenant, id, object);
    const known = opts?.known?.get(id);
    if (known && known.compacted === (object === BlockObjects.compactedMeta)) return known;
    try {
      const bytes = await store.get(key, { signal: opts?.signal });
      if (!bytes) return undefined;
      const meta = parseBlockMeta(bytes);
      if (meta.blockID !== id || meta.tenantID !== tenant) throw BlockFormat(`${key} describes block ${meta.tenantID}/${meta.blockID}`);
      return { meta, compacted: object === BlockObjects.compactedMeta };
    } catch (error) {
      if (opts?.signal?.aborted) throw error;
      errors.push({ key, error });
      return undefined;
    }
  });
  const live: BlockMeta[] = [];
  const compacted: BlockMeta[] = [];
  for (const r of read) if (r) (r.compacted ? compacted : live).push(r.meta);
  return { live: live.sort(byId), compacted: compacted.sort(byId), errors, quarantined: quarantined.sort() };
}

/** Tenants that have objects in the store (top-level prefixes). */
export async function listTenants(store: ObjectStore, opts?: OpOptions): Promise<string[]> {
  const { prefixes } = await store.list('', { delimiter: '/', signal: opts?.signal });
  // Other top-level prefixes (the compactor's `~compactor/` leases) are not tenants.
  return prefixes
    .map((p) => p.slice(0, -1))
    .filter((t) => TENANT_ID.test(t) && t !== '.' && t !== '..')
    .sort();
}

/** What a tenant id may be (the rules the API enforces on X-Scope-OrgID). */
const TENANT_ID = /^[0-9a-zA-Z!\-_.*'()]{1,150}$/;

/** Writes the tenant manifest. */
export async function writeTenantIndex(store: ObjectStore, tenant: string, list: BlockList, opts?: OpOptions & { createdAt?: Date }): Promise<TenantIndex> {
  const index: TenantIndex = { createdAt: (opts?.createdAt ?? new Date()).toISOString(), live: [...list.live].sort(byId), compacted: [...list.compacted].sort(byId) };
  await store.put(tenantIndexKey(tenant), zstdCompressSync(JSON.stringify(index)), { signal: opts?.signal });
  return index;
}

/**
 * Reads the tenant manifest; undefined when there is none. Throws BLK_ERR_FORMAT when it does
 * not decompress or parse, or holds a meta of another tenant (callers then fall back to listBlocks).
 */
export async function readTenantIndex(store: ObjectStore, tenant: string, opts?: OpOptions): Promise<TenantIndex | undefined> {
  const bytes = await store.get(tenantIndexKey(tenant), opts);
  if (!bytes) return undefined;
  let o: { createdAt?: unknown; live?: unknown; compacted?: unknown };
  try {
    o = JSON.parse(new TextDecoder().decode(zstdDecompressSync(bytes)));
  } catch (err) {
    throw BlockFormat(`${tenantIndexKey(tenant)} is not zstd-compressed JSON`, { cause: err });
  }
  if (typeof o?.createdAt !== 'string' || Number.isNaN(Date.parse(o.createdAt)) || !Array.isArray(o.live) || !Array.isArray(o.compacted)) {
    throw BlockFormat(`${tenantIndexKey(tenant)} lacks createdAt, live or compacted`);
  }
  const metas = (list: unknown[]) =>
    list.map((m) => {
      const meta = parseBlockMeta(m);
      if (meta.tenantID !== tenant) throw BlockFormat(`${tenantIndexKey(tenant)} holds a block of tenant ${meta.tenantID}`);
      return meta;
    });
  return { createdAt: o.createdAt, live: metas(o.live), compacted: metas(o.compacted) };
}

/**
 * Marks a block compacted: writes meta.compacted.json (meta plus compactedAt), then deletes
 * meta.json. Returns the compacted meta.
 */
export async function markBlockCompacted(store: ObjectStore, meta: BlockMeta, opts?: OpOptions & { at?: Date }): Promise<BlockMeta> {
  const compacted = compactedMeta(meta, opts?.at);
  await store.put(blockKey(meta.tenantID, meta.blockID, BlockObjects.compactedMeta), serializeBlockMeta(compacted), { signal: opts?.signal });
  await store.delete(blockKey(meta.tenantID, meta.blockID, BlockObjects.meta), { signal: opts?.signal });
  return compacted;
}

/** Deletes every object of a block (after its compacted retention): meta first, so it vanishes at once. */
export async function deleteBlock(store: ObjectStore, tenant: string, blockId: string, opts?: OpOptions): Promise<void> {
  const prefix = `${tenant}/${blockId}/`;
  await store.delete(prefix + BlockObjects.meta, opts);
  await store.delete(prefix + BlockObjects.compactedMeta, opts);
  const { objects } = await store.list(prefix, { signal: opts?.signal });
  await mapLimited(objects, 16, (o) => store.delete(o.key, opts));
}
