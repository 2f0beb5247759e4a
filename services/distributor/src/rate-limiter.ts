// Per-tenant token buckets over request bytes: a tenant may send `rate` bytes per second on
// average and `burst` bytes at once. Checked before decoding, so an over-limit client costs
// almost nothing.
import { RateLimited } from './errors.ts';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** A tenant's limits: sustained bytes per second and the bucket size. */
export interface TenantRate {
  rateBytesPerSecond: number;
  burstBytes: number;
}

/** Token-bucket rate limiting per tenant, each tenant with its own limits (overrides file). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limits: (tenant: string) => TenantRate;
  private readonly now: () => number;

  constructor(limits: (tenant: string) => TenantRate, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  /** Takes `bytes` tokens for `tenant`, or throws a 429 that says when to retry. */
  take(tenant: string, bytes: number): void {
    const { rateBytesPerSecond: rate, burstBytes: burst } = this.limits(tenant);
    const now = this.now();
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: burst, updatedMs: now };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.updatedMs) / 1000) * rate);
    b.updatedMs = now;
    if (bytes > burst) {
      throw RateLimited(`RATE_LIMITED: batch of ${bytes} bytes exceeds the ingestion burst size of ${burst} bytes (--ingestion.burst-size-bytes); send smaller batches`, { retryAfterSeconds: 5 });
    }
    if (b.tokens < bytes) {
      const wait = Math.max(1, Math.ceil((bytes - b.tokens) / rate));
      throw RateLimited(`RATE_LIMITED: tenant ${tenant} is over its ingestion rate of ${rate} bytes/s (burst ${burst}) while adding ${bytes} bytes; retry in ${wait}s`, { retryAfterSeconds: wait });
    }
    b.tokens -= bytes;
  }
}
