// Window leases: one compactor at a time works on a tenant's time window. Blocks never move between
// windows (a block's window is its newest span divided by --compaction.window), so two compactors
// holding different windows never share an input. S3 offers no compare-and-swap we can rely on
// across S3-compatible stores, so a lease is an object written, then read back after a settle
// delay: of two writers racing, the later write wins and the earlier one sees it and backs off.
// The job re-checks its lease right before it publishes (see publish.ts), which closes the race
// that remains when a writer stalls between its read and its write. The reasoning is in
// docs/design/2026-11 Compaction and retention.md ("Two compactors").
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ObjectStore } from '@spanbase/backend';
import { CompactorLeaseLost } from './errors.ts';

/** Root prefix of the compactor's own objects; `~` cannot start a tenant id, so no tenant collides. */
export const COMPACTOR_PREFIX = '~compactor/';

/** Key of the lease of one window of one tenant. */
export function leaseKey(tenant: string, window: string): string {
  return `${COMPACTOR_PREFIX}leases/${tenant}/${window}.json`;
}

/** What a lease object holds. */
export interface LeaseRecord {
  /** Who holds it (host and process, for operators). */
  owner: string;
  /** Random per acquisition; the holder recognises its own write by it. */
  token: string;
  /** The window key. */
  window: string;
  /** When it stops being valid, unix ms (holder's clock). */
  expiresAt: number;
  /** Blocks the holder is writing: partial-block cleanup leaves them alone. */
  outputs: string[];
}

/** Timings and identity of a lease holder. */
export interface LeaseOptions {
  /** Owner name written into leases. */
  owner: string;
  /** Lease lifetime; renewed every third of it while a job runs. */
  ttlMs: number;
  /** Wait between writing a lease and reading it back. */
  settleMs: number;
  /** Clock, unix ms. */
  now: () => number;
}

function parseRecord(bytes: Uint8Array | undefined): LeaseRecord | undefined {
  if (!bytes) return undefined;
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as LeaseRecord;
    return typeof r.token === 'string' && typeof r.expiresAt === 'number' && Array.isArray(r.outputs) ? r : undefined;
  } catch {
    return undefined; // a torn or foreign object counts as no lease; the next write replaces it
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes a lease record. A write that failed may still have landed (its reply lost): if the
 * store holds this very record afterwards, the write counts as done; otherwise it throws. An
 * acquisition counted as failed while its record sits in the store would shut everyone out of
 * the window, its writer included, until the record expires.
 */
async function writeRecord(store: ObjectStore, key: string, record: LeaseRecord): Promise<void> {
  try {
    await store.put(key, new TextEncoder().encode(JSON.stringify(record)));
  } catch (err) {
    const back = parseRecord(await store.get(key).catch(() => undefined));
    if (back?.token !== record.token || back.expiresAt !== record.expiresAt) throw err;
  }
}

/** A held lease. */
export class Lease {
  /** The lease object's key. */
  readonly key: string;
  private readonly store: ObjectStore;
  private readonly opts: LeaseOptions;
  private record: LeaseRecord;

  constructor(store: ObjectStore, key: string, record: LeaseRecord, opts: LeaseOptions) {
    this.store = store;
    this.key = key;
    this.record = record;
    this.opts = opts;
  }

  /** The lease object as last written (a worker continues from it). */
  snapshot(): LeaseRecord {
    return { ...this.record, outputs: [...this.record.outputs] };
  }

  /** Owner and timings, without the clock (a worker brings its own). */
  timings(): Omit<LeaseOptions, 'now'> {
    return { owner: this.opts.owner, ttlMs: this.opts.ttlMs, settleMs: this.opts.settleMs };
  }

  /** Blocks this holder announced it writes. */
  get outputs(): readonly string[] {
    return this.record.outputs;
  }

  /**
   * Extends the lease (and records `outputs` in it). Throws CMP_ERR_LEASE_LOST when someone else
   * holds it now or it ran out: after expiry another compactor may already be acquiring it.
   */
  async renew(outputs: readonly string[] = []): Promise<void> {
    const now = this.opts.now();
    const current = parseRecord(await this.store.get(this.key));
    if (!current || current.token !== this.record.token) throw CompactorLeaseLost(`lease ${this.key} is held by ${current?.owner ?? 'nobody'} now`);
    if (current.expiresAt <= now) throw CompactorLeaseLost(`lease ${this.key} expired ${now - current.expiresAt} ms ago`);
    const next = { ...this.record, expiresAt: now + this.opts.ttlMs, outputs: [...new Set([...this.record.outputs, ...outputs])] };
    await writeRecord(this.store, this.key, next);
    this.record = next;
  }

  /** Renews every third of the lease time until the returned function is called; reports a loss once. */
  keepAlive(onLost: (err: Error) => void): () => void {
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(async () => {
        if (stopped) return;
        try {
          await this.renew();
        } catch (err) {
          stopped = true;
          clearInterval(timer);
          onLost(err as Error);
        }
      });
    }, Math.max(1, Math.floor(this.opts.ttlMs / 3)));
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  /** Gives the lease up, unless someone else holds it by now. */
  async release(): Promise<void> {
    const current = parseRecord(await this.store.get(this.key));
    if (current?.token === this.record.token) await this.store.delete(this.key);
  }
}

