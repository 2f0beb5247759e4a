// Fault suite, S3: compaction while the object store fails. For each store operation and each
// fault (5xx, timeout, reset, a body cut short, a request that took effect although its reply
// was lost, a slow answer) a compaction cycle over four level-0 blocks runs with that operation
// failing every time, then the store heals. After every cycle the blocks a reader lists give every
// span exactly once (no half-visible output, no output and inputs both counted, inputs kept when
// the output could not be written), no healthy block is quarantined for a store failure, and once
// healed the compactor finishes the merge. A last test fails a share of all requests at random
// over many cycles. On s3rver, through the real AWS SDK, with faults injected just above it.
import type { ObjectStore } from '@spanbase/backend';
import { S3Store, StoreOps, withFaults, withRetry } from '@spanbase/backend';
import type { FaultKind, FaultPlan, FaultRule, StoreOp } from '@spanbase/backend';
import { listBlocks, openBlock, visibleBlocks, writeBlock } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import type { Compactor, CycleReport } from '@spanbase/compactor';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex } from '@spanbase/model';
import { describe, expect, it, onTestFinished } from 'vitest';
import { s3TestConfig } from '../setup/s3.ts';
import { testCompactor } from '../src/store-faults.ts';

const TENANT = 'faults';
const HOUR = 3_600_000;
const T0_MS = Date.UTC(2026, 10, 1, 10, 0, 0);
const spanKey = (r: SpanRecord) => `${bytesToHex(r.span.traceId)}/${bytesToHex(r.span.spanId)}`;

/** A fresh prefix: the healthy store (to check), and one whose faults `plan.current` decides. */
function stores(random?: () => number) {
  const cfg = s3TestConfig();
  const s3 = new S3Store({ ...cfg, credentials: cfg });
  onTestFinished(() => s3.close());
  const plan: { current: FaultPlan } = { current: { rules: [] } };
  const retry = { maxAttempts: 3, baseDelayMs: 5 };
  const faults = withFaults(s3, () => plan.current, random);
  return { healthy: withRetry(s3, retry), faulty: withRetry(faults, retry), plan, faults };
}

const compactor = (store: ObjectStore) => testCompactor(store, { now: () => T0_MS + 2 * HOUR });

/** Four level-0 blocks of one window; the keys of their spans. */
async function seed(store: ObjectStore, seedNo: number): Promise<string[]> {
  const traces = generateRealisticTraces({ traces: 120, seed: seedNo, startUnixNano: BigInt(T0_MS) * 1_000_000n });
  for (let b = 0; b < 4; b++) await writeBlock(store, { tenant: TENANT, rowGroupSpans: 100 }, traces.slice(b * 30, (b + 1) * 30));
  return traces.flatMap((t) => t.map(spanKey)).sort();
}

/** What a reader of the store sees now: its visible blocks, every span they give, quarantine markers. */
async function readerView(store: ObjectStore) {
  const list = await listBlocks(store, TENANT);
  expect(list.errors).toEqual([]);
  const visible = visibleBlocks(list.live);
  const spans: string[] = [];
  for (const m of visible) for await (const t of openBlock(store, m).iterateTraces()) for (const r of t) spans.push(spanKey(r));
  return { visible, spans: spans.sort(), quarantined: list.quarantined };
}

/**
 * Runs a cycle (undefined when it failed as a whole: no tenant list); after it a reader sees
 * each span once and nothing quarantined.
 */
async function cycle(c: Compactor, healthy: ObjectStore, expected: string[]): Promise<CycleReport | undefined> {
  const report = await c.runCycle().catch(() => undefined);
  const view = await readerView(healthy);
  expect(view.spans).toEqual(expected);
  expect(view.quarantined).toEqual([]);
  expect(report?.blocksQuarantined ?? 0).toBe(0);
  return report;
}

/** Heals the store and runs cycles until the four blocks are one merged block. */
async function finish(c: Compactor, healthy: ObjectStore, expected: string[], plan: { current: FaultPlan }): Promise<void> {
  plan.current = { rules: [] };
  for (let i = 0; i < 3; i++) {
    await cycle(c, healthy, expected);
    const { visible } = await readerView(healthy);
    if (visible.length === 1) break;
  }
  const { visible } = await readerView(healthy);
  expect(visible.map((m) => m.compactionLevel)).toEqual([1]);
  const list = await listBlocks(healthy, TENANT);
  expect(list.live).toHaveLength(1);
}

const KINDS: [FaultKind, Partial<FaultRule>][] = [
  ['server-error', { status: 503 }],
  ['timeout', { delayMs: 10 }],
  ['reset', {}],
  ['short-read', {}],
  ['lost-reply', {}],
  ['slow', { delayMs: 30 }],
];
const BODY_OPS: StoreOp[] = ['get', 'getRange', 'list'];

describe('compaction on a failing S3 store', { timeout: 120_000 }, () => {
  let seedNo = 100;
  for (const op of StoreOps) {
    for (const [fault, extra] of KINDS) {
      if (fault === 'short-read' && !BODY_OPS.includes(op)) continue;
      it(`every ${op}: ${fault}`, async () => {
        const { healthy, faulty, plan, faults } = stores();
        const expected = await seed(healthy, ++seedNo);
        const c = compactor(faulty);
        plan.current = { rules: [{ fault, ops: [op], ...extra }] };
        const report = await cycle(c, healthy, expected);
        expect(faults.injected(fault)).toBeGreaterThan(0);
        if (fault === 'slow') expect(report).toMatchObject({ jobs: 1, failures: 0 });
        else expect(!report || report.jobs === 0 || report.failures > 0, JSON.stringify(report)).toBe(true);
        await cycle(c, healthy, expected);
        await finish(c, healthy, expected, plan);
      });
    }
  }

  it('the output meta.json stored although every attempt saw an error: never both generations counted', async () => {
    const { healthy, faulty, plan } = stores();
    const expected = await seed(healthy, 1);
    const c = compactor(faulty);
    // Only the output's meta.json has compactedFrom; the inputs' meta.compacted.json do not.
    plan.current = { rules: [{ fault: 'lost-reply', ops: ['put'], key: '/meta\\.json$' }] };
    const report = await cycle(c, healthy, expected);
    expect(report?.failures).toBeGreaterThan(0);
    // The output is visible and whole, and it hides the inputs it replaces.
    const { visible } = await readerView(healthy);
    expect(visible.map((m) => m.compactionLevel)).toEqual([1]);
    expect((await listBlocks(healthy, TENANT)).live).toHaveLength(5);
    await finish(c, healthy, expected, plan);
  });

  it('a fifth of all requests failing at random, ten cycles, then healed', async () => {
    let x = 12345;
    const random = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const { healthy, faulty, plan, faults } = stores(random);
    const expected = await seed(healthy, 2);
    const c = compactor(faulty);
    // Six rules drawn in turn at 4% each: about one request in five fails or is slow.
    plan.current = { rules: KINDS.map(([fault, extra]) => ({ fault, ...extra, rate: 0.04 })) };
    for (let i = 0; i < 10; i++) await cycle(c, healthy, expected);
    expect(faults.injected()).toBeGreaterThan(5);
    await finish(c, healthy, expected, plan);
  });
});
