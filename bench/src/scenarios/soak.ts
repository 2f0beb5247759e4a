// Soak: the single binary under steady ingest for a long time, compaction on, with a search and a
// trace lookup every few seconds. A short run cannot show whether the write side keeps up: a
// compactor slower than ingest only shows as a level-0 backlog that keeps growing, and with it
// more blocks per query, slower lookups and more memory. The run fails when the backlog grows.
import { join } from 'node:path';
import { formatNumber } from '../format.ts';
import { drive } from '../load/driver.ts';
import { encodePayloads, PayloadCycler } from '../load/payloads.ts';
import { httpTransport } from '../load/senders.ts';
import type { ResultRow, Scenario, ScenarioContext, ScenarioResult, TimeSeries } from '../scenario.ts';
import { storageFlags } from '../server/backend.ts';
import { serverProblems } from '../server/server-log.ts';
import { spawnSpanbase } from '../server/spanbase-process.ts';
import { latencyStats } from '../stats.ts';
import { workloadBatches } from '../workload/generate.ts';
import { backlogGrew, blockGauges, windowed } from './soak-series.ts';
import type { GaugeSample } from './soak-series.ts';

/** Share of the measured flat-out rate the soak ingests at. */
export const SOAK_SHARE = 0.5;
/** OTLP/HTTP connections (as the ingest scenario uses). */
const CONNECTIONS = 8;
/** Width of the windows the ack latency and throughput are summarised over. */
const WINDOW_S = 30;