/**
 * Tokens acquired in this process (by any Leases), with their first expiry: a lease of a live
 * holder here is never mistaken for a dead one's, even where two compactors share an owner name.
 */
const ISSUED = new Map<string, number>();

/** Acquires window leases and reads the outputs other holders announce. */
export class Leases {
  private readonly store: ObjectStore;
  private readonly opts: LeaseOptions;

  constructor(store: ObjectStore, opts: Partial<LeaseOptions> = {}) {
    this.store = store;
    this.opts = { owner: opts.owner ?? `compactor-${process.pid}`, ttlMs: opts.ttlMs ?? 5 * 60_000, settleMs: opts.settleMs ?? 500, now: opts.now ?? Date.now };
  }

  /** The lease of `window`, or undefined while another compactor holds it. */
  async acquire(tenant: string, window: string): Promise<Lease | undefined> {
    const key = leaseKey(tenant, window);
    const existing = parseRecord(await this.store.get(key));
    if (existing && existing.expiresAt > this.opts.now() && !this.abandoned(existing)) return undefined;
    const record: LeaseRecord = { owner: this.opts.owner, token: randomUUID(), window, expiresAt: this.opts.now() + this.opts.ttlMs, outputs: [] };
    await writeRecord(this.store, key, record);
    await sleep(this.opts.settleMs);
    const back = parseRecord(await this.store.get(key));
    if (back?.token !== record.token) return undefined;
    for (const [token, expiresAt] of ISSUED) if (expiresAt + this.opts.ttlMs * 100 < this.opts.now()) ISSUED.delete(token);
    ISSUED.set(record.token, record.expiresAt);
    return new Lease(this.store, key, record, this.opts);
  }

  /**
   * Whether an unexpired lease was left by a holder that is gone: a process on this host (owner
   * `host/pid`) that no longer runs, or this very owner name in an earlier life (a container
   * restarts as pid 1 again). Without this a restarted single binary would wait out the lease of
   * the process that was killed, minutes with no compaction of that window. A holder on another
   * host is never judged: only expiry frees its lease. Taking over early is safe either way, as a
   * holder re-checks its lease before it publishes.
   */
  private abandoned(r: LeaseRecord): boolean {
    if (ISSUED.has(r.token)) return false;
    if (r.owner === this.opts.owner) return true;
    const m = /^(.+)\/(\d+)$/.exec(r.owner);
    if (!m || m[1] !== hostname()) return false;
    try {
      process.kill(Number(m[2]), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  /** Outputs announced in the tenant's unexpired leases: blocks someone is writing right now. */
  async activeOutputs(tenant: string): Promise<Set<string>> {
    const out = new Set<string>();
    const { objects } = await this.store.list(`${COMPACTOR_PREFIX}leases/${tenant}/`);
    const now = this.opts.now();
    await Promise.all(
      objects.map(async (o) => {
        const r = parseRecord(await this.store.get(o.key));
        if (r && r.expiresAt > now) for (const id of r.outputs) out.add(id);
      }),
    );
    return out;
  }

  /** Deletes lease objects that expired long ago (a killed holder never releases). */
  async sweep(tenant: string, olderThanMs: number): Promise<void> {
    const { objects } = await this.store.list(`${COMPACTOR_PREFIX}leases/${tenant}/`);
    const now = this.opts.now();
    for (const o of objects) {
      const r = parseRecord(await this.store.get(o.key));
      if (!r || r.expiresAt < now - olderThanMs) await this.store.delete(o.key);
    }
  }
}
