// Ingest (issue #2 item 8): the real binary as a child process, loaded with realistic pre-encoded
// OTLP protobuf requests, flat out and then at a target rate. The reference is the decode-only
// ceiling: how fast this machine fully decodes the same bodies (decodeExportRequest, one thread).
// A server that does more than decode (validate, WAL, index) cannot beat it on one core, so
// sustained / ceiling says how much of the machine's parsing capacity ingest keeps.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeExportRequest, scanExportRequest } from '@spanbase/otlp';
import { formatNumber, mib } from '../format.ts';
import { drive } from '../load/driver.ts';
import type { DriveResult } from '../load/driver.ts';
import { encodePayloads, PayloadCycler } from '../load/payloads.ts';
import type { PayloadSet } from '../load/payloads.ts';
import { grpcTransport, httpTransport } from '../load/senders.ts';
import type { Transport } from '../load/senders.ts';
import { measureThroughput } from '../measure.ts';
import type { ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { storageFlags } from '../server/backend.ts';
import { profileSections } from '../server/cpu-profile.ts';
import { serverProblems } from '../server/server-log.ts';
import { spawnSpanbase } from '../server/spanbase-process.ts';
import { cpuPerUnitNote, threadCpuSeconds } from '../server/thread-cpu.ts';
import { latencyCurve, latencyStats, ratePerBucket } from '../stats.ts';
import { workloadBatches } from '../workload/generate.ts';

/** Goal from issue #8: sustained spans/s on the 2-core reference machine. */
export const INGEST_GOAL_SPANS_PER_SECOND = 100_000;
/** Goal from issue #8: sustained / decode-only ceiling. */
export const INGEST_GOAL_CEILING_RATIO = 0.5;
/** The open-loop run's rate: a little below Tempo's documented monolithic ceiling (55k-80k spans/s). */
export const INGEST_TARGET_SPANS_PER_SECOND = 50_000;
/** Spans generated for the request set (times --scale); passes after the first get fresh trace ids. */
const TEMPLATE_SPANS = 120_000;
/** Mean spans per generated trace (measured on the workload; only used to size the generation). */
const SPANS_PER_TRACE = 18;
const HTTP_CONNECTIONS = 8;
const GRPC_CHANNELS = 4;
const GRPC_IN_FLIGHT = 8;

/** The flags every ingest run gives the server: WAL fsync on an interval, limits out of the way. */
export const INGEST_SERVER_FLAGS = ['--wal.fsync=interval', '--ingester.max-live-bytes=8GiB', '--ingestion.rate-limit-bytes=1TiB', '--ingestion.burst-size-bytes=1TiB'];

/** The ingest scenario for one OTLP transport. */
export function ingestScenario(protocol: 'http' | 'grpc'): Scenario {
  const label = protocol === 'http' ? 'OTLP/HTTP' : 'OTLP/gRPC';
  return {
    name: protocol === 'http' ? 'ingest' : 'ingest-grpc',
    title: `Ingest over ${label}`,
    description:
      `The spanbase binary as a child process (WAL fsync every 100 ms, local temp dirs) receives pre-encoded realistic protobuf requests over ${label} ` +
      `from ${protocol === 'http' ? `${HTTP_CONNECTIONS} keep-alive connections` : `${GRPC_CHANNELS} HTTP/2 channels, ${GRPC_IN_FLIGHT} requests in flight`}: ` +
      `flat out, then open-loop at ${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s. Reported: accepted spans/s, acknowledgement latency, the server's CPU and peak RSS. ` +
      'The peer column holds the decode-only ceiling: the same bodies fully decoded (decodeExportRequest) on one thread of this machine.',
    inDefaultSuite: true,
    run: (ctx) => runIngest(ctx, protocol, label),
  };
}

async function runIngest(ctx: ScenarioContext, protocol: 'http' | 'grpc', label: string): Promise<ScenarioResult> {
  const set = generatePayloads(ctx);
  const bytesPerSpan = set.totalBytes / set.totalSpans;

  const refSeconds = ctx.seconds(3, 0.5);
  const refStep = ctx.progress.step('decode-only ceiling (1 thread)', 2 * refSeconds * 1.25, 's');
  const decode = measureThroughput(set.bodies.length, (i) => decodeExportRequest(set.bodies[i]), (i) => set.spans[i], refSeconds, (s) => refStep.set(s));
  const scan = measureThroughput(set.bodies.length, (i) => scanExportRequest(set.bodies[i], { maxAttributeBytes: 2048 }), (i) => set.spans[i], refSeconds, (s) => refStep.set(refSeconds * 1.25 + s));
  refStep.done(`decode ${formatNumber(decode.perSecond)} spans/s, scan ${formatNumber(scan.perSecond)} spans/s`);

  const backend = await ctx.backend();
  const profileDir = ctx.cpuProfile ? join(ctx.tmpDir, 'cpu-profile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = await spawnSpanbase({ dataDir: join(ctx.tmpDir, 'data'), flags: [...storageFlags(backend), ...INGEST_SERVER_FLAGS], cpuProfileDir: profileDir });
  const transport: Transport = protocol === 'http' ? httpTransport(server.otlpHttp, HTTP_CONNECTIONS) : grpcTransport(server.otlpGrpc, GRPC_CHANNELS);
  const concurrency = protocol === 'http' ? HTTP_CONNECTIONS : GRPC_IN_FLIGHT;
  const payloads = new PayloadCycler(set);
  let flat: DriveResult;
  let rated: DriveResult;
  let serverCores: number;
  let serverCpuSeconds: number;
  let clientCores: number;
  let byThread: string | undefined;
  let stopped: Awaited<ReturnType<typeof server.stop>>;
  try {
    const warmSeconds = ctx.seconds(2, 0.5);
    const warmStep = ctx.progress.step(`${label} warm-up`, warmSeconds, 's');
    await drive({ send: transport.send, payloads, concurrency, durationMs: warmSeconds * 1000, progress: warmStep });
    warmStep.done();

    const flatSeconds = ctx.seconds(20, 1);
    const flatStep = ctx.progress.step(`${label} flat out`, flatSeconds, 's');
    const cpu0 = server.cpuSeconds();
    const threads0 = threadCpuSeconds(server.pid);
    const client0 = process.cpuUsage();
    flat = await drive({ send: transport.send, payloads, concurrency, durationMs: flatSeconds * 1000, progress: flatStep });
    serverCpuSeconds = server.cpuSeconds() - cpu0;
    byThread = cpuPerUnitNote(threads0, threadCpuSeconds(server.pid), flat.acceptedSpans);
    serverCores = serverCpuSeconds / (flat.elapsedMs / 1000);
    const client = process.cpuUsage(client0);
    clientCores = (client.user + client.system) / 1000 / flat.elapsedMs;
    flatStep.done(`${formatNumber(rate(flat))} spans/s`);

    const rateSeconds = ctx.seconds(10, 1);
    const rateStep = ctx.progress.step(`${label} at ${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s`, rateSeconds, 's');
    rated = await drive({ send: transport.send, payloads, concurrency: concurrency * 8, durationMs: rateSeconds * 1000, spansPerSecond: INGEST_TARGET_SPANS_PER_SECOND, progress: rateStep });
    rateStep.done(`${formatNumber(rate(rated))} spans/s`);
  } finally {
    transport.close();
    stopped = await server.stop();
  }
  const peakRss = server.peakRssBytes();

  const sustained = rate(flat);
  const ratio = sustained / decode.perSecond;
  const fl = latencyStats(flat.latencyMs);
  const rl = latencyStats(rated.latencyMs);
  const ceiling = { peer: decode.perSecond, peerLabel: 'decode-only ceiling, 1 thread' };
  const rows: ResultRow[] = [
    {
      metric: `${label} flat out: accepted spans/s`, unit: 'spans/s', spanbase: sustained, ...ceiling, ratio, higherIsBetter: true,
      goal: `>= ${formatNumber(INGEST_GOAL_SPANS_PER_SECOND)} and >= ${INGEST_GOAL_CEILING_RATIO} x ceiling`,
      goalMet: sustained >= INGEST_GOAL_SPANS_PER_SECOND && ratio >= INGEST_GOAL_CEILING_RATIO,
      note: `server used ${serverCores.toFixed(2)} cores, load generator ${clientCores.toFixed(2)}`,
    },
    {
      metric: `${label} flat out: spans per server CPU-second`, unit: 'spans/s', spanbase: flat.acceptedSpans / Math.max(0.01, serverCpuSeconds),
      peer: decode.perCpuSecond, peerLabel: 'decode-only, per CPU-second', higherIsBetter: true,
      note:
        'all server threads counted (GC, libuv); less skewed by other load on the machine than wall-clock rates' +
        (byThread ? `; CPU microseconds per span by thread: ${byThread} (blocks cut from earlier data are written meanwhile)` : ''),
    },
    { metric: `${label} flat out: ack latency p50`, unit: 'ms', spanbase: fl.p50, higherIsBetter: false },
    { metric: `${label} flat out: ack latency p99`, unit: 'ms', spanbase: fl.p99, higherIsBetter: false },
    {
      metric: `${label} at ${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s: accepted spans/s`, unit: 'spans/s', spanbase: rate(rated), higherIsBetter: true,
      note: rated.late > 0 ? `${rated.late} requests waited for a free slot (server behind)` : undefined,
    },
    { metric: `${label} at ${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s: ack latency p50`, unit: 'ms', spanbase: rl.p50, higherIsBetter: false, note: 'measured from when each request was due' },
    { metric: `${label} at ${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s: ack latency p99`, unit: 'ms', spanbase: rl.p99, higherIsBetter: false },
    { metric: `${label}: server peak RSS`, unit: 'MiB', spanbase: mib(peakRss), higherIsBetter: false, note: `after ${formatNumber(flat.acceptedSpans + rated.acceptedSpans)} spans; unflushed data stays in memory until blocks are written` },
    { metric: `${label}: scan-only rate (the server's parse step)`, unit: 'spans/s', spanbase: scan.perSecond, ...ceiling, ratio: scan.perSecond / decode.perSecond, higherIsBetter: true, note: 'scanExportRequest on one thread, no server' },
    { metric: `${label}: request size`, unit: 'B/span', spanbase: bytesPerSpan, higherIsBetter: false, note: `${set.bodies.length} requests, ${formatNumber(set.totalSpans / set.bodies.length)} spans each on average` },
  ];
  const notes = [failureNote('flat out', flat), failureNote('target rate', rated)].filter((n): n is string => n !== undefined);
  if (stopped.exitCode !== 0) notes.push(`the server ${stopped.exitCode === null ? 'did not stop within 60 s of SIGTERM and was killed' : `exited with code ${stopped.exitCode} on SIGTERM`}`);
  if (stopped.stopMs > 1000) notes.push(`the server took ${formatNumber(stopped.stopMs / 1000)} s to shut down`);
  notes.push(...serverProblems(server.output()));
  const sections = profileSections(stopped.cpuProfiles, `${label}: warm-up, flat out, target rate, shutdown`);
  return {
    rows,
    notes,
    sections,
    charts: [
      { kind: 'latency', id: 'latency', title: `${label} acknowledgement latency`, unit: 'ms', series: [latencyCurve('flat out', flat.latencyMs), latencyCurve(`${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s`, rated.latencyMs)] },
      {
        kind: 'timeline', id: 'throughput', title: `${label} accepted spans/s (500 ms buckets)`, unit: 'spans/s',
        series: [
          { label: 'flat out', points: ratePerBucket(flat.doneAtMs, flat.doneSpans, 500, flat.elapsedMs) },
          { label: `${formatNumber(INGEST_TARGET_SPANS_PER_SECOND)} spans/s`, points: ratePerBucket(rated.doneAtMs, rated.doneSpans, 500, rated.elapsedMs) },
        ],
      },
      { kind: 'timeline', id: 'rss', title: `${label} server RSS (MiB)`, unit: 'MiB', series: [{ label: 'RSS', points: server.rssTimeline().map(([t, b]) => [t, mib(b)]) }] },
    ],
  };
}

function generatePayloads(ctx: ScenarioContext): PayloadSet {
  const wanted = ctx.count(TEMPLATE_SPANS, 1_000);
  const step = ctx.progress.step('generate and encode workload', wanted, ' spans');
  const set = encodePayloads(workloadBatches(ctx.seed, Math.ceil(wanted / SPANS_PER_TRACE), { windowSeconds: 10, maxSpans: wanted }), (n) => step.tick(n));
  step.done(`${formatNumber(set.totalSpans)} spans in ${set.bodies.length} requests, ${formatNumber(set.totalBytes / set.totalSpans)} B/span`);
  return set;
}

function rate(r: DriveResult): number {
  return (r.acceptedSpans * 1000) / r.elapsedMs;
}

function failureNote(what: string, r: DriveResult): string | undefined {
  const entries = Object.entries(r.failures);
  if (entries.length === 0) return undefined;
  return `${what}: ${entries.map(([k, v]) => `${v} x ${k}`).join(', ')} of ${r.requests} requests failed`;
}
