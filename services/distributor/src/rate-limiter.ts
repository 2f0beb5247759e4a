// Per-tenant token buckets over request bytes: a tenant may send `rate` bytes per second on
// average and `burst` bytes at once. Checked before decoding, so an over-limit client costs
// almost nothing.
import { RateLimited } from './errors.ts';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Token-bucket rate limiting per tenant. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(rateBytesPerSecond: number, burstBytes: number, now: () => number = Date.now) {
    this.rate = rateBytesPerSecond;
    this.burst = burstBytes;
    this.now = now;
  }

  /** Takes `bytes` tokens for `tenant`, or throws a 429 that says when to retry. */
  take(tenant: string, bytes: number): void {
    const now = this.now();
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: this.burst, updatedMs: now };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.updatedMs) / 1000) * this.rate);
    b.updatedMs = now;
    if (bytes > this.burst) {
      throw RateLimited(`RATE_LIMITED: batch of ${bytes} bytes exceeds the ingestion burst size of ${this.burst} bytes (--ingestion.burst-size-bytes); send smaller batches`, { retryAfterSeconds: 5 });
    }
    if (b.tokens < bytes) {
      const wait = Math.max(1, Math.ceil((bytes - b.tokens) / this.rate));
      throw RateLimited(`RATE_LIMITED: tenant ${tenant} is over its ingestion rate of ${this.rate} bytes/s (burst ${this.burst}) while adding ${bytes} bytes; retry in ${wait}s`, { retryAfterSeconds: wait });
    }
    b.tokens -= bytes;
  }
}
