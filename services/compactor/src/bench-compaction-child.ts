// The merge half of measureCompaction, in its own process so its peak RSS is the merge's alone.
// It runs one cycle of the real Compactor (job workers capped at the memory bound, jobs of the
// window at once), so what the bench measures is what the compactor does, not a copy of it.
// Usage: node bench-compaction-child.ts <store dir> <max memory bytes> <inputs per job> [jobs at once]
// Prints `PROGRESS <fraction>` lines and one `RESULT <json>` line.
import { LocalStore } from '@spanbase/backend';
import { defaultConfig } from '@spanbase/config';
import { Overrides } from '@spanbase/overrides';
import { MetaCache, scanTenant } from './block-scan.ts';
import { plannerOptionsFromFlags } from './cli.ts';
import { Compactor } from './compactor.ts';

const [dir, maxMemory, inputs, jobsArg = '1'] = process.argv.slice(2);
const jobsAtOnce = Number(jobsArg);
const store = new LocalStore({ path: dir });
const cfg = defaultConfig({ 'compaction.max-memory-bytes': Number(maxMemory), 'compaction.max-input-blocks': Number(inputs), 'compaction.concurrency': jobsAtOnce });
const before = await scanTenant(store, 'bench', new MetaCache(store));
const now = Math.max(...before.live.map((m) => Number(BigInt(m.endUnixNano) / 1_000_000n))) + 3_600_000;
const done = new Map<string, number>();
const compactor = new Compactor({
  store,
  isolate: { store: { backend: 'local', local: { path: dir } }, maxMemoryBytes: Number(maxMemory) },
  concurrency: jobsAtOnce,
  overrides: Overrides.fromConfig(cfg),
  planner: plannerOptionsFromFlags(cfg),
  cycleMs: cfg['compaction.cycle'],
  now: () => now,
  // No other compactor contends for the window: no need to wait for one to show itself.
  leases: { settleMs: 1 },
  tenants: () => Promise.resolve(['bench']),
  onProgress: (p) => {
    done.set(p.job.key, p.partsDone / p.partsTotal);
    process.stdout.write(`PROGRESS ${[...done.values()].reduce((a, b) => a + b, 0) / jobsAtOnce}\n`);
  },
});
// The planner may take fewer inputs than were written when their row groups would not fit the bound.
const { plan } = await compactor.planFor('bench');
const jobs = plan.windows.flatMap((w) => w.jobs);
if (jobs.length !== jobsAtOnce || plan.windows.length !== 1) throw new Error(`${jobs.length} merge(s) in ${plan.windows.length} window(s) planned for ${before.live.length} inputs under a ${maxMemory}-byte bound; ${jobsAtOnce} in one wanted`);
// The compactor keeps its workers between jobs, so loading their modules is not part of the time.
await compactor.startWorkers();
const started = performance.now();
const cpu0 = process.cpuUsage();
const report = await compactor.runCycle();
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - started) / 1000;
await compactor.stop();
if (report.jobs !== jobsAtOnce || report.failures > 0) throw new Error(`the cycle ran ${report.jobs} job(s) with ${report.failures} failure(s); ${jobsAtOnce} wanted`);
const inputsMerged = jobs.flatMap((j) => j.inputs);
const outputs = (await scanTenant(store, 'bench', new MetaCache(store))).live.filter((m) => m.compactionLevel > 0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `RESULT ${JSON.stringify({
    seconds, cpuSeconds,
    spansIn: inputsMerged.reduce((n, m) => n + m.spanCount, 0), spansOut: outputs.reduce((n, m) => n + m.spanCount, 0), outputBytes: outputs.reduce((n, m) => n + m.size, 0),
    inputBlocks: inputsMerged.length, inputBytes: inputsMerged.reduce((n, m) => n + m.size, 0), jobs: report.jobs, peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
