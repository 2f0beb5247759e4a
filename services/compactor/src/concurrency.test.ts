// --compaction.concurrency: the jobs of one window run at once (in-process and each in a worker
// of its own), every output is announced in the window's lease while they run, and the result is
// what one job at a time gives.
import { LocalStore } from '@spanbase/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { Leases } from './leases.ts';
import type { CompactionStep } from './run-job.ts';
import { HOUR, T0_MS, TEST_PLANNER, TempDirs, TestClock, splitTraces, testCompactor, writeParts } from './testing/scenario.ts';
import { expectedView, readerView, visibleMetas } from './testing/store-check.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

/** Resolves once `parties` callers have arrived; rejects after `ms` (jobs that never overlap). */
function barrier(parties: number, ms: number): { arrive(): Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    arrive() {
      if (++arrived >= parties) open();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${arrived} of ${parties} jobs ran at once`)), ms)));
      return Promise.race([opened, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

describe.each([
  ['in this thread', false],
  ['in job workers', true],
])('--compaction.concurrency, jobs %s', (_name, isolated) => {
  it('runs the jobs of a window at once, with every output announced in the lease, and merges as one at a time would', async () => {
    const dir = tmp.make();
    const store = new LocalStore({ path: dir });
    // Six level-0 blocks of one window, two per job: three jobs.
    const { traces, parts } = splitTraces(90, 6, T0_MS);
    const inputs = await writeParts(store, 't', parts);
    const clock = new TestClock(T0_MS + 2 * HOUR);
    const together = barrier(2, 20_000);
    const partial: string[] = [];
    const announced: Set<string>[] = [];
    const steps: CompactionStep[] = [];
    const compactor = testCompactor(store, clock, {
      planner: { ...TEST_PLANNER, maxInputBlocks: 2 },
      concurrency: 2,
      isolate: isolated ? { store: { backend: 'local', local: { path: dir } }, maxMemoryBytes: 128 * 1024 * 1024 } : undefined,
      step: async (step, blockId) => {
        steps.push(step);
        if (step !== 'output-partial') return;
        partial.push(blockId);
        // The first two jobs each wait here for the other: with one job at a time this times out.
        if (partial.length <= 2) {
          await together.arrive();
          announced.push(await new Leases(store, { now: clock.now }).activeOutputs('t'));
        }
      },
    });
    try {
      const report = await compactor.runCycle();
      expect(report).toMatchObject({ jobs: 3, blocksCompacted: 6, failures: 0 });
    } finally {
      await compactor.stop();
    }
    // While both ran, the lease named all three outputs (the third not yet started).
    expect(announced).toHaveLength(2);
    for (const a of announced) for (const id of partial) expect(a.has(id), id).toBe(true);
    expect(new Set(partial).size).toBe(3);
    expect(steps.filter((s) => s === 'output-committed')).toHaveLength(3);
    const after = await visibleMetas(store, 't');
    expect(after.map((m) => m.compactionLevel)).toEqual([1, 1, 1]);
    expect(after.flatMap((m) => m.compactedFrom ?? []).sort()).toEqual(inputs.map((m) => m.blockID).sort());
    expect(await readerView(store, 't', traces.map((t) => t[0].span.traceId))).toEqual(expectedView(traces));
  }, 60_000);
});
