import type { ObjectStore } from '@spanbase/backend';
import { createObjectStore } from '@spanbase/backend';
import { BlockObjects, blockKey, readTenantIndex } from '@spanbase/block';
import { afterAll, describe, expect, it } from 'vitest';
import { s3TestConfig } from '../../../test/setup/s3.ts';
import type { CompactionMeta } from './compaction-meta.ts';
import { CountingMetrics } from './metrics.ts';
import type { CompactionStep } from './run-job.ts';
import { HOUR, MIN, T0_MS, TEST_PLANNER, TempDirs, TestClock, splitTraces, testCompactor, writeParts } from './testing/scenario.ts';
import { blockObjectKeys, expectedView, objectKeys, readerView, visibleMetas, writeTestBlock } from './testing/store-check.ts';
import { sortTraces, spanKeys, testTrace } from './testing/traces.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

const localStore = (): ObjectStore => tmp.store();

const STORES: [string, () => ObjectStore][] = [
  ['LocalStore', localStore],
  ['S3 (s3rver)', () => createObjectStore({ backend: 's3', s3: s3TestConfig() })],
];

describe.each(STORES)('compaction over %s', (_name, makeStore) => {
  it('returns every span exactly once before, during and after merging overlapping blocks', async () => {
    const store = makeStore();
    const { traces, parts } = splitTraces(64, 4, T0_MS);
    const ids = traces.map((t) => t[0].span.traceId);
    const inputs = await writeParts(store, 't1', parts);
    const expected = expectedView(traces);
    expect(await readerView(store, 't1', ids)).toEqual(expected);

    const clock = new TestClock(T0_MS + 2 * HOUR);
    const steps: CompactionStep[] = [];
    const metrics = new CountingMetrics();
    const compactor = testCompactor(store, clock, {
      metrics,
      // Both generations are visible at these points; readers must still see each span once.
      step: async (step) => {
        steps.push(step);
        if (step !== 'deleting') expect(await readerView(store, 't1', ids)).toEqual(expected);
      },
    });
    const report = await compactor.runCycle();
    expect(report).toMatchObject({ jobs: 1, blocksCompacted: 4, failures: 0 });
    expect(steps).toEqual(['output-partial', 'output-committed', 'input-marked']);
    const after = await visibleMetas(store, 't1');
    expect(after).toHaveLength(1);
    expect(after[0].compactionLevel).toBe(1);
    expect([...(after[0].compactedFrom ?? [])].sort()).toEqual(inputs.map((m) => m.blockID).sort());
    expect(after[0].spanCount).toBe(expected.byId.length);
    expect(await readerView(store, 't1', ids)).toEqual(expected);
    // A querier that still holds the old block list keeps working until the inputs are deleted.
    expect(await readerView(store, 't1', ids, inputs)).toEqual(expected);
    expect(metrics.get('blocksCompacted')).toBe(4);
    expect(metrics.get('bytesCompacted')).toBe(inputs.reduce((n, m) => n + m.size, 0));

    // Nothing to do until the compacted blocks have waited their retention, then they go.
    expect(await compactor.runCycle()).toMatchObject({ jobs: 0, blocksDeleted: 0 });
    clock.t += HOUR + MIN;
    expect(await compactor.runCycle()).toMatchObject({ jobs: 0, blocksDeleted: 4 });
    expect(steps.at(-1)).toBe('deleting');
    const left = await blockObjectKeys(store, 't1');
    expect(left.every((k) => k.startsWith(`t1/${after[0].blockID}/`))).toBe(true);
    // The tenant manifest the compactor leaves lists what the store holds.
    const manifest = await readTenantIndex(store, 't1');
    expect(manifest!.live.map((m) => m.blockID)).toEqual([after[0].blockID]);
    expect(manifest!.compacted).toEqual([]);
    expect(await readerView(store, 't1', ids)).toEqual(expected);
    expect(await objectKeys(store, '~compactor/')).toEqual([]);
  });
});

