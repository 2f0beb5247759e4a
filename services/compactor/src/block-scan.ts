// What a tenant's prefix holds, as the compactor needs it: live blocks (meta.json), compacted ones
// (meta.compacted.json), blocks caught half-way through being marked (both), and partial blocks
// (objects but neither meta: a writer that died, or one still writing). One recursive listing per
// tenant; metas are immutable per block id, so they are fetched once and cached.
import type { ObjectStore } from '@spanbase/backend';
import { BlockObjects, blockKey, isBlockId, isDamageError, listTenants, parseBlockMeta, readQuarantine } from '@spanbase/block';
import type { CompactionMeta } from './compaction-meta.ts';
import { COMPACTOR_PREFIX } from './leases.ts';

/** A block marked compacted. */
export interface CompactedBlock {
  /** Its meta.compacted.json. */
  meta: CompactionMeta;
  /** When it was marked (compactedAt, else the object's modification time), unix ms. */
  compactedAtMs: number;
}

/** A block directory without any meta. */
export interface PartialBlock {
  /** The block id. */
  blockId: string;
  /** Keys of its objects. */
  keys: string[];
  /** Modification time of its newest object, unix ms. */
  newestMs: number;
}

/** One tenant's blocks. */
export interface TenantScan {
  /** The tenant. */
  tenant: string;
  /** Blocks with meta.json and no meta.compacted.json. */
  live: CompactionMeta[];
  /** Blocks with meta.compacted.json and no meta.json. */
  compacted: CompactedBlock[];
  /** Blocks with both: marking was interrupted; they are compacted. */
  halfMarked: CompactionMeta[];
  /** Blocks with neither. */
  partial: PartialBlock[];
  /** Blocks whose meta does not parse; quarantined rather than guessed at. */
  broken: { blockId: string; key: string; error: Error }[];
  /** Blocks with a quarantine marker, by id: when it was written (unix ms; for blocks without a readable meta, the marker's quarantinedAt). */
  quarantined: Map<string, number>;
}

/** Tenants in the store (the compactor's own prefix is not one). */
export async function compactableTenants(store: ObjectStore, signal?: AbortSignal): Promise<string[]> {
  return (await listTenants(store, { signal })).filter((t) => `${t}/` !== COMPACTOR_PREFIX);
}

/** Reads and caches metas; a block id's meta.json never changes once written. */
export class MetaCache {
  private readonly store: ObjectStore;
  private readonly metas = new Map<string, CompactionMeta>();

  constructor(store: ObjectStore) {
    this.store = store;
  }

  /** The meta at `key`, or undefined when the object is gone. Throws BLK_ERR_FORMAT when it does not parse. */
  async get(key: string, signal?: AbortSignal): Promise<CompactionMeta | undefined> {
    const hit = this.metas.get(key);
    if (hit) return hit;
    const bytes = await this.store.get(key, { signal });
    if (!bytes) return undefined;
    const meta = parseBlockMeta(bytes) as CompactionMeta;
    this.metas.set(key, meta);
    return meta;
  }

  /** Forgets metas under `prefix` that are not in `keys`, so the cache does not grow forever. */
  retainOnly(prefix: string, keys: Set<string>): void {
    for (const k of this.metas.keys()) if (k.startsWith(prefix) && !keys.has(k)) this.metas.delete(k);
  }
}

/** Lists one tenant and reads the metas it finds (in parallel, a few at a time). */
export async function scanTenant(store: ObjectStore, tenant: string, cache: MetaCache, signal?: AbortSignal): Promise<TenantScan> {
  const { objects } = await store.list(`${tenant}/`, { signal });
  const byBlock = new Map<string, { keys: string[]; newestMs: number; meta?: number; compacted?: number }>();
  const quarantined = new Map<string, number>();
  for (const o of objects) {
    const rest = o.key.slice(tenant.length + 1);
    const slash = rest.indexOf('/');
    if (slash < 0) continue;
    const id = rest.slice(0, slash);
    if (!isBlockId(id)) continue;
    let b = byBlock.get(id);
    if (!b) byBlock.set(id, (b = { keys: [], newestMs: 0 }));
    b.keys.push(o.key);
    b.newestMs = Math.max(b.newestMs, o.lastModified);
    const name = rest.slice(slash + 1);
    if (name === BlockObjects.meta) b.meta = o.lastModified;
    if (name === BlockObjects.compactedMeta) b.compacted = o.lastModified;
    if (name === BlockObjects.quarantine) quarantined.set(id, o.lastModified);
  }
  const scan: TenantScan = { tenant, live: [], compacted: [], halfMarked: [], partial: [], broken: [], quarantined };
  const metaKeys = new Set<string>();
  const ids = [...byBlock.keys()];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      const b = byBlock.get(id)!;
      if (b.meta === undefined && b.compacted === undefined) {
        scan.partial.push({ blockId: id, keys: b.keys, newestMs: b.newestMs });
        continue;
      }
      const key = blockKey(tenant, id, b.compacted !== undefined ? BlockObjects.compactedMeta : BlockObjects.meta);
      metaKeys.add(key);
      let meta: CompactionMeta | undefined;
      try {
        meta = await cache.get(key, signal);
      } catch (err) {
        signal?.throwIfAborted();
        // Only a meta that was read and does not parse is broken; a store that failed to answer
        // fails the scan (the tenant waits for the next cycle) rather than getting healthy
        // blocks quarantined.
        if (!isDamageError(err)) throw err;
        scan.broken.push({ blockId: id, key, error: err as Error });
        continue;
      }
      if (!meta) continue; // removed since the listing; the next cycle sees what replaced it
      if (b.compacted === undefined) scan.live.push(meta);
      else if (b.meta !== undefined) scan.halfMarked.push(meta);
      else scan.compacted.push({ meta, compactedAtMs: meta.compactedAt ? Date.parse(meta.compactedAt) : b.compacted });
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, ids.length) }, worker));
  // A block without a readable meta is aged by its marker's own time (the compactor's clock).
  for (const b of scan.broken) {
    if (!quarantined.has(b.blockId)) continue;
    const at = Date.parse((await readQuarantine(store, tenant, b.blockId, { signal }))?.quarantinedAt ?? '');
    if (at > 0) quarantined.set(b.blockId, at);
  }
  cache.retainOnly(`${tenant}/`, metaKeys);
  const byId = (a: { blockID: string }, b: { blockID: string }) => (a.blockID < b.blockID ? -1 : a.blockID > b.blockID ? 1 : 0);
  scan.live.sort(byId);
  scan.halfMarked.sort(byId);
  scan.compacted.sort((a, b) => byId(a.meta, b.meta));
  scan.partial.sort((a, b) => (a.blockId < b.blockId ? -1 : 1));
  return scan;
}
