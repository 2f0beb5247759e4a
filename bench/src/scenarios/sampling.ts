// Tail sampling's cost: the same open-loop ingest into two fresh servers, one without a policy
// and one keeping errors and slow traces, dropping a route and keeping a tenth of the rest. The
// decision runs in the block writer's thread, so acknowledgements should not notice it; what it
// costs shows as CPU per span, and what it saves as bytes stored.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatNumber, mib } from '../format.ts';
import { drive } from '../load/driver.ts';
import type { DriveResult } from '../load/driver.ts';
import { encodePayloads, PayloadCycler } from '../load/payloads.ts';
import { httpTransport } from '../load/senders.ts';
import type { ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { serverProblems } from '../server/server-log.ts';
import { spawnSpanbase } from '../server/spanbase-process.ts';
import { latencyStats } from '../stats.ts';
import { workloadBatches } from '../workload/generate.ts';
import { INGEST_SERVER_FLAGS } from './ingest.ts';

/** The policy: the example, on the bench workload's routes. */
export const SAMPLING_POLICY = ['--sampling.keep={ status = error }', '--sampling.keep={ duration > 1s }', '--sampling.drop={ span.http.route = "/healthz" }', '--sampling.default-ratio=0.1'];
/** Rate of the open-loop runs, spans/s: about half of what one server takes flat out here. */
const RATE = 40_000;
const CONNECTIONS = 8;

/** Tail sampling. */
export const samplingScenario: Scenario = {
  name: 'sampling',
  title: 'Tail sampling',
  description:
    `Two fresh spanbase binaries, each with its own blocks on local disk (whatever --backend says), fed the same pre-encoded OTLP/HTTP requests open loop at ${formatNumber(RATE)} spans/s for 30 s (times --scale) and then flushed: ` +
    `one without a sampling policy, one with \`${SAMPLING_POLICY.join(' ')}\`. Reported for each: accepted spans/s, ack p99, server CPU per accepted span, peak RSS, and data.parquet bytes stored per hour of this ingest; ` +
    'the goal is the sampled server keeping at least 90% of the unsampled throughput.',
  inDefaultSuite: false,
  run,
};

interface Outcome {
  load: DriveResult;
  /** count_over_time() over the run, weighted by adjusted count (plain without a policy). */
  weightedCount: number;
  /** Of those, spans of the health-check route (the policy's drop rule). */
  healthCount: number;
  cpuSeconds: number;
  peakRss: number;
  storedBytes: number;
  problems: string[];
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const gen = ctx.progress.step('generate data', 1);
  const spans = ctx.count(200_000, 20_000);
  const payloads = encodePayloads(workloadBatches(ctx.seed, Math.ceil(spans / 18) + 1, { windowSeconds: 60, maxSpans: spans, startUnixNano: BigInt(Date.now() - 60_000) * 1_000_000n }));
  gen.done(`${formatNumber(payloads.totalSpans)} spans`);
  const seconds = ctx.seconds(30, 3);
  const off = await once(ctx, 'off', [], payloads, seconds);
  const on = await once(ctx, 'on', SAMPLING_POLICY, payloads, seconds);

  const rate = (o: Outcome) => (o.load.acceptedSpans * 1000) / o.load.elapsedMs;
  const cpuPerSpan = (o: Outcome) => (o.cpuSeconds * 1e6) / Math.max(1, o.load.acceptedSpans);
  const perHour = (o: Outcome) => (o.storedBytes / (o.load.elapsedMs / 1000)) * 3600;
  const ratio = rate(on) / Math.max(1e-9, rate(off));
  const rows: ResultRow[] = [
    {
      metric: 'accepted spans/s with the policy', unit: 'spans/s', spanbase: rate(on), peer: rate(off), peerLabel: 'the same without a policy', ratio, higherIsBetter: true,
      goal: '>= 0.9x without', goalMet: ratio >= 0.9, note: `open loop at ${formatNumber(RATE)} spans/s; ${failures(on.load) || 'no failed request'}`,
    },
    { metric: 'ack p99 with the policy', unit: 'ms', spanbase: latencyStats(on.load.latencyMs).p99, peer: latencyStats(off.load.latencyMs).p99, peerLabel: 'without', ratio: latencyStats(off.load.latencyMs).p99 / Math.max(1e-9, latencyStats(on.load.latencyMs).p99), higherIsBetter: false },
    { metric: 'server CPU per accepted span with the policy', unit: 'µs', spanbase: cpuPerSpan(on), peer: cpuPerSpan(off), peerLabel: 'without', ratio: cpuPerSpan(off) / Math.max(1e-9, cpuPerSpan(on)), higherIsBetter: false, note: 'every thread, flush included (the rules run in the block writer\'s thread)' },
    { metric: 'server peak RSS with the policy', unit: 'MiB', spanbase: mib(on.peakRss), peer: mib(off.peakRss), peerLabel: 'without', ratio: off.peakRss / Math.max(1, on.peakRss), higherIsBetter: false },
    (() => {
      // What the weighted count estimates: every span but the health checks the policy drops, per
      // span accepted, as the server without a policy counts them (both got the same requests).
      const truth = (off.weightedCount - off.healthCount) / Math.max(1, off.load.acceptedSpans);
      const estimate = on.weightedCount / Math.max(1, on.load.acceptedSpans);
      const r = estimate / Math.max(1e-9, truth);
      return {
        metric: 'weighted count_over_time with the policy / true count', unit: 'x', spanbase: r, higherIsBetter: true,
        goal: 'within 5%', goalMet: Math.abs(r - 1) <= 0.05,
        note: `with(adjusted_count=true) over the sampled blocks: ${formatNumber(on.weightedCount)} for ${formatNumber(on.load.acceptedSpans)} spans accepted; without a policy ${formatNumber(off.weightedCount)} of ${formatNumber(off.load.acceptedSpans)}, ${formatNumber(off.healthCount)} of them health checks`,
      };
    })(),
    { metric: 'data.parquet stored per hour with the policy', unit: 'MiB', spanbase: Math.max(mib(perHour(on)), 1e-9), peer: mib(perHour(off)), peerLabel: 'without', ratio: perHour(off) / Math.max(1, perHour(on)), higherIsBetter: false, note: 'at this ingest rate, extrapolated from the run' },
  ];
  return { rows, notes: [...off.problems, ...on.problems] };
}

/** One server, one run, its blocks flushed by a clean stop. */
async function once(ctx: ScenarioContext, name: string, policy: string[], payloads: ReturnType<typeof encodePayloads>, seconds: number): Promise<Outcome> {
  const dataDir = join(ctx.tmpDir, `data-${name}`);
  const server = await spawnSpanbase({ dataDir, flags: ['--storage.backend=local', `--storage.local.path=${join(dataDir, 'blocks')}`, ...INGEST_SERVER_FLAGS, ...policy, '--ingester.max-block-duration=5s', '--ingester.trace-idle-period=2s', '--compaction.min-input-blocks=100000'] });
  const transport = httpTransport(server.otlpHttp, CONNECTIONS);
  let load: DriveResult;
  let cpuSeconds: number;
  let weightedCount: number;
  let healthCount: number;
  const startS = Math.floor(Date.now() / 1000) - 120;
  let stopped: Awaited<ReturnType<typeof server.stop>>;
  try {
    const step = ctx.progress.step(`policy ${name}`, seconds, ' s');
    const cpu0 = server.cpuSeconds();
    load = await drive({ send: transport.send, payloads: new PayloadCycler(payloads), concurrency: CONNECTIONS * 8, durationMs: seconds * 1000, spansPerSecond: RATE, progress: step });
    cpuSeconds = server.cpuSeconds() - cpu0;
    step.done(`${formatNumber((load.acceptedSpans * 1000) / load.elapsedMs)} spans/s`);
    // Everything into blocks (a stop would leave the last ones in the WAL), then count the bytes.
    const flush = ctx.progress.step(`policy ${name}: flush`, 1);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (await unflushedBytes(server.api)) > 0) await new Promise((r) => setTimeout(r, 500));
    flush.done();
    weightedCount = await countSpans(server.api, '{ }', startS, Math.ceil(Date.now() / 1000) + 60);
    healthCount = await countSpans(server.api, '{ span.http.route = "/healthz" }', startS, Math.ceil(Date.now() / 1000) + 60);
  } finally {
    transport.close();
    stopped = await server.stop();
  }
  const problems = serverProblems(server.output()).map((p) => `policy ${name}: ${p}`);
  if (stopped.exitCode !== 0) problems.push(`policy ${name}: the server exited with ${stopped.exitCode ?? 'SIGKILL'} on SIGTERM`);
  return { load, weightedCount, healthCount, cpuSeconds, peakRss: server.peakRssBytes(), storedBytes: parquetBytes(join(dataDir, 'blocks')), problems };
}

/** Spans `filter` matches in [startS, endS) by a one-sample count_over_time(), weighted by adjusted count. */
async function countSpans(api: string, filter: string, startS: number, endS: number): Promise<number> {
  const q = encodeURIComponent(`${filter} | count_over_time() with(adjusted_count=true)`);
  const res = await fetch(`${api}/api/metrics/query_range?q=${q}&start=${startS}&end=${endS}&step=${endS - startS}s`);
  if (res.status !== 200) throw new Error(`count_over_time: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { series?: { samples?: { value?: number }[] }[] };
  return (body.series ?? []).flatMap((x) => x.samples ?? []).reduce((n, x) => n + (x.value ?? 0), 0);
}

async function unflushedBytes(api: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  return Number(/^spanbase_ingester_memory_bytes (\S+)$/m.exec(text)?.[1] ?? 0);
}

function failures(d: DriveResult): string {
  return Object.entries(d.failures).map(([why, n]) => `${n} x ${why}`).join(', ');
}

/** Bytes of every data.parquet under a local store's root. */
function parquetBytes(root: string): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'data.parquet') n += statSync(join(dir, e.name)).size;
    }
  };
  try {
    walk(root);
  } catch {
    return 0;
  }
  return n;
}
