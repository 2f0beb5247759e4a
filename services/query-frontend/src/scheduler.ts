// Runs jobs on queriers. Jobs wait in one queue per tenant and are handed out tenant by tenant in
// turn, so one tenant's day-long search does not hold every querier while another tenant's
// small query waits. Each querier takes at most its slots; a job that fails on one querier
// (unreachable, killed mid-job, a failure of its own) runs again on another, up to maxRetries
// times, and an unreachable querier gets no new jobs for a short while. Live-data jobs skip the
// queue: a query asks live data before it reads the block list, so they must not wait.
import type { JobsService } from '@spanbase/internal-api';
import type { CallContext, RequestOf, ResponseOf } from '@spanbase/internal-api';
import type { PartChannel } from '@spanbase/query';
import { isSpanbaseError } from '@spanbase/model';
import type { Querier, QuerierSet } from './queriers.ts';
import { noQueriers } from './queriers.ts';

/** A job kind: a method of the Jobs service. */
export type JobKind = keyof typeof JobsService.methods;

/** How long an unreachable querier gets no new jobs, ms. */
const DOWN_MS = 2_000;

interface Pending {
  kind: JobKind;
  tenant: string;
  req: unknown;
  signal: AbortSignal;
  now: boolean;
  /** Where a metrics job's parts may go straight to (see CallContext.partChannel). */
  channel?: PartChannel;
  tried: Set<string>;
  attempts: number;
  resolve(v: unknown): void;
  reject(err: unknown): void;
  onAbort?: () => void;
}

/** Scheduler settings. */
export interface SchedulerOptions {
  /** The queriers now. */
  queriers: QuerierSet;
  /** Names the querier list in errors (its flag). */
  flag: string;
  /** Retries of a failed job on another querier. */
  maxRetries: number;
  /** Told of each retry (for a counter and the log). */
  onRetry?: (querier: string, err: unknown) => void;
}

/** Counts for /metrics. */
export interface SchedulerStats {
  queued: number;
  running: number;
}

