// Jobs in worker threads: same results as in-process, and a job that does not fit the memory
// bound fails alone (the worker's heap is capped) without touching the process or the store.
import { LocalStore } from '@spanbase/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { MetaCache, scanTenant } from './block-scan.ts';
import { Leases } from './leases.ts';
import { planTenant, selectMerges } from './planner.ts';
import { retentionPolicy } from '@spanbase/overrides';
import { IsolatedJobs } from './isolated-job.ts';
import { HOUR, T0_MS, TEST_PLANNER, TempDirs, splitTraces, writeParts } from './testing/scenario.ts';
import { expectedView, readerView, visibleMetas, writeTestBlock } from './testing/store-check.ts';
import { testTrace } from './testing/traces.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());
const NOW = T0_MS + 2 * HOUR;
const POLICY = retentionPolicy(14 * 24 * HOUR, 0, []);

describe('IsolatedJobs', () => {
  it('merges in a worker thread and relays progress and steps', async () => {
    const dir = tmp.make();
    const store = new LocalStore({ path: dir });
    const { traces, parts } = splitTraces(60, 3, T0_MS);
    await writeParts(store, 't', parts);
    const [job] = planTenant(await scanTenant(store, 't', new MetaCache(store)), POLICY, TEST_PLANNER, NOW).windows.flatMap((w) => w.jobs);
    const lease = await new Leases(store, { settleMs: 1, now: () => NOW }).acquire('t', job.window);
    const steps: string[] = [];
    let progress = 0;
    const jobs = new IsolatedJobs({ store: { backend: 'local', local: { path: dir } }, maxMemoryBytes: 128 * 1024 * 1024 });
    // Started ahead of the job (as the bench does): its ready message must not end the job.
    await jobs.start();
    const r = await jobs.run(job, { store, lease: lease!, policy: POLICY, now: () => NOW, step: async (s) => void steps.push(s), onProgress: () => progress++ });
    await jobs.close();
    expect(r.output?.blockID).toBe(job.outputId);
    expect(r.stats.spansOut).toBe(expectedView(traces).byId.length);
    expect(steps).toEqual(['output-partial', 'output-committed', 'input-marked']);
    expect(progress).toBeGreaterThan(0);
    expect(await readerView(store, 't', traces.map((t) => t[0].span.traceId))).toEqual(expectedView(traces));
  });

  it('fails a job whose row groups do not fit the bound, leaving its inputs live, and carries on', async () => {
    const dir = tmp.make();
    const store = new LocalStore({ path: dir });
    // One trace of 150 000 spans is one row group: far more than 64 MiB once decoded.
    const big = [testTrace(1, { startNs: BigInt(T0_MS) * 1_000_000n, spans: 150_000 })];
    await writeTestBlock(store, 't', big);
    await writeTestBlock(store, 't', [testTrace(2, { startNs: BigInt(T0_MS) * 1_000_000n })]);
    const inputs = await visibleMetas(store, 't');
    // The planner would not pick this job under a 64 MiB bound...
    expect(selectMerges('t', inputs, { ...TEST_PLANNER, maxMemoryBytes: 64 * 1024 * 1024 }, NOW)).toEqual([]);
    // ...and if asked to run it anyway, the worker runs out of heap, not the process.
    const [job] = selectMerges('t', inputs, TEST_PLANNER, NOW);
    const lease = await new Leases(store, { settleMs: 1, now: () => NOW }).acquire('t', job.window);
    const jobs = new IsolatedJobs({ store: { backend: 'local', local: { path: dir } }, maxMemoryBytes: 64 * 1024 * 1024 });
    await expect(jobs.run(job, { store, lease: lease!, policy: POLICY, now: () => NOW })).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    expect((await visibleMetas(store, 't')).map((m) => m.blockID).sort()).toEqual(inputs.map((m) => m.blockID).sort());
    // The next job gets a fresh worker.
    const small = splitTraces(20, 2, T0_MS + 5 * HOUR, 500);
    await writeParts(store, 'u', small.parts);
    const [next] = selectMerges('u', await visibleMetas(store, 'u'), TEST_PLANNER, NOW + 5 * HOUR);
    const lease2 = await new Leases(store, { settleMs: 1, now: () => NOW + 5 * HOUR }).acquire('u', next.window);
    expect((await jobs.run(next, { store, lease: lease2!, policy: POLICY, now: () => NOW + 5 * HOUR })).output?.blockID).toBe(next.outputId);
    await jobs.close();
  }, 120_000);
});
