// If two compactors ever run the same job (a lease race the read-back did not catch), no harm is
// done: the job's output id and bytes depend only on its inputs, so both write the same block.
import type { ObjectStore } from '@spanbase/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { MetaCache, scanTenant } from './block-scan.ts';
import { Leases } from './leases.ts';
import { planTenant } from './planner.ts';
import { retentionPolicy } from '@spanbase/overrides';
import { runJob } from './run-job.ts';
import { HOUR, T0_MS, TEST_PLANNER, TempDirs, splitTraces, writeParts } from './testing/scenario.ts';
import { expectedView, objectKeys, readerView, visibleMetas } from './testing/store-check.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

const localStore = () => tmp.store();

const NOW = T0_MS + 2 * HOUR;
const POLICY = retentionPolicy(14 * 24 * HOUR, 0, []);

async function onlyJob(store: ObjectStore) {
  const plan = planTenant(await scanTenant(store, 't', new MetaCache(store)), POLICY, TEST_PLANNER, NOW);
  const jobs = plan.windows.flatMap((w) => w.jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

describe('the same job run twice', () => {
  it('writes the same block, byte for byte', async () => {
    const a = localStore();
    const b = localStore();
    const { parts } = splitTraces(80, 3, T0_MS);
    await writeParts(a, 't', parts);
    for (const k of await objectKeys(a, 't/')) await b.put(k, (await a.get(k))!);
    const results = [];
    for (const store of [a, b]) {
      const lease = await new Leases(store, { settleMs: 1, now: () => NOW }).acquire('t', 'w');
      results.push(await runJob(await onlyJob(store), { store, lease: lease!, policy: POLICY, now: () => NOW }));
    }
    const id = results[0].output!.blockID;
    expect(results[1].output!.blockID).toBe(id);
    const keys = await objectKeys(a, `t/${id}/`);
    expect(keys.length).toBeGreaterThan(3);
    for (const k of keys) expect(Buffer.from((await b.get(k))!).equals(Buffer.from((await a.get(k))!)), k).toBe(true);
  });

  it('at the same time in one store leaves one visible block and every span once', async () => {
    const store = localStore();
    const { traces, parts } = splitTraces(80, 3, T0_MS);
    await writeParts(store, 't', parts);
    const job = await onlyJob(store);
    // Two holders of different lease keys stand for two compactors whose leases both "won".
    const leases = [new Leases(store, { owner: 'x', settleMs: 1 }), new Leases(store, { owner: 'y', settleMs: 1 })];
    const held = await Promise.all(leases.map((l, i) => l.acquire('t', `w${i}`)));
    const outcomes = await Promise.allSettled(held.map((lease) => runJob(job, { store, lease: lease!, policy: POLICY, now: () => NOW })));
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
    for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason)).toMatch(/compacted or expired meanwhile|already published/);
    const visible = await visibleMetas(store, 't');
    expect(visible.map((m) => m.blockID)).toEqual([job.outputId]);
    expect(await readerView(store, 't', traces.map((t) => t[0].span.traceId))).toEqual(expectedView(traces));
  });
});
