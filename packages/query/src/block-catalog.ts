// The blocks this process knows, per tenant: what a poll of the object store found (the tenant
// manifest first, then a listing for anything newer), plus blocks this process just flushed,
// which are queryable the moment their meta.json is written — no window where a trace moving
// from memory to storage answers 404. Readers are opened once per block and kept, so their
// index and footer stay cached. Damage any reader of this process meets (here or in a query
// worker) is logged and counted once, and so is a meta that does not parse, not once per query
// or per poll. Readers live in a bounded cache (metadataCacheBytes); a block's metadata (index,
// footer, needle filters) is prefetched when the block is first seen, newest first, so the first
// search after a start decides which blocks it needs from memory rather than from the store.
import type { ObjectStore } from '@spanbase/backend';
import { compactedFromOf, isDamageError, listBlocks, listTenants, mapLimited, prefetchBlock, readTenantIndex, visibleBlocks } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader } from '@spanbase/block';
import type { Logger } from '@spanbase/server';
import { BlockReaders } from './block-readers.ts';
import { readerBytes } from './reader-lru.ts';

/** Catalog settings. */
export interface BlockCatalogOptions {
  store: ObjectStore;
  /** How often the store is polled; 0 disables the timer (tests poll by hand). */
  pollMs: number;
  /**
   * Only blocks added by this process, each kept for this long (ms), no polling: what an
   * ingester running apart needs to serve its recent blocks until queriers' polls see them.
   */
  localOnlyForMs?: number;
  log: Logger;
  /** Concurrent meta reads per poll. */
  pollConcurrency?: number;
  /** Told of each damaged part of a block once (after it is logged), e.g. to count it. */
  onDamage?: (d: BlockDamage) => void;
  /** Bound on the block metadata readers keep (index, footer, needle filters), bytes; default 128 MiB. */
  metadataCacheBytes?: number;
  /** Read each new block's metadata when it is first seen (default true while the cache has room). */
  prefetch?: boolean;
}

interface TenantBlocks {
  /** Live (not compacted) blocks by id. */
  live: Map<string, BlockMeta>;
  /** Every meta read so far (live and compacted), so polls only read what changed. */
  known: Map<string, { meta: BlockMeta; compacted: boolean }>;
  /** Added locally since the last poll that saw them; kept even if a poll missed them. */
  local: Map<string, BlockMeta>;
  /** When each local block was added (unix ms). */
  addedAt: Map<string, number>;
}


/** Per-tenant blocks and their readers. */
export class BlockCatalog {
  private readonly opts: BlockCatalogOptions;
  private readonly tenants = new Map<string, TenantBlocks>();
  private readonly readers: BlockReaders;
  /** Blocks whose metadata was prefetched (or is being). */
  private readonly prefetched = new Set<string>();
  private prefetching: Promise<void> = Promise.resolve();
  private readonly alsoPrefetch: ((meta: BlockMeta) => Promise<void>)[] = [];
  /** Meta keys already logged as unreadable. */
  private readonly badMetas = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Polls done, and when the last one finished (unix ms). */
  readonly stats = { polls: 0, lastPollMs: 0, pollErrors: 0 };

  constructor(opts: BlockCatalogOptions) {
    this.opts = opts;
    this.readers = new BlockReaders(opts.store, opts.log, opts.onDamage, opts.metadataCacheBytes);
  }

  /**
   * Reads the metadata of blocks not seen before, newest first, as long as the cache has room
   * for it (a full cache would only evict what it just read). Errors are left to the queries
   * that meet them: a prefetch is an optimisation.
   */
  private prefetch(metas: readonly BlockMeta[]): void {
    if (this.opts.prefetch === false) return;
    const fresh = metas.filter((m) => !this.prefetched.has(m.blockID)).sort((a, b) => (BigInt(b.endUnixNano) > BigInt(a.endUnixNano) ? 1 : -1));
    let room = this.readers.maxBytes - this.readers.heldBytes;
    const chosen: BlockMeta[] = [];
    for (const m of fresh) {
      this.prefetched.add(m.blockID);
      room -= readerBytes(m);
      if (room < 0) break;
      chosen.push(m);
    }
    if (chosen.length === 0) return;
    this.prefetching = this.prefetching.then(() => mapLimited(chosen, 4, async (m) => {
      await prefetchBlock(this.reader(m)).catch(() => undefined);
      await Promise.all(this.alsoPrefetch.map((fn) => fn(m).catch(() => undefined)));
    })).then(() => undefined);
  }

  /** Has `fn` called for every block this catalog prefetches (query workers warm their own readers). */
  onPrefetch(fn: (meta: BlockMeta) => Promise<void>): void {
    this.alsoPrefetch.push(fn);
  }

  /** Resolves once the prefetches started so far are done (for tests and start-up). */
  prefetchDone(): Promise<void> {
    return this.prefetching;
  }

