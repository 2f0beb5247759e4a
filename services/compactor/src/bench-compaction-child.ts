// The merge half of measureCompaction, in its own process so its peak RSS is the merge's alone.
// Usage: node bench-compaction-child.ts <store dir> <max memory bytes> <inputs>
// Prints `PROGRESS <fraction>` lines and one `RESULT <json>` line.
import { LocalStore } from '@spanbase/backend';
import { defaultConfig } from '@spanbase/config';
import { MetaCache, scanTenant } from './block-scan.ts';
import { plannerOptionsFromFlags } from './cli.ts';
import { Leases } from './leases.ts';
import { planTenant } from './planner.ts';
import { retentionPolicy } from '@spanbase/overrides';
import { IsolatedJobs } from './isolated-job.ts';

const [dir, maxMemory, inputs] = process.argv.slice(2);
const store = new LocalStore({ path: dir });
const cfg = defaultConfig({ 'compaction.max-memory-bytes': Number(maxMemory), 'compaction.max-input-blocks': Number(inputs) });
const scan = await scanTenant(store, 'bench', new MetaCache(store));
const now = Math.max(...scan.live.map((m) => Number(BigInt(m.endUnixNano) / 1_000_000n))) + 3_600_000;
const policy = retentionPolicy(cfg['compaction.block-retention'], 0, []);
const jobs = planTenant(scan, policy, plannerOptionsFromFlags(cfg), now).windows.flatMap((w) => w.jobs);
// The planner may take fewer inputs than were written when their row groups would not fit the bound.
if (jobs.length === 0) throw new Error(`no merge planned for ${scan.live.length} inputs under a ${maxMemory}-byte bound`);
const lease = await new Leases(store, { settleMs: 1, now: () => now }).acquire('bench', jobs[0].window);
// As the compactor runs jobs: in a worker thread whose heap is capped at the memory bound. The
// compactor keeps its worker between jobs, so loading its modules is not part of the merge's time.
const worker = new IsolatedJobs({ store: { backend: 'local', local: { path: dir } }, maxMemoryBytes: Number(maxMemory) });
await worker.start();
const started = performance.now();
const cpu0 = process.cpuUsage();
const r = await worker.run(jobs[0], { store, lease: lease!, policy, now: () => now, onProgress: (p) => process.stdout.write(`PROGRESS ${p.partsDone / p.partsTotal}\n`) });
const cpu = process.cpuUsage(cpu0);
await worker.close();
const seconds = (performance.now() - started) / 1000;
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`RESULT ${JSON.stringify({ seconds, cpuSeconds, spansIn: r.stats.spansIn, spansOut: r.stats.spansOut, outputBytes: r.output?.size ?? 0, inputBlocks: jobs[0].inputs.length, inputBytes: r.bytesIn, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
