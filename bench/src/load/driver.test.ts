import { describe, expect, it } from 'vitest';
import { drive } from './driver.ts';
import { PayloadCycler } from './payloads.ts';
import type { PayloadSet } from './payloads.ts';

// Two tiny bodies of 10 and 30 spans (the driver never looks inside them).
const set: PayloadSet = { bodies: [Buffer.alloc(4), Buffer.alloc(8)], spans: Uint32Array.from([10, 30]), traceIdOffsets: [new Uint32Array(0), new Uint32Array(0)], timeOffsets: [new Uint32Array(0), new Uint32Array(0)], totalSpans: 40, totalBytes: 12 };

describe('load driver', () => {
  it('flat out: keeps `concurrency` requests in flight and counts what was accepted', async () => {
    let inFlight = 0;
    let most = 0;
    const r = await drive({
      payloads: new PayloadCycler(set), concurrency: 3, durationMs: 100,
      send: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((res) => setTimeout(res, 2));
        inFlight--;
        return 'ok';
      },
    });
    expect(most).toBe(3);
    expect(r.ok).toBe(r.requests);
    expect(r.acceptedSpans).toBe(r.offeredSpans);
    expect(r.latencyMs).toHaveLength(r.ok);
    expect(r.doneSpans.reduce((a, b) => a + b, 0)).toBe(r.acceptedSpans);
  });

  it('open loop: sends exactly the spans the target rate asks for over the duration', async () => {
    // 2000 spans/s for 200 ms = 400 spans: bodies of 10, 30, 10, 30, ... until the schedule passes 200 ms.
    const r = await drive({ payloads: new PayloadCycler(set), concurrency: 4, durationMs: 200, spansPerSecond: 2000, send: async () => 'ok' });
    expect(r.offeredSpans).toBe(400);
    expect(r.requests).toBe(20);
  });

  it('counts failures by reason and gives up on requests that never answer', async () => {
    let n = 0;
    const r = await drive({
      payloads: new PayloadCycler(set), concurrency: 2, durationMs: 50, timeoutMs: 20,
      send: () => (n++ % 2 === 0 ? Promise.resolve('429') : new Promise<string>(() => undefined)),
    });
    expect(r.ok).toBe(0);
    expect(r.acceptedSpans).toBe(0);
    expect(r.failures['429']).toBeGreaterThan(0);
    expect(r.failures.timeout).toBeGreaterThan(0);
    expect(r.failures['429'] + r.failures.timeout).toBe(r.requests);
  });
});