/** Soak. */
export const soakScenario: Scenario = {
  name: 'soak',
  title: 'Soak',
  description:
    `The spanbase binary as a child process, default settings (blocks cut every minute, compaction every 30 s), first flat out over OTLP/HTTP for a few seconds to find its rate, ` +
    `then at ${SOAK_SHARE * 100}% of that rate for --scale x 10 minutes (spans carry the time they are sent, as a live service's do), with a search (\`{ status = error }\`, the last hour) and a trace lookup by id every few seconds. ` +
    'Sampled over time: accepted spans/s, ingest ack p99 per 30 s, level-0 blocks and bytes (flushed and not merged yet: the compactor\'s backlog), all blocks, server RSS, search and lookup latency. ' +
    'The run fails when the level-0 backlog is higher over the last third than it ever was over the middle third (it grows without bound), or the ack p99 of a 30 s window passes 200 ms.',
  inDefaultSuite: false,
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const nowMs = Date.now();
  const nowNs = BigInt(nowMs) * 1_000_000n;
  const gen = ctx.progress.step('generate data', 1);
  const spans = ctx.count(300_000, 20_000);
  // Fresh trace ids on every pass over the set (PayloadCycler), timestamps of the minute before
  // each request: a search of the last hour then meets blocks of every age, as in production,
  // not a pile of blocks that all hold the same minute.
  const payloads = encodePayloads(workloadBatches(ctx.seed, Math.ceil(spans / 18) + 1, { windowSeconds: 60, maxSpans: spans, startUnixNano: nowNs - 60_000_000_000n }));
  gen.done(`${formatNumber(payloads.totalSpans)} spans in ${payloads.bodies.length} requests`);
  // Lookups ask for traces of the first pass: they are stored early and merged again and again.
  const lookupIds = payloads.traceIdOffsets.slice(0, 20).map((offs, i) => payloads.bodies[i].subarray(offs[0], offs[0] + 16).toString('hex'));

  const backend = await ctx.backend();
  const server = await spawnSpanbase({ dataDir: join(ctx.tmpDir, 'data'), flags: [...storageFlags(backend), '--wal.fsync=interval'], rssSampleMs: 1000 });
  const transport = httpTransport(server.otlpHttp, CONNECTIONS);
  const cycler = new PayloadCycler(payloads, { retimeFromMs: nowMs });
  const gauges: GaugeSample[] = [];
  const searches: [number, number][] = [];
  const lookups: [number, number][] = [];
  const probeFailures: string[] = [];
  let flatRate = 0;
  let soak: Awaited<ReturnType<typeof drive>>;
  let soakStartS = 0;
  const soakSeconds = ctx.seconds(600, 15);
  let stopped: Awaited<ReturnType<typeof server.stop>>;
  try {
    // A few seconds to warm up (JIT, the block writer's first blocks), then flat out.
    const warm = ctx.progress.step('warm up', 1);
    await drive({ send: transport.send, payloads: cycler, concurrency: CONNECTIONS, durationMs: ctx.seconds(10, 2) * 1000 });
    warm.done();
    const flatSeconds = ctx.seconds(15, 3);
    const f = ctx.progress.step('flat out', flatSeconds, ' s');
    const flat = await drive({ send: transport.send, payloads: cycler, concurrency: CONNECTIONS, durationMs: flatSeconds * 1000, progress: f });
    flatRate = (flat.acceptedSpans * 1000) / flat.elapsedMs;
    f.done(`${formatNumber(flatRate)} spans/s`);
    const target = Math.max(1, Math.round(flatRate * SOAK_SHARE));

    const s = ctx.progress.step(`soak at ${formatNumber(target)} spans/s`, soakSeconds, ' s');
    const t0 = performance.now();
    soakStartS = server.rssTimeline().at(-1)?.[0] ?? 0;
    const at = () => (performance.now() - t0) / 1000;
    const stop = new AbortController();
    // One probe round every few seconds: the block gauges, a search, a lookup.
    const everyMs = Math.max(1000, Math.min(5000, (soakSeconds * 1000) / 120));
    const prober = (async () => {
      for (let i = 0; !stop.signal.aborted; i++) {
        const t = at();
        try {
          gauges.push({ t, ...blockGauges(await (await fetch(`${server.api}/metrics`, { signal: AbortSignal.timeout(10_000) })).text()) });
          const endS = Math.ceil(Date.now() / 1000);
          searches.push([t, await timed(`${server.api}/api/search?q=${encodeURIComponent('{ status = error }')}&limit=20&start=${endS - 3600}&end=${endS}`)]);
          lookups.push([t, await timed(`${server.api}/api/traces/${lookupIds[i % lookupIds.length]}`)]);
        } catch (err) {
          probeFailures.push(`${t.toFixed(0)} s: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    soak = await drive({ send: transport.send, payloads: cycler, concurrency: CONNECTIONS * 8, durationMs: soakSeconds * 1000, spansPerSecond: target, progress: s });
    stop.abort();
    await prober;
    s.done(`${formatNumber((soak.acceptedSpans * 1000) / soak.elapsedMs)} spans/s accepted`);
  } finally {
    transport.close();
    stopped = await server.stop();
  }

  const perWindow = windowed(soak.doneAtMs, soak.latencyMs, soak.doneSpans, WINDOW_S);
  const worstP99 = Math.max(0, ...perWindow.map((w) => w.p99));
  const grew = backlogGrew(gauges);
  // Thirds of the probes taken, not of the time: under a heavy load one probe round can take long.
  const third = (xs: [number, number][], k: 0 | 2) => {
    const n = Math.max(1, Math.floor(xs.length / 3));
    return (k === 0 ? xs.slice(0, n) : xs.slice(xs.length - n)).map(([, v]) => v);
  };
  const searchFirst = latencyStats(third(searches, 0));
  const searchLast = latencyStats(third(searches, 2));
  const lookupFirst = latencyStats(third(lookups, 0));
  const lookupLast = latencyStats(third(lookups, 2));
  const flatness = (first: number, last: number) => Number.isFinite(last) && last <= Math.max(2 * first, first + 50);
  const shown = (v: number) => (Number.isFinite(v) ? Math.max(v, 1e-9) : 1e-9);
  const rss = server.rssTimeline().filter(([t]) => t >= soakStartS);
  const rssPeak = Math.max(0, ...rss.map(([, b]) => b));
  const last = gauges.at(-1);
  const failed = Object.entries(soak.failures).map(([why, n]) => `${n} x ${why}`).join(', ');
  const rows: ResultRow[] = [
    { metric: 'flat out: accepted spans/s', unit: 'spans/s', spanbase: flatRate, higherIsBetter: true, note: `OTLP/HTTP, ${CONNECTIONS} connections; the soak runs at ${SOAK_SHARE * 100}% of it` },
    {
      metric: 'soak: accepted spans/s', unit: 'spans/s', spanbase: (soak.acceptedSpans * 1000) / soak.elapsedMs, higherIsBetter: true,
      goal: 'no failed request', goalMet: soak.ok === soak.requests, note: `${formatNumber(soakSeconds / 60)} min; ${failed ? `failed: ${failed}` : `${formatNumber(soak.requests)} requests, none failed`}`,
    },
    { metric: 'soak: ack p99, worst 30 s window', unit: 'ms', spanbase: Math.max(worstP99, 1e-9), higherIsBetter: false, goal: '< 200 ms throughout', goalMet: worstP99 < 200, note: `p99 over the whole run ${formatNumber(latencyStats(soak.latencyMs).p99)} ms` },
    {
      metric: 'level-0 backlog: blocks at the end', unit: 'blocks', spanbase: Math.max(last?.level0Blocks ?? 0, 1e-9), higherIsBetter: false,
      goal: 'bounded (no growth over the last third)', goalMet: !grew.grew,
      note: `max ${grew.middleMax} blocks over the middle third, ${grew.lastMax} over the last; ${formatNumber((last?.level0Bytes ?? 0) / 2 ** 20)} MiB at the end`,
    },
    { metric: 'blocks at the end', unit: 'blocks', spanbase: Math.max(last?.blocks ?? 0, 1e-9), higherIsBetter: false, note: `${formatNumber((last?.bytes ?? 0) / 2 ** 20)} MiB of data.parquet` },
    { metric: 'server RSS during the soak: peak', unit: 'MiB', spanbase: rssPeak / 2 ** 20, higherIsBetter: false, note: 'run without --memory.budget: compare with --ingester.max-live-bytes (1 GiB) plus the caches and the workers\' heaps' },
    {
      metric: 'search latency, last third: p50', unit: 'ms', spanbase: shown(searchLast.p50), higherIsBetter: false,
      goal: 'flat (<= 2x the first third)', goalMet: flatness(searchFirst.p50, searchLast.p50), note: `${searches.length} searches; first third p50 ${formatNumber(searchFirst.p50)} ms; last third p99 ${formatNumber(searchLast.p99)} ms`,
    },
    {
      metric: 'trace lookup latency, last third: p50', unit: 'ms', spanbase: shown(lookupLast.p50), higherIsBetter: false,
      goal: 'flat (<= 2x the first third)', goalMet: flatness(lookupFirst.p50, lookupLast.p50), note: `${lookups.length} lookups; first third p50 ${formatNumber(lookupFirst.p50)} ms; last third p99 ${formatNumber(lookupLast.p99)} ms`,
    },
  ];
  const notes = serverProblems(server.output());
  if (probeFailures.length > 0) notes.push(`${probeFailures.length} probe rounds failed, first: ${probeFailures[0]}`);
  if (stopped.exitCode !== 0) notes.push(`the server exited with ${stopped.exitCode ?? 'SIGKILL'} on SIGTERM (it took ${formatNumber(stopped.stopMs)} ms)`);
  const series = (label: string, points: [number, number][]): TimeSeries => ({ label, points: points.length > 0 ? points : [[0, 0]] });
  return {
    rows,
    notes,
    charts: [
      { kind: 'timeline', id: 'throughput', title: 'Accepted spans/s (30 s windows)', unit: 'spans/s', series: [series('accepted', perWindow.map((w) => [w.t, w.spansPerSecond]))] },
      { kind: 'timeline', id: 'ack-p99', title: 'Ingest ack p99 (30 s windows)', unit: 'ms', series: [series('p99', perWindow.map((w) => [w.t, w.p99]))] },
      { kind: 'timeline', id: 'blocks', title: 'Blocks', unit: 'blocks', series: [series('level 0 (backlog)', gauges.map((g) => [g.t, g.level0Blocks])), series('all', gauges.map((g) => [g.t, g.blocks]))] },
      { kind: 'timeline', id: 'backlog', title: 'Compaction backlog (level-0 data)', unit: 'MiB', series: [series('level 0', gauges.map((g) => [g.t, g.level0Bytes / 2 ** 20]))] },
      { kind: 'timeline', id: 'rss', title: 'Server RSS', unit: 'MiB', series: [series('RSS', rss.map(([t, b]) => [t - soakStartS, b / 2 ** 20]))] },
      { kind: 'timeline', id: 'queries', title: 'Query latency', unit: 'ms', series: [series('search', searches), series('trace lookup', lookups)] },
    ],
  };
}

/** Latency of one GET, ms; throws unless it answers 200. */
async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url.replace(/^https?:\/\/[^/]+/, '')}: HTTP ${res.status}`);
  return performance.now() - t0;
}