  /** Polls once now and then every pollMs. */
  async start(): Promise<void> {
    if (this.opts.localOnlyForMs !== undefined) return;
    await this.poll();
    if (this.opts.pollMs > 0) {
      this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private tenant(t: string): TenantBlocks {
    let e = this.tenants.get(t);
    if (!e) this.tenants.set(t, (e = { live: new Map(), known: new Map(), local: new Map(), addedAt: new Map() }));
    return e;
  }

  /** Registers a block this process just wrote. */
  add(tenant: string, meta: BlockMeta): void {
    const t = this.tenant(tenant);
    t.live.set(meta.blockID, meta);
    t.local.set(meta.blockID, meta);
    t.addedAt.set(meta.blockID, Date.now());
    this.prefetch([meta]);
    if (this.opts.localOnlyForMs !== undefined) this.expireLocal(Date.now() - this.opts.localOnlyForMs);
  }

  /** Drops local-only blocks added before `cutoffMs` (queriers' polls have seen them by then). */
  private expireLocal(cutoffMs: number): void {
    for (const t of this.tenants.values()) {
      for (const [id, at] of t.addedAt) {
        if (at >= cutoffMs) continue;
        t.addedAt.delete(id);
        t.local.delete(id);
        t.live.delete(id);
        this.readers.forget(id);
      }
    }
  }

  /** Re-reads every tenant's block list from the store. One poll runs at a time. */
  poll(): Promise<void> {
    this.polling ??= this.doPoll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async doPoll(): Promise<void> {
    try {
      const tenants = await listTenants(this.opts.store);
      for (const tenant of new Set([...tenants, ...this.tenants.keys()])) {
        const t = this.tenant(tenant);
        // A new process starts from the tenant manifest, so it reads one object instead of every meta.
        if (t.known.size === 0) {
          // Damaged or out of reach, the manifest only saves reads: the listing below finds every block.
          const index = await readTenantIndex(this.opts.store, tenant).catch((err: unknown) => {
            this.opts.log.warn({ tenant, err }, 'tenant manifest unreadable; reading every block meta instead');
            return undefined;
          });
          for (const m of index?.live ?? []) t.known.set(m.blockID, { meta: m, compacted: false });
          for (const m of index?.compacted ?? []) t.known.set(m.blockID, { meta: m, compacted: true });
        }
        const list = await listBlocks(this.opts.store, tenant, { concurrency: this.opts.pollConcurrency ?? 16, known: t.known });
        const previous = t.known;
        t.known = new Map<string, { meta: BlockMeta; compacted: boolean }>();
        for (const m of list.live) t.known.set(m.blockID, { meta: m, compacted: false });
        for (const m of list.compacted) t.known.set(m.blockID, { meta: m, compacted: true });
        const seen = new Map(list.live.map((m) => [m.blockID, m]));
        const unanswered: string[] = [];
        for (const e of list.errors) {
          if (!isDamageError(e.error)) {
            // The store did not answer: the block keeps the state the last poll saw (a block
            // turning compacted stays readable meanwhile), or waits for the next poll if new.
            const id = e.key.split('/')[1];
            const before = previous.get(id);
            if (before) t.known.set(id, before);
            if (before && !before.compacted) seen.set(id, before.meta);
            unanswered.push(e.key);
            continue;
          }
          if (this.badMetas.has(e.key)) continue;
          this.badMetas.add(e.key);
          this.opts.log.warn({ key: e.key, err: e.error }, 'block meta unreadable; block skipped (the compactor quarantines it)');
        }
        if (unanswered.length > 0) this.opts.log.warn({ tenant, metas: unanswered.length, key: unanswered[0], err: list.errors.find((e) => e.key === unanswered[0])?.error }, 'object store failed to return block metas; those blocks keep their last known state until the next poll');
        const compacted = new Set(list.compacted.map((m) => m.blockID));
        // Local blocks the listing does not show yet stay (eventually consistent listings);
        // ones it shows compacted or has caught up with are the store's to report from now on.
        for (const [id, m] of t.local) {
          if (seen.has(id) || compacted.has(id)) {
            t.local.delete(id);
            t.addedAt.delete(id);
          } else seen.set(id, m);
        }
        t.live = seen;
        for (const id of compacted) {
          this.readers.forget(id);
          this.prefetched.delete(id);
        }
        this.prefetch(visibleBlocks([...seen.values()]));
      }
      this.stats.polls++;
      this.stats.lastPollMs = Date.now();
    } catch (err) {
      this.stats.pollErrors++;
      this.opts.log.error({ err }, 'block list poll failed; keeping the previous list');
    }
  }

  /** Blocks a reader should read for a tenant (replaced compaction inputs left out). */
  blocks(tenant: string): BlockMeta[] {
    if (this.opts.localOnlyForMs !== undefined) this.expireLocal(Date.now() - this.opts.localOnlyForMs);
    const t = this.tenants.get(tenant);
    return t ? visibleBlocks([...t.live.values()]) : [];
  }

  /**
   * Ids of every block the list accounts for: listed, known compacted, or replaced by a block it
   * knows. A block outside this set (one an ingester just flushed) is one the list has not seen.
   */
  accounted(tenant: string): Set<string> {
    const t = this.tenants.get(tenant);
    const out = new Set<string>();
    if (!t) return out;
    for (const [id, { meta }] of t.known) {
      out.add(id);
      for (const from of compactedFromOf(meta)) out.add(from);
    }
    for (const [id, meta] of t.live) {
      out.add(id);
      for (const from of compactedFromOf(meta)) out.add(from);
    }
    return out;
  }

  /** Every tenant with blocks. */
  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** Logs (and reports to `onDamage`) each damaged part of a block the first time it is met. */
  noteDamage(damage: readonly BlockDamage[]): void {
    this.readers.noteDamage(damage);
  }

  /** The (cached) reader of a block. */
  reader(meta: BlockMeta): BlockReader {
    return this.readers.reader(meta);
  }
}
