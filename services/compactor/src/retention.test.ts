// Retention rules keep exactly the traces they name, whole, and the rest go at the right ages.
// The expected sets come from the reference evaluator over the full traces.
import { defaultConfig } from '@spanbase/config';
import type { SpanRecord } from '@spanbase/model';
import { traceIdToSearchHex } from '@spanbase/model';
import { referenceSearch } from '@spanbase/traceql';
import { afterAll, describe, expect, it } from 'vitest';
import { CountingMetrics } from './metrics.ts';
import { Overrides, limitsFromConfig } from '@spanbase/overrides';
import { DAY, HOUR, MIN, T0_MS, TempDirs, TestClock, splitTraces, testCompactor, writeParts } from './testing/scenario.ts';
import { expectedView, objectKeys, readerView, visibleMetas, writeTestBlock } from './testing/store-check.ts';
import { sortTraces, testTrace } from './testing/traces.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

const RULES = ['{ status = error } 30d', '{ duration > 2s } 10d', '{ resource.service.name = "email" } 2d'];

/** Traces whose root is just before an hour boundary: children land in one window's block, the root in the next. */
function crossWindowTraces(boundaryMs: number, first: number): { traces: SpanRecord[][]; before: SpanRecord[][]; after: SpanRecord[][] } {
  const traces = sortTraces(Array.from({ length: 12 }, (_, i) => testTrace(first + i, { startNs: BigInt(boundaryMs - 1000 + i) * 1_000_000n, spans: 4, error: i % 3 === 0, slow: i % 3 === 1 })));
  return { traces, before: traces.map((t) => t.slice(1)), after: traces.map((t) => [t[0]]) };
}

async function retained(traces: SpanRecord[][], rule: string): Promise<Set<string>> {
  const r = await referenceSearch(rule.replace(/\s+\S+$/, ''), traces, { limit: 0 });
  return new Set(r.traces.map((t) => t.traceId));
}

describe('retention rules', () => {
  it('keep exactly the traces they match, whole, and drop the rest at the right ages', async () => {
    const store = tmp.store();
    const all: SpanRecord[][] = [];
    for (let w = 0; w < 2; w++) {
      const { traces, parts } = splitTraces(60, 3, T0_MS + w * HOUR + 5 * MIN, w * 1000);
      all.push(...traces);
      await writeParts(store, 't', parts);
    }
    const cross = crossWindowTraces(T0_MS + HOUR, 5000);
    await writeTestBlock(store, 't', cross.before);
    await writeTestBlock(store, 't', cross.after);
    all.push(...cross.traces);
    const ids = all.map((t) => t[0].span.traceId);
    const lastEnd = Math.max(...(await visibleMetas(store, 't')).map((m) => Number(BigInt(m.endUnixNano) / 1_000_000n)));
    const firstEnd = Math.min(...(await visibleMetas(store, 't')).map((m) => Number(BigInt(m.endUnixNano) / 1_000_000n)));

    // Each trace's retention by the reference evaluator: the longest rule it matches, else 7d.
    const [errors, slow, email] = await Promise.all(RULES.map((r) => retained(all, r)));
    const retention = (t: SpanRecord[]) => {
      const id = traceIdToSearchHex(t[0].span.traceId);
      if (errors.has(id)) return 30 * DAY;
      if (slow.has(id)) return 10 * DAY;
      if (email.has(id)) return 2 * DAY;
      return 7 * DAY;
    };
    const keptAt = (tier: number) => all.filter((t) => retention(t) > tier);
    // The data must exercise every rule, and the cross-window traces every case.
    for (const s of [errors, slow, email]) expect(s.size).toBeGreaterThan(3);
    expect(keptAt(2 * DAY).length).toBeLessThan(all.length);

    // The default block retention (14d) is only the default's default: the 30d rule keeps errors longer.
    const cfg = defaultConfig({ 'retention.rule': RULES, 'retention.default': 7 * DAY });
    const clock = new TestClock(lastEnd + HOUR);
    const metrics = new CountingMetrics();
    const compactor = testCompactor(store, clock, { metrics }, new Overrides(limitsFromConfig(cfg)));
    const settle = async () => {
      for (let i = 0; i < 6; i++) {
        const r = await compactor.runCycle();
        expect(r.failures).toBe(0);
        if (r.jobs + r.blocksExpired + r.blocksDeleted === 0) return;
      }
    };
    await settle();
    expect(await readerView(store, 't', ids)).toEqual(expectedView(all));
    let dropped = 0;
    for (const [tier, next] of [[2 * DAY, 7 * DAY], [7 * DAY, 10 * DAY], [10 * DAY, 30 * DAY]]) {
      const before = all.length - dropped;
      // Just before the first block passes the tier nothing more goes...
      clock.t = firstEnd + tier - MIN;
      await settle();
      expect((await readerView(store, 't', ids)).byId.length).toBe(expectedView(all.filter((t) => retention(t) >= tier)).byId.length);
      // ...once every block has passed it, exactly the traces retained longer are left.
      clock.t = lastEnd + tier + MIN;
      await settle();
      const kept = keptAt(tier);
      expect(await readerView(store, 't', ids)).toEqual(expectedView(kept));
      expect(kept.length).toBeLessThan(before);
      expect(keptAt(next - 1).length).toBe(kept.length);
      dropped = all.length - kept.length;
    }
    expect(metrics.get('tracesDroppedByRetention')).toBeGreaterThanOrEqual(dropped);
    // Past the longest rule every block expires, and an hour later it is deleted.
    clock.t = lastEnd + 30 * DAY + MIN;
    await settle();
    expect(await visibleMetas(store, 't')).toEqual([]);
    expect(metrics.get('blocksExpired')).toBeGreaterThan(0);
    clock.t += HOUR + MIN;
    await settle();
    expect(await objectKeys(store, 't/')).toEqual([]);
  });

  it('expire whole blocks past the block retention when there are no rules', async () => {
    const store = tmp.store();
    const { traces, parts } = splitTraces(20, 1, T0_MS);
    const [meta] = await writeParts(store, 't', parts);
    const end = Number(BigInt(meta.endUnixNano) / 1_000_000n);
    const clock = new TestClock(end + 336 * HOUR - MIN);
    const infos: { obj: Record<string, unknown>; msg?: string }[] = [];
    const log = { info: (obj: object, msg?: string) => void infos.push({ obj: obj as Record<string, unknown>, msg }), warn() {}, error() {} };
    const compactor = testCompactor(store, clock, { log });
    await compactor.runCycle();
    expect(await readerView(store, 't', traces.map((t) => t[0].span.traceId))).toEqual(expectedView(traces));
    expect(infos.filter((l) => l.msg?.startsWith('expired'))).toEqual([]);
    clock.t = end + 336 * HOUR + MIN;
    expect(await compactor.runCycle()).toMatchObject({ blocksExpired: 1, jobs: 0 });
    expect(await visibleMetas(store, 't')).toEqual([]);
    // Data going away is said at info level, with what went and why.
    const spans = traces.reduce((n, t) => n + t.length, 0);
    const expired = infos.filter((l) => l.msg?.startsWith('expired'));
    expect(expired.map((l) => l.msg)).toEqual([`expired 1 block(s) with ${spans} span(s): block retention 14d`]);
    expect(expired[0].obj).toMatchObject({ tenant: 't', blocks: 1, traces: traces.length, spans, ids: [meta.blockID] });
    clock.t += HOUR + MIN;
    await compactor.runCycle();
    expect(infos.map((l) => l.msg)).toContain('deleted 1 compacted or expired block(s) past their grace period');
  });
});