describe('compaction', () => {
  it('joins traces and removes repeated spans', async () => {
    const store = localStore();
    const traces = Array.from({ length: 30 }, (_, i) => testTrace(i, { startNs: BigInt(T0_MS + i) * 1_000_000n, spans: 5 }));
    // The same traces twice (an ingester replaying its WAL), and the roots a third time.
    const sorted = (ts: typeof traces) => ts.slice().sort((a, b) => Buffer.compare(a[0].span.traceId, b[0].span.traceId));
    await writeTestBlock(store, 't', sorted(traces));
    await writeTestBlock(store, 't', sorted(traces));
    await writeTestBlock(store, 't', sorted(traces.map((t) => [t[0]])));
    const report = await testCompactor(store, new TestClock(T0_MS + HOUR)).runCycle();
    expect(report).toMatchObject({ jobs: 1, spansDeduplicated: 150 + 30 });
    const view = await readerView(store, 't', traces.map((t) => t[0].span.traceId));
    expect(view).toEqual(expectedView(traces));
  });

  it('merges level by level in the active window, and across levels once a window has settled', async () => {
    const store = localStore();
    const all = [];
    // Three windows, eight blocks each, written in two batches so levels differ.
    for (let w = 0; w < 3; w++) {
      const { traces, parts } = splitTraces(80, 8, T0_MS + w * HOUR, w * 1000);
      all.push(...traces);
      await writeParts(store, 't', parts);
    }
    const ids = all.map((t) => t[0].span.traceId);
    const expected = expectedView(all);
    const clock = new TestClock(T0_MS + 4 * HOUR);
    const compactor = testCompactor(store, clock);
    // Eight level-0 blocks per window: two merges each, then one merge of the two level-1 blocks.
    expect(await compactor.runCycle()).toMatchObject({ jobs: 6, failures: 0 });
    expect(await compactor.runCycle()).toMatchObject({ jobs: 3, failures: 0 });
    expect(await compactor.runCycle()).toMatchObject({ jobs: 0 });
    let metas = await visibleMetas(store, 't');
    expect(metas.map((m) => m.compactionLevel)).toEqual([2, 2, 2]);
    expect(await readerView(store, 't', ids)).toEqual(expected);
    // A late level-0 block in the first window, with copies of spans already there (a client
    // sending again after a crash): while blocks are still being written, levels stay apart...
    const late = splitTraces(10, 1, T0_MS + 30 * MIN, 9000);
    const copies = sortTraces(all.slice(0, 20).map((t) => t.slice()));
    await writeParts(store, 't', [sortTraces([...late.parts[0], ...copies])], clock.now);
    expect(await compactor.runCycle()).toMatchObject({ jobs: 0 });
    clock.t += TEST_PLANNER.windowSettleMs - MIN;
    expect(await compactor.runCycle()).toMatchObject({ jobs: 0 });
    // ...and once nothing has been written into the window for the settle period, it merges
    // whatever the levels, keeping one copy of each span.
    clock.t += MIN;
    expect(await compactor.runCycle()).toMatchObject({ jobs: 1, spansDeduplicated: copies.reduce((n, t) => n + t.length, 0) });
    metas = await visibleMetas(store, 't');
    expect(metas.map((m) => m.compactionLevel).sort()).toEqual([2, 2, 3]);
    const everything = [...all, ...late.traces];
    expect(await readerView(store, 't', everything.map((t) => t[0].span.traceId))).toEqual(expectedView(everything));
    expect(await compactor.runCycle()).toMatchObject({ jobs: 0 });
  });

  it('cleans the leftovers of a dead writer after the grace period, but not a block being written', async () => {
    const store = localStore();
    const clock = new TestClock(Date.now());
    const [meta] = await writeParts(store, 't', splitTraces(10, 1, clock.t - HOUR).parts);
    // Two "partial blocks": copies of the block's objects without meta.json.
    const copy = async (id: string) => {
      for (const o of [BlockObjects.data, BlockObjects.index]) await store.put(blockKey('t', id, o), (await store.get(blockKey('t', meta.blockID, o)))!);
    };
    const dead = '00000000-0000-8000-8000-000000000001';
    const busy = '00000000-0000-8000-8000-000000000002';
    await copy(dead);
    await copy(busy);
    const compactor = testCompactor(store, clock);
    // Another compactor announces `busy` as its output under a live lease.
    const { Leases } = await import('./leases.ts');
    const other = await new Leases(store, { owner: 'other', settleMs: 1, ttlMs: 10 * HOUR, now: clock.now }).acquire('t', 'w');
    await other!.renew([busy]);
    expect(await compactor.runCycle()).toMatchObject({ partialCleaned: 0 });
    clock.t += HOUR + MIN;
    expect(await compactor.runCycle()).toMatchObject({ partialCleaned: 1 });
    const keys = await blockObjectKeys(store, 't');
    expect(keys.some((k) => k.includes(dead))).toBe(false);
    expect(keys.some((k) => k.includes(busy))).toBe(true);
    expect(keys.some((k) => k.includes(meta.blockID))).toBe(true);
  });

  it('finishes a publish that stopped half-way: replaced inputs and half-marked blocks', async () => {
    const store = localStore();
    const { traces, parts } = splitTraces(40, 2, T0_MS);
    const inputs = await writeParts(store, 't', parts);
    const [a, b] = inputs;
    // An output that replaces both inputs, written as if its compactor died before marking them.
    const merged = await writeTestBlock(store, 't', traces, 1);
    const metaKey = blockKey('t', merged.blockID, BlockObjects.meta);
    const withFrom: CompactionMeta = { ...merged, compactedFrom: [a.blockID, b.blockID] };
    await store.put(metaKey, new TextEncoder().encode(JSON.stringify(withFrom)));
    // And `b` half-marked: meta.compacted.json written, meta.json not yet deleted.
    await store.put(blockKey('t', b.blockID, BlockObjects.compactedMeta), new TextEncoder().encode(JSON.stringify({ ...b, compactedAt: new Date(T0_MS).toISOString() })));
    const ids = traces.map((t) => t[0].span.traceId);
    expect(await readerView(store, 't', ids)).toEqual(expectedView(traces));
    const report = await testCompactor(store, new TestClock(T0_MS + 2 * HOUR)).runCycle();
    expect(report).toMatchObject({ repaired: 2, jobs: 0 });
    expect((await visibleMetas(store, 't')).map((m) => m.blockID)).toEqual([merged.blockID]);
    expect(await store.head(blockKey('t', a.blockID, BlockObjects.meta))).toBeUndefined();
    expect(await store.head(blockKey('t', b.blockID, BlockObjects.meta))).toBeUndefined();
    expect(spanKeys(traces)).toEqual((await readerView(store, 't', ids)).byId);
  });
});
