// A compactor in its own process, for tests that kill it (crash.test.ts) or run two at once.
// Runs one cycle over a LocalStore, jobs in worker threads as in production, and prints `STEP <step> <block>` at each publishing step;
// with SB_PAUSE_AT=<step> it prints `PAUSED <step>` there and waits to be killed.
//   SB_STORE_DIR  LocalStore root          SB_NOW    clock, unix ms (fixed)
//   SB_OWNER      lease owner name         SB_PAUSE_AT  step to stop at
import { LocalStore } from '@spanbase/backend';
import { defaultConfig } from '@spanbase/config';
import { Compactor } from '../compactor.ts';
import { Overrides, limitsFromConfig } from '@spanbase/overrides';
import { TEST_PLANNER } from './scenario.ts';

const env = process.env;
if (!env.SB_STORE_DIR) throw new Error('SB_STORE_DIR is required');
const now = env.SB_NOW ? Number(env.SB_NOW) : Date.now();
const pauseAt = env.SB_PAUSE_AT;
const compactor = new Compactor({
  store: new LocalStore({ path: env.SB_STORE_DIR }),
  // Jobs run as in production: in a worker thread capped at the memory bound.
  isolate: { store: { backend: 'local', local: { path: env.SB_STORE_DIR } }, maxMemoryBytes: 256 * 1024 * 1024 },
  overrides: new Overrides(limitsFromConfig(defaultConfig())),
  planner: TEST_PLANNER,
  cycleMs: 1000,
  now: () => now,
  leases: { owner: env.SB_OWNER ?? `child-${process.pid}`, settleMs: 50, ttlMs: 5 * 60_000 },
  log: { info() {}, warn: (o, m) => process.stderr.write(`WARN ${m} ${JSON.stringify(o)}\n`), error: (o, m) => process.stderr.write(`ERROR ${m} ${String((o as { err?: unknown }).err)}\n`) },
  step: async (step, block) => {
    process.stdout.write(`STEP ${step} ${block}\n`);
    if (step === pauseAt) {
      process.stdout.write(`PAUSED ${step}\n`);
      await new Promise(() => setInterval(() => {}, 1000));
    }
  },
});
const report = await compactor.runCycle();
process.stdout.write(`DONE ${JSON.stringify(report)}\n`);
