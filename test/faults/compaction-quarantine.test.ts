// Fault suite: compaction goes on past damaged blocks. Among eight level-0 blocks of one window,
// one cannot be read at all (index and data.parquet damaged), one has a damaged row group, and one
// has a meta.json cut in half. The compactor quarantines those three (marker, log, metric), merges
// every healthy block, carries the readable row groups of the damaged one into its output, and
// keeps the quarantined blocks until retention. On local disk and on S3 (s3rver).
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { createObjectStore } from '@spanbase/backend';
import { BlockObjects, listBlocks, openBlock, readQuarantine, visibleBlocks, writeBlock } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import { Compactor, CountingMetrics } from '@spanbase/compactor';
import { Overrides, limitsFromConfig } from '@spanbase/overrides';
import type { CompactorLogger, CycleReport } from '@spanbase/compactor';
import { defaultConfig } from '@spanbase/config';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex, compareIds } from '@spanbase/model';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FAULT_STORE_CONFIGS, damageChunk, flipBytes, objectKey, truncateHalf } from '../src/block-damage.ts';

const TENANT = 'faults';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0_MS = Date.UTC(2026, 10, 1, 10, 0, 0);
const spanKey = (r: SpanRecord) => `${bytesToHex(r.span.traceId)}/${bytesToHex(r.span.spanId)}`;

/** A compactor as production runs it: each job in a worker thread with its own store. */
function compactor(store: ObjectStore, config: ObjectStoreConfig, clock: { t: number }, metrics: CountingMetrics, log: CompactorLogger): Compactor {
  return new Compactor({
    isolate: { store: config, maxMemoryBytes: 256 * 1024 * 1024 },
    store,
    overrides: new Overrides(limitsFromConfig(defaultConfig())),
    planner: { windowMs: HOUR, minInputBlocks: 2, maxInputBlocks: 4, maxBlockBytes: 1e9, maxMemoryBytes: 512 * 1024 * 1024, compactedBlockRetentionMs: HOUR, partialBlockGraceMs: HOUR, windowSettleMs: HOUR },
    cycleMs: 1000,
    now: () => clock.t,
    leases: { settleMs: 5, ttlMs: 5 * 60_000 },
    metrics,
    log,
  });
}

/** Every span the visible blocks give, as keys; the unreadable block is skipped. */
async function visibleSpans(store: ObjectStore, skip: string): Promise<string[]> {
  const out: string[] = [];
  for (const m of visibleBlocks((await listBlocks(store, TENANT)).live)) {
    if (m.blockID === skip) continue;
    for await (const t of openBlock(store, m).iterateTraces()) for (const r of t) out.push(spanKey(r));
  }
  return out.sort();
}

