// Admission control for queries: a bounded number run at once, over all tenants and per tenant;
// a few more wait in a short queue, served tenant by tenant in turn so one busy tenant cannot
// hold every free slot; past that a 429 with Retry-After goes out at once. Ingest never passes
// through here: it has its own listener and never waits behind a query.
import { TooManyQueries } from './errors.ts';

/** The limits (flags, and per tenant the overrides file). */
export interface AdmissionLimits {
  /** Queries running at once over all tenants (--query.max-concurrent). */
  maxConcurrent: number;
  /** Queries a tenant may run at once (--query.max-concurrent-per-tenant). */
  perTenant: (tenant: string) => number;
  /** Queries waiting for a turn, over all tenants (--query.max-queued). */
  maxQueued: number;
  /** Longest wait for a turn before the query gets 429 (--query.queue-timeout), ms. */
  queueTimeoutMs: number;
}

interface Waiter {
  tenant: string;
  admit: () => void;
  reject: (err: Error) => void;
}

/** Counts, for /metrics. */
export interface AdmissionStats {
  running: number;
  queued: number;
  /** Queries refused with 429 since start. */
  rejected: number;
}

/** Admits queries under the limits. */
export class QueryAdmission {
  private readonly limits: AdmissionLimits;
  private readonly running = new Map<string, number>();
  private total = 0;
  /** Waiting queries per tenant, in arrival order; tenants in the order they are served. */
  private readonly queues = new Map<string, Waiter[]>();
  private queued = 0;
  private rejected = 0;
  private readonly onReject: (() => void) | undefined;

  /** `onReject` is told of every 429 (for a counter). */
  constructor(limits: AdmissionLimits, onReject?: () => void) {
    this.limits = limits;
    this.onReject = onReject;
  }

  /** Running, queued and refused queries. */
  stats(): AdmissionStats {
    return { running: this.total, queued: this.queued, rejected: this.rejected };
  }

  /** Runs `fn` once admitted; throws 429 when the queue is full or the wait too long, or the signal's reason. */
  async run<T>(tenant: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.admit(tenant, signal);
    try {
      return await fn();
    } finally {
      this.release(tenant);
    }
  }

  private canRun(tenant: string): boolean {
    return this.total < this.limits.maxConcurrent && (this.running.get(tenant) ?? 0) < this.limits.perTenant(tenant);
  }

  private start(tenant: string): void {
    this.total++;
    this.running.set(tenant, (this.running.get(tenant) ?? 0) + 1);
  }

  private admit(tenant: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (!this.queues.has(tenant) && this.canRun(tenant)) {
      this.start(tenant);
      return Promise.resolve();
    }
    if (this.queued >= this.limits.maxQueued) {
      this.rejected++;
      this.onReject?.();
      const mine = this.running.get(tenant) ?? 0;
      const why = mine >= this.limits.perTenant(tenant)
        ? `tenant ${tenant} already runs ${mine} queries (--query.max-concurrent-per-tenant=${this.limits.perTenant(tenant)})`
        : `${this.total} queries are running (--query.max-concurrent=${this.limits.maxConcurrent})`;
      return Promise.reject(TooManyQueries(`${why} and ${this.queued} are waiting (--query.max-queued=${this.limits.maxQueued}); retry shortly`, { retryAfterSeconds: 1 }));
    }
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        tenant,
        admit: () => {
          done();
          resolve();
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      const leave = (err: Error) => {
        const q = this.queues.get(tenant);
        const i = q ? q.indexOf(w) : -1;
        if (i < 0) return;
        q!.splice(i, 1);
        if (q!.length === 0) this.queues.delete(tenant);
        this.queued--;
        w.reject(err);
      };
      const onAbort = () => leave(signal!.reason as Error);
      const timer = setTimeout(() => {
        this.rejected++;
        this.onReject?.();
        leave(TooManyQueries(`waited ${this.limits.queueTimeoutMs} ms for a turn (--query.queue-timeout); the server is busy with other queries; retry shortly`, { retryAfterSeconds: 1 }));
      }, this.limits.queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const q = this.queues.get(tenant);
      if (q) q.push(w);
      else this.queues.set(tenant, [w]);
      this.queued++;
    });
  }

  private release(tenant: string): void {
    this.total--;
    const left = (this.running.get(tenant) ?? 1) - 1;
    if (left <= 0) this.running.delete(tenant);
    else this.running.set(tenant, left);
    this.dispatch();
  }

  /** Starts waiting queries while slots are free: each tenant in turn, one query each. */
  private dispatch(): void {
    let progress = true;
    while (progress && this.queued > 0 && this.total < this.limits.maxConcurrent) {
      progress = false;
      for (const [tenant, q] of [...this.queues]) {
        if (!this.canRun(tenant)) continue;
        const w = q.shift()!;
        if (q.length === 0) this.queues.delete(tenant);
        else {
          // Served: to the back of the line.
          this.queues.delete(tenant);
          this.queues.set(tenant, q);
        }
        this.queued--;
        this.start(tenant);
        w.admit();
        progress = true;
        break;
      }
    }
  }
}
