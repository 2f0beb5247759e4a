// The merge half of measureCompaction, in its own process so its peak RSS is the merge's alone.
// Usage: node bench-compaction-child.ts <store dir> <max memory bytes> <inputs per job> [jobs at once]
// Prints `PROGRESS <fraction>` lines and one `RESULT <json>` line.
import { LocalStore } from '@spanbase/backend';
import { defaultConfig } from '@spanbase/config';
import { MetaCache, scanTenant } from './block-scan.ts';
import { plannerOptionsFromFlags } from './cli.ts';
import { Leases } from './leases.ts';
import { planTenant } from './planner.ts';
import { retentionPolicy } from '@spanbase/overrides';
import { IsolatedJobs } from './isolated-job.ts';

const [dir, maxMemory, inputs, jobsArg = '1'] = process.argv.slice(2);
const jobsAtOnce = Number(jobsArg);
const store = new LocalStore({ path: dir });
const cfg = defaultConfig({ 'compaction.max-memory-bytes': Number(maxMemory), 'compaction.max-input-blocks': Number(inputs) });
const scan = await scanTenant(store, 'bench', new MetaCache(store));
const now = Math.max(...scan.live.map((m) => Number(BigInt(m.endUnixNano) / 1_000_000n))) + 3_600_000;
const policy = retentionPolicy(cfg['compaction.block-retention'], 0, []);
const jobs = planTenant(scan, policy, plannerOptionsFromFlags(cfg), now).windows.flatMap((w) => w.jobs).slice(0, jobsAtOnce);
// The planner may take fewer inputs than were written when their row groups would not fit the bound.
if (jobs.length < jobsAtOnce) throw new Error(`${jobs.length} merge(s) planned for ${scan.live.length} inputs under a ${maxMemory}-byte bound; ${jobsAtOnce} wanted`);
if (new Set(jobs.map((j) => j.window)).size !== 1) throw new Error('the jobs fall in more than one window');
const lease = (await new Leases(store, { settleMs: 1, now: () => now }).acquire('bench', jobs[0].window))!;
// As the compactor runs jobs at once: every output announced in the window's lease first.
if (jobs.length > 1) await lease.renew(jobs.map((j) => j.outputId));
// As the compactor runs jobs: each in a worker thread whose heap is capped at the memory bound.
// The compactor keeps its workers between jobs, so loading their modules is not part of the time.
const workers = jobs.map(() => new IsolatedJobs({ store: { backend: 'local', local: { path: dir } }, maxMemoryBytes: Number(maxMemory) }));
await Promise.all(workers.map((w) => w.start()));
const done = jobs.map(() => 0);
const started = performance.now();
const cpu0 = process.cpuUsage();
const results = await Promise.all(
  jobs.map((job, k) =>
    workers[k].run(job, {
      store, lease, policy, now: () => now,
      onProgress: (p) => {
        done[k] = p.partsDone / p.partsTotal;
        process.stdout.write(`PROGRESS ${done.reduce((a, b) => a + b, 0) / jobs.length}\n`);
      },
    }),
  ),
);
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - started) / 1000;
await Promise.all(workers.map((w) => w.close()));
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0);
process.stdout.write(
  `RESULT ${JSON.stringify({ seconds, cpuSeconds, spansIn: sum((r) => r.stats.spansIn), spansOut: sum((r) => r.stats.spansOut), outputBytes: sum((r) => r.output?.size ?? 0), inputBlocks: jobs.reduce((n, j) => n + j.inputs.length, 0), inputBytes: sum((r) => r.bytesIn), jobs: jobs.length, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