describe.each(FAULT_STORE_CONFIGS)('compaction past damaged blocks, on %s', (_name, makeConfig) => {
  it('quarantines what it cannot read, merges the healthy neighbours, carries readable row groups', { timeout: 180_000 }, async () => {
    const config = makeConfig();
    const store = createObjectStore(config);
    const traces = generateRealisticTraces({ traces: 480, seed: 7, startUnixNano: BigInt(T0_MS) * 1_000_000n });
    const metas: BlockMeta[] = [];
    for (let b = 0; b < 8; b++) metas.push(await writeBlock(store, { tenant: TENANT, rowGroupSpans: 150 }, traces.slice(b * 60, (b + 1) * 60)));
    const [unreadable, partial, broken] = [metas[3], metas[5], metas[7]];
    await damageChunk(store, unreadable, 0);
    await flipBytes(store, objectKey(unreadable, BlockObjects.index), [60]);
    const lostGroup = await damageChunk(store, partial, 1);
    await truncateHalf(store, objectKey(broken, BlockObjects.meta));

    const inLost = (t: SpanRecord[]) => compareIds(t[0].span.traceId, lostGroup.minTraceId) >= 0 && compareIds(t[0].span.traceId, lostGroup.maxTraceId) <= 0;
    const expected = metas
      .flatMap((m, b) => (m === unreadable || m === broken ? [] : traces.slice(b * 60, (b + 1) * 60).filter((t) => m !== partial || !inLost(t))))
      .flatMap((t) => t.map(spanKey))
      .sort();

    const clock = { t: T0_MS + 2 * HOUR };
    const metrics = new CountingMetrics();
    const logged: string[] = [];
    const log: CompactorLogger = { info() {}, warn() {}, error: (o, msg) => void logged.push(`${(o as { block?: string }).block} ${msg}`) };
    const c = compactor(store, config, clock, metrics, log);
    onTestFinished(() => c.stop());
    const reports: CycleReport[] = [];
    for (let i = 0; i < 4; i++) reports.push(await c.runCycle());
    expect(reports.map((r) => r.failures)).toEqual([0, 0, 0, 0]);
    expect(reports.map((r) => r.blocksQuarantined)).toEqual([3, 0, 0, 0]);
    expect(reports.reduce((n, r) => n + r.jobs, 0)).toBeGreaterThanOrEqual(3);
    // Logged once each, not once per cycle.
    expect(logged.filter((l) => l.includes('quarantined')).map((l) => l.split(' ')[0]).sort()).toEqual([unreadable.blockID, partial.blockID, broken.blockID].sort());
    expect(metrics.get('blocksQuarantined')).toBe(3);
    expect(metrics.get('spansLost')).toBe(lostGroup.rows + unreadable.spanCount);

    const list = await listBlocks(store, TENANT);
    expect(list.quarantined).toEqual([unreadable.blockID, partial.blockID, broken.blockID].sort());
    // Every healthy level-0 block was merged: what is live is the merge result and the unreadable block.
    const live = visibleBlocks(list.live);
    expect(live.map((m) => m.blockID)).toContain(unreadable.blockID);
    expect(live.filter((m) => m.blockID !== unreadable.blockID).every((m) => m.compactionLevel >= 1)).toBe(true);
    expect(list.compacted.map((m) => m.blockID)).toContain(partial.blockID);
    expect(await visibleSpans(store, unreadable.blockID)).toEqual(expected);

    const q = await readQuarantine(store, TENANT, partial.blockID);
    expect(q).toMatchObject({ lostRowGroups: 1, lostSpans: lostGroup.rows, reason: expect.stringMatching(/1 of \d+ row groups unreadable/) });
    expect(q!.carriedInto).toBeDefined();
    const stuck = await readQuarantine(store, TENANT, unreadable.blockID);
    expect(stuck).toMatchObject({ lostSpans: unreadable.spanCount, reason: expect.stringMatching(/^unreadable: /) });
    expect(stuck!.carriedInto).toBeUndefined();
    expect((await readQuarantine(store, TENANT, broken.blockID))!.reason).toMatch(/meta\.json does not parse/);

    // The compacted-block retention passes: healthy inputs go, the quarantined one is kept.
    clock.t += 2 * HOUR;
    await c.runCycle();
    const later = await listBlocks(store, TENANT);
    expect(later.compacted.map((m) => m.blockID)).toEqual([partial.blockID]);
    expect(later.quarantined).toHaveLength(3);
    // Past the block retention every quarantined block goes, the unreadable one by expiry first.
    clock.t += 15 * DAY;
    await c.runCycle();
    clock.t += 2 * HOUR;
    await c.runCycle();
    const end = await listBlocks(store, TENANT);
    expect([...end.live, ...end.compacted].map((m) => m.blockID)).not.toContain(unreadable.blockID);
    expect(end.quarantined, JSON.stringify({ unreadable: unreadable.blockID, partial: partial.blockID, broken: broken.blockID })).toEqual([]);
  });

  it('puts back a meta.json that no longer parses from the tenant manifest, and loses nothing', { timeout: 120_000 }, async () => {
    const config = makeConfig();
    const store = createObjectStore(config);
    const traces = generateRealisticTraces({ traces: 120, seed: 8, startUnixNano: BigInt(T0_MS) * 1_000_000n });
    const first = await writeBlock(store, { tenant: TENANT, rowGroupSpans: 150 }, traces.slice(0, 60));
    const clock = { t: T0_MS + 2 * HOUR };
    const metrics = new CountingMetrics();
    const c = compactor(store, config, clock, metrics, { info() {}, warn() {}, error() {} });
    onTestFinished(() => c.stop());
    // One block: nothing to merge, but the cycle writes the tenant manifest with its meta.
    expect(await c.runCycle()).toMatchObject({ jobs: 0, failures: 0 });
    const original = await store.get(objectKey(first, BlockObjects.meta));
    await truncateHalf(store, objectKey(first, BlockObjects.meta));
    await writeBlock(store, { tenant: TENANT, rowGroupSpans: 150 }, traces.slice(60));
    // A compactor that starts now (a running one keeps the metas it read) meets the damaged meta.
    const fresh = compactor(store, config, clock, metrics, { info() {}, warn() {}, error() {} });
    onTestFinished(() => fresh.stop());
    expect(await fresh.runCycle()).toMatchObject({ repaired: 1, blocksQuarantined: 0, failures: 0 });
    expect(metrics.get('metasRestored')).toBe(1);
    expect(new TextDecoder().decode(await store.get(objectKey(first, BlockObjects.meta)))).toBe(new TextDecoder().decode(original));
    expect(await fresh.runCycle()).toMatchObject({ jobs: 1, blocksCompacted: 2, failures: 0 });
    expect(await visibleSpans(store, '')).toEqual(traces.flatMap((t) => t.map(spanKey)).sort());
    expect((await listBlocks(store, TENANT)).quarantined).toEqual([]);
  });
});