/** Hands jobs to queriers. */
export class JobScheduler {
  private readonly opts: SchedulerOptions;
  private readonly queues = new Map<string, Pending[]>();
  private readonly running = new Map<string, number>();
  private readonly downUntil = new Map<string, number>();
  private queued = 0;
  /** When each tenant was last served (a serial number): the tenant served longest ago goes next. */
  private readonly lastServed = new Map<string, number>();
  private serial = 0;
  /** Rotates the choice among equally busy queriers. */
  private turn = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
  }

  /** Jobs waiting and running. */
  stats(): SchedulerStats {
    return { queued: this.queued, running: [...this.running.values()].reduce((a, b) => a + b, 0) };
  }

  /** Job slots over every querier (how many jobs a query usefully has in flight). */
  capacity(): number {
    return Math.max(1, this.opts.queriers().reduce((n, q) => n + q.slots, 0));
  }

  /**
   * Runs a job; `now` skips the queue (live data); `channel`: where a querier in this process may
   * post a metrics job's parts (see CallContext.partChannel). Rejects with the signal's reason when
   * aborted.
   */
  run<K extends JobKind>(kind: K, tenant: string, req: RequestOf<(typeof JobsService.methods)[K]>, signal: AbortSignal, now = false, channel?: PartChannel): Promise<ResponseOf<(typeof JobsService.methods)[K]>> {
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const p: Pending = { kind, tenant, req, signal, now, channel, tried: new Set(), attempts: 0, resolve: resolve as (v: unknown) => void, reject };
      p.onAbort = () => {
        if (!this.dequeue(p)) return;
        reject(signal.reason);
      };
      signal.addEventListener('abort', p.onAbort, { once: true });
      if (now) this.start(p, true);
      else this.enqueue(p, false);
    });
  }

  private enqueue(p: Pending, front: boolean): void {
    let q = this.queues.get(p.tenant);
    if (!q) this.queues.set(p.tenant, (q = []));
    if (front) q.unshift(p);
    else q.push(p);
    this.queued++;
    this.dispatch();
  }

  private dequeue(p: Pending): boolean {
    const q = this.queues.get(p.tenant);
    const i = q ? q.indexOf(p) : -1;
    if (i < 0) return false;
    q!.splice(i, 1);
    if (q!.length === 0) this.queues.delete(p.tenant);
    this.queued--;
    return true;
  }

  /** The querier for a job: not tried yet and up, if any, least busy first; with `anySlot` even a full one. */
  private pick(p: Pending, anySlot: boolean): Querier | undefined {
    const now = Date.now();
    const all = this.opts.queriers();
    const fresh = all.filter((q) => !p.tried.has(q.name));
    const pool = fresh.length > 0 ? fresh : all;
    const up = pool.filter((q) => (this.downUntil.get(q.name) ?? 0) <= now);
    const candidates = (up.length > 0 ? up : pool).filter((q) => anySlot || (this.running.get(q.name) ?? 0) < q.slots);
    // Least busy first; among equally busy ones, each in turn (so one-job queries spread too).
    let best: Querier | undefined;
    let load = Infinity;
    const from = this.turn++;
    for (let i = 0; i < candidates.length; i++) {
      const q = candidates[(from + i) % candidates.length];
      const l = (this.running.get(q.name) ?? 0) / q.slots;
      if (l < load) {
        load = l;
        best = q;
      }
    }
    return best;
  }

  /** Starts waiting jobs while queriers have free slots, one tenant at a time in turn. */
  private dispatch(): void {
    let progress = true;
    while (progress && this.queued > 0) {
      progress = false;
      // Tenants waiting, the one served longest ago (or never) first.
      const turn = [...this.queues.keys()].sort((a, b) => (this.lastServed.get(a) ?? -1) - (this.lastServed.get(b) ?? -1));
      for (const tenant of turn) {
        const p = this.queues.get(tenant)![0];
        if (this.opts.queriers().length === 0) {
          this.dequeue(p);
          this.fail(p, noQueriers(this.opts.flag));
          progress = true;
          break;
        }
        const querier = this.pick(p, false);
        if (!querier) continue;
        this.dequeue(p);
        this.launch(p, querier);
        progress = true;
        break;
      }
    }
    this.wakeLater();
  }

  /** With jobs waiting and every querier down, looks again when the first comes back. */
  private wakeLater(): void {
    if (this.queued === 0 || this.timer) return;
    const soonest = Math.min(...[...this.downUntil.values()].filter((t) => t > Date.now()), Date.now() + DOWN_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dispatch();
    }, Math.max(10, soonest - Date.now()));
    this.timer.unref();
  }

  private start(p: Pending, anySlot: boolean): void {
    if (this.opts.queriers().length === 0) return this.fail(p, noQueriers(this.opts.flag));
    const querier = this.pick(p, anySlot);
    if (!querier) return this.enqueue(p, true);
    this.launch(p, querier);
  }

  private launch(p: Pending, q: Querier): void {
    this.lastServed.delete(p.tenant);
    this.lastServed.set(p.tenant, ++this.serial);
    // Tenants long gone are forgotten (they would count as never served, which is the same).
    if (this.lastServed.size > 10_000) this.lastServed.delete(this.lastServed.keys().next().value!);
    p.tried.add(q.name);
    p.attempts++;
    this.running.set(q.name, (this.running.get(q.name) ?? 0) + 1);
    const handler = q.jobs[p.kind] as (req: unknown, ctx: CallContext) => Promise<unknown>;
    let call: Promise<unknown>;
    try {
      call = handler(p.req, { tenant: p.tenant, signal: p.signal, peer: 'query-frontend', partChannel: q.local ? p.channel : undefined });
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      (v) => {
        this.done(q);
        p.signal.removeEventListener('abort', p.onAbort!);
        p.resolve(v);
      },
      (err) => {
        this.done(q);
        if (p.signal.aborted) return this.fail(p, p.signal.reason);
        if (isSpanbaseError(err) && err.code === 'RPC_ERR_UNAVAILABLE') this.downUntil.set(q.name, Date.now() + DOWN_MS);
        // A problem with the query itself fails everywhere; anything else may be this querier's.
        // A job that may have posted parts already is not run again: they would count twice.
        const retryable = (!isSpanbaseError(err) || err.statusCode >= 500) && !(q.local && p.channel);
        if (!retryable || p.attempts > this.opts.maxRetries) return this.fail(p, err);
        this.opts.onRetry?.(q.name, err);
        if (p.now) this.start(p, true);
        else this.enqueue(p, true);
      },
    );
  }

  private done(q: Querier): void {
    const left = (this.running.get(q.name) ?? 1) - 1;
    if (left <= 0) this.running.delete(q.name);
    else this.running.set(q.name, left);
    this.dispatch();
  }

  private fail(p: Pending, err: unknown): void {
    p.signal.removeEventListener('abort', p.onAbort!);
    p.reject(err);
  }
}
