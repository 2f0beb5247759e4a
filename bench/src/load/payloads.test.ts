import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';
import { generateTraces } from '../workload/generate.ts';
import { encodePayloads, PayloadCycler } from './payloads.ts';

const spanTimes = (body: Buffer): bigint[] =>
  decodeExportRequest(body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.flatMap((s) => [BigInt(s.startTimeUnixNano), BigInt(s.endTimeUnixNano)])));
const traceIds = (body: Buffer): string[] => decodeExportRequest(body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => bytesToHex(s.traceId))));

describe('payloads', () => {
  const set = encodePayloads(generateTraces(5, 60, { maxBatchSpans: 100 }));

  it('encodes batches and counts their spans and bytes', () => {
    expect(set.bodies.length).toBeGreaterThan(1);
    expect(set.totalSpans).toBe(set.bodies.reduce((n, b) => n + traceIds(b).length, 0));
    expect(set.totalBytes).toBe(set.bodies.reduce((n, b) => n + b.byteLength, 0));
  });

  it('sends the originals first, then fresh trace ids each pass, consistent within a pass', () => {
    const c = new PayloadCycler(set);
    const passes = [0, 1, 2].map(() => set.bodies.map(() => c.next()));
    expect(passes[0].every((p, i) => p.body === set.bodies[i])).toBe(true);
    const ids = passes.map((pass) => pass.flatMap((p) => traceIds(p.body)));
    const distinct = (xs: string[]): number => new Set(xs).size;
    // Same number of traces per pass (spans of a trace still meet), none shared between passes.
    expect(distinct(ids[1])).toBe(distinct(ids[0]));
    expect(distinct([...ids[0], ...ids[1], ...ids[2]])).toBe(3 * distinct(ids[0]));
    // The originals are left untouched.
    expect(traceIds(set.bodies[0])).toEqual(ids[0].slice(0, traceIds(set.bodies[0]).length));
  });

  afterEach(() => vi.useRealTimers());

  it('moves every span time forward by the time since the set was made, when asked, leaving ids and originals alone', () => {
    const made = Date.UTC(2026, 11, 7);
    vi.useFakeTimers({ toFake: ['Date'] });
    const c = new PayloadCycler(set, { retimeFromMs: made });
    const shifts = [0, 5_000, 90 * 60_000 + 7];
    for (const ms of shifts) {
      vi.setSystemTime(made + ms);
      for (let i = 0; i < set.bodies.length; i++) {
        const sent = c.next().body;
        const want = spanTimes(set.bodies[i]).map((t) => t + BigInt(ms) * 1_000_000n);
        expect(spanTimes(sent)).toEqual(want);
        if (ms === 0) expect(traceIds(sent)).toEqual(traceIds(set.bodies[i]));
      }
    }
    // Past the first pass, ids change as without retiming; the originals never do.
    c.next();
    expect(traceIds(c.next().body)).not.toEqual(traceIds(set.bodies[1]));
    expect(set.timeOffsets.reduce((n, o) => n + o.length, 0)).toBe(2 * set.totalSpans);
  });
});
