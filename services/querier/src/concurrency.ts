// Per-tenant limits on queries running at once: one tenant's heavy searches must not starve the
// others. Over the limit the caller gets 429 at once instead of queueing without bound.
import { TooManyQueries } from './errors.ts';

/** Counts running queries per tenant. */
export class TenantConcurrency {
  private readonly running = new Map<string, number>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Runs `fn` if the tenant is under its limit, else throws 429. */
  async run<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    const n = this.running.get(tenant) ?? 0;
    if (n >= this.max) throw TooManyQueries(`tenant ${tenant} already runs ${n} queries (--query.max-concurrent-per-tenant=${this.max}); retry shortly`, { retryAfterSeconds: 1 });
    this.running.set(tenant, n + 1);
    try {
      return await fn();
    } finally {
      const left = (this.running.get(tenant) ?? 1) - 1;
      if (left <= 0) this.running.delete(tenant);
      else this.running.set(tenant, left);
    }
  }
}
