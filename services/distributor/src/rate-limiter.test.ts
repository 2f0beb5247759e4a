import { describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows the burst, then the rate, per tenant, and says when to retry', () => {
    let now = 0;
    const rl = new RateLimiter((t) => (t === 'big' ? { rateBytesPerSecond: 10_000, burstBytes: 50_000 } : { rateBytesPerSecond: 1000, burstBytes: 3000 }), () => now);
    rl.take('a', 2000);
    rl.take('a', 1000);
    let err: unknown;
    try {
      rl.take('a', 1500);
    } catch (e) {
      err = e;
    }
    expect(isSpanbaseError(err) && err.statusCode).toBe(429);
    expect(isSpanbaseError(err) && err.retryAfterSeconds).toBe(2);
    rl.take('b', 3000); // another tenant has its own bucket
    now = 1500;
    rl.take('a', 1500); // refilled at 1000 bytes/s
    expect(() => rl.take('a', 1)).toThrow(/over its ingestion rate/);
    expect(() => rl.take('c', 3001)).toThrow(/exceeds the ingestion burst size/);
    rl.take('big', 40_000); // a tenant with its own limits (overrides file)
  });
});
