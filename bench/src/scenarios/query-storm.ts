// Query storm: steady OTLP ingest while many heavy searches and metrics queries run at once. A
// trace backend is shared infrastructure; one team's queries must not cost another its traces,
// so the rows compare ingest acknowledgement latency with and without the storm, and watch
// /ready and the server's memory while it lasts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TracesData } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { formatNumber } from '../format.ts';
import { drive } from '../load/driver.ts';
import type { DriveResult } from '../load/driver.ts';
import { encodePayloads, PayloadCycler } from '../load/payloads.ts';
import { httpTransport } from '../load/senders.ts';
import type { ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { storageFlags } from '../server/backend.ts';
import { profileSections } from '../server/cpu-profile.ts';
import { serverProblems } from '../server/server-log.ts';
import { procStatusBytes, spawnSpanbase } from '../server/spanbase-process.ts';
import { latencyCurve, latencyStats } from '../stats.ts';
import { generateTraces, spanCountOf, workloadBatches } from '../workload/generate.ts';
import { runStormClients } from './storm-clients.ts';
import type { QueryOutcome } from './storm-clients.ts';

/** Background ingest rate, spans/s. */
export const STORM_INGEST_SPANS_PER_SECOND = 5_000;
/** Query clients running at once during the storm. */
export const STORM_CLIENTS = 24;
/** A query not answered within this long counts as timed out. */
const QUERY_TIMEOUT_MS = 60_000;
/** /ready is probed this often; a probe not answered within PROBE_TIMEOUT_MS counts as that long. */
const READY_EVERY_MS = 100;
const READY_TIMEOUT_MS = 10_000;
/** The attribute value a backtracking regex engine needs exponential time for against `(a+)+$`. */
export const PATHOLOGICAL_VALUE = 'a'.repeat(40) + '!';

/** The heavy queries the storm cycles through, as paths relative to the API (start/end filled in). */
export function stormQueries(startS: number, endS: number): { name: string; path: string }[] {
  const range = `start=${startS}&end=${endS}`;
  const enc = encodeURIComponent;
  return [
    { name: 'search everything, big answer', path: `/api/search?q=${enc('{}')}&limit=5000&spss=100&${range}` },
    { name: 'search, backtracking regex', path: `/api/search?q=${enc('{ span.a =~ "(a+)+$" }')}&${range}` },
    { name: 'search, regex scan', path: `/api/search?q=${enc('{ resource.service.name =~ ".*e.*" && duration > 1ms } | count() > 1')}&limit=500&${range}` },
    { name: 'search, structural', path: `/api/search?q=${enc('{ kind = server } >> { status = error }')}&limit=1000&spss=50&${range}` },
    { name: 'search, huge limit', path: `/api/search?q=${enc('{}')}&limit=262144&${range}` },
    { name: 'metrics, a series per span', path: `/api/metrics/query_range?q=${enc('{} | rate() by (span:id)')}&step=1s&${range}` },
    { name: 'metrics, quantiles by service', path: `/api/metrics/query_range?q=${enc('{} | quantile_over_time(duration, .5, .99) by (resource.service.name)')}&step=5s&${range}` },
    { name: 'metrics, backtracking regex', path: `/api/metrics/query_range?q=${enc('{ span.a =~ "(a+)+$" } | count_over_time()')}&step=10s&${range}` },
    { name: 'tag values, backtracking regex filter', path: `/api/v2/search/tag/${enc('span.http.route')}/values?q=${enc('{ span.a =~ "(a+)+$" }')}&${range}` },
  ];
}

/** Query storm. */
export const queryStormScenario: Scenario = {
  name: 'query-storm',
  title: 'Query storm',
  description:
    `The spanbase binary as a child process holds about ${formatNumber(300_000)} spans (timestamps now; at the default flush settings part are still in memory, part in blocks). ` +
    `OTLP/HTTP ingest runs at ${formatNumber(STORM_INGEST_SPANS_PER_SECOND)} spans/s, first alone, then while ${STORM_CLIENTS} clients send heavy searches, metrics and tag-value queries back to back ` +
    '(a match-everything search with limit 5000 and spss 100, a backtracking regex `(a+)+$` against a span whose attribute is forty `a`s and a `!`, a series per span id at step 1s, a huge limit, ...). ' +
    'Before that, with the first 100,000 spans loaded, `{} | rate() by (span:id)` at step 1s runs alone over them. /ready is probed every 100 ms throughout. Reported: that query\'s latency and the server\'s RSS growth, ingest ack latency without and with the storm, failed ingest requests, /ready latency, the server\'s RSS, and how the storm\'s queries were answered.',
  inDefaultSuite: true,
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
  const genStep = ctx.progress.step('generate data and background load', 1);
  const preloadSpans = ctx.count(300_000, 3_000);
  const aloneSpans = ctx.count(100_000, 1_000);
  // Spread over the last few minutes, so blocks and live data both fall in the queries' range.
  const preload = encodePayloads(workloadBatches(ctx.seed, Math.ceil(preloadSpans / 18) + 1, { windowSeconds: 120, maxSpans: preloadSpans, startUnixNano: nowNs() - 150_000_000_000n }));
  const background = encodePayloads(workloadBatches(ctx.seed + 1, Math.ceil(ctx.count(60_000, 2_000) / 18) + 1, { windowSeconds: 10, maxSpans: ctx.count(60_000, 2_000), startUnixNano: nowNs() }));
  genStep.done(`${formatNumber(preload.totalSpans)} spans to preload, ${formatNumber(background.totalSpans)} to cycle in the background`);

  const backend = await ctx.backend();
  const profileDir = ctx.cpuProfile ? join(ctx.tmpDir, 'cpu-profile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = await spawnSpanbase({ dataDir: join(ctx.tmpDir, 'data'), flags: [...storageFlags(backend), '--wal.fsync=interval'], cpuProfileDir: profileDir });
  const transport = httpTransport(server.otlpHttp, 8);
  const storm: QueryOutcome[] = [];
  let quiet: DriveResult;
  let loud: DriveResult;
  let readyQuiet: number[];
  let readyLoud: number[];
  const loopQuiet = { p99: 0, max: 0 };
  const loopLoud = { p99: 0, max: 0 };
  let rssBefore = 0;
  let rssStormPeak = 0;
  let perSpan: { ms: number; status: number; partial: boolean; bytes: number; spans: number; rssGrowth?: number } = { ms: 0, status: 0, partial: false, bytes: 0, spans: 0 };
  let stopped: Awaited<ReturnType<typeof server.stop>>;
  try {
    // The first 100k spans (times --scale), then the query that asks for a series per span id
    // over them alone, then the rest for the storm.
    let firstBodies = 0;
    for (let n = 0; firstBodies < preload.bodies.length && n < aloneSpans; firstBodies++) n += preload.spans[firstBodies];
    const loadStep = ctx.progress.step('preload', 1);
    let accepted = await sendAll(transport.send, preload.bodies.slice(0, firstBodies), preload.spans.slice(0, firstBodies), 8);
    const special = await fetch(server.otlpHttp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTracesData(pathologicalTrace(ctx.seed, nowNs() - 60_000_000_000n)) });
    await special.arrayBuffer();
    if (special.status !== 200) throw new Error(`the regex target trace was not accepted: HTTP ${special.status}`);
    loadStep.done(`${formatNumber(accepted)} spans accepted`);

    // One heavy metrics query alone first: a series per span id over what is loaded so far.
    const alone = ctx.progress.step('a series per span id, alone', 1);
    const rssAlone0 = procStatusBytes(server.pid, 'VmRSS');
    const aloneFrom = server.rssTimeline().length;
    const endAlone = Math.ceil(Date.now() / 1000) + 60;
    const t0 = performance.now();
    const res = await fetch(`${server.api}/api/metrics/query_range?q=${encodeURIComponent('{} | rate() by (span:id)')}&step=1s&start=${endAlone - 660}&end=${endAlone}`, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
    const body = await res.text();
    perSpan = { ms: performance.now() - t0, status: res.status, partial: body.includes('"PARTIAL"'), bytes: body.length, spans: accepted };
    await new Promise((r) => setTimeout(r, 300));
    perSpan.rssGrowth = Math.max(0, ...server.rssTimeline().slice(aloneFrom).map(([, b]) => b), procStatusBytes(server.pid, 'VmRSS')) - rssAlone0;
    alone.done(`HTTP ${perSpan.status}${perSpan.partial ? ' (partial)' : ''} in ${formatNumber(perSpan.ms)} ms`);
    const restStep = ctx.progress.step('preload the rest', 1);
    accepted += await sendAll(transport.send, preload.bodies.slice(firstBodies), preload.spans.slice(firstBodies), 8);
    restStep.done(`${formatNumber(accepted)} spans accepted in all`);

    // As long alone as with the storm: p99 of about 120 acks (10 s) was the second-slowest one,
    // and swung from 7 to 50 ms between runs of the same build.
    const quietSeconds = ctx.seconds(30, 2);
    const stormSeconds = ctx.seconds(30, 2);
    const q = ctx.progress.step('ingest alone', quietSeconds, ' s');
    [quiet, readyQuiet] = await withReadyProbe(server.api, () =>
      drive({ send: transport.send, payloads: new PayloadCycler(background), concurrency: 64, durationMs: quietSeconds * 1000, spansPerSecond: STORM_INGEST_SPANS_PER_SECOND, progress: q }),
      loopQuiet,
    );
    q.done();
    rssBefore = server.rssTimeline().at(-1)?.[1] ?? 0;
    const rssFrom = server.rssTimeline().length;

    const s = ctx.progress.step(`ingest with ${STORM_CLIENTS} query clients`, stormSeconds, ' s');
    const endS = Math.ceil(Date.now() / 1000) + 60;
    const queries = stormQueries(endS - 60 - 600, endS);
    [loud, readyLoud] = await withReadyProbe(server.api, async () => {
      const clients = runStormClients({ api: server.api, queries, clients: STORM_CLIENTS, durationMs: stormSeconds * 1000, timeoutMs: QUERY_TIMEOUT_MS });
      const ingest = await drive({ send: transport.send, payloads: new PayloadCycler(background), concurrency: 64, durationMs: stormSeconds * 1000, spansPerSecond: STORM_INGEST_SPANS_PER_SECOND, progress: s });
      storm.push(...(await clients));
      return ingest;
    }, loopLoud);
    s.done(`${storm.length} queries answered or timed out`);
    rssStormPeak = Math.max(0, ...server.rssTimeline().slice(rssFrom).map(([, b]) => b));
  } finally {
    transport.close();
    stopped = await server.stop();
  }

  const failedIngest = Object.entries(loud.failures).map(([why, n]) => `${n} x ${why}`).join(', ');
  const ackQuiet = latencyStats(quiet.latencyMs);
  const ackLoud = latencyStats(loud.latencyMs);
  const rQuiet = latencyStats(readyQuiet);
  const rLoud = latencyStats(readyLoud);
  const by = (pred: (o: QueryOutcome) => boolean) => storm.filter(pred).length;
  const answered = storm.filter((o) => o.status === 200);
  const qStats = latencyStats(storm.map((o) => o.ms));
  const perQuery = stormQueries(0, 1).map((qq) => {
    const mine = storm.filter((o) => o.name === qq.name);
    const statuses = new Map<string, number>();
    for (const o of mine) {
      const k = o.status === 0 ? 'timeout' : o.partial ? '200 partial' : String(o.status);
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
    const lat = latencyStats(mine.map((o) => o.ms));
    return `| ${qq.name} | ${mine.length} | ${[...statuses].map(([k, n]) => `${n} x ${k}`).join(', ')} | ${formatNumber(lat.p50)} | ${formatNumber(lat.max)} |`;
  });
  const ackRatio = ackLoud.p99 / Math.max(ackQuiet.p99, 1e-9);
  const GiB = 1024 ** 3;
  const rows: ResultRow[] = [
    {
      metric: 'a series per span id, alone: latency', unit: 'ms', spanbase: perSpan.ms, higherIsBetter: false,
      goal: '< 2000 ms, bounded or refused', goalMet: perSpan.ms < 2000 && (perSpan.partial || (perSpan.status >= 400 && perSpan.status < 500)),
      note: `{} | rate() by (span:id) at step 1s over the first ${formatNumber(perSpan.spans)} spans loaded: HTTP ${perSpan.status}${perSpan.partial ? ', PARTIAL' : ''}, ${formatNumber(perSpan.bytes / 1024)} KiB`,
    },
    { metric: 'a series per span id, alone: server RSS growth', unit: 'MiB', spanbase: Math.max(perSpan.rssGrowth ?? 0, 1e-9) / 2 ** 20, higherIsBetter: false, goal: '< 500 MiB', goalMet: (perSpan.rssGrowth ?? 0) < 500 * 2 ** 20 },
    { metric: 'ingest alone: ack latency p99', unit: 'ms', spanbase: ackQuiet.p99, higherIsBetter: false, note: `p50 ${formatNumber(ackQuiet.p50)} ms at ${formatNumber(STORM_INGEST_SPANS_PER_SECOND)} spans/s; the driver's event-loop delay p99 ${formatNumber(loopQuiet.p99)} ms, max ${formatNumber(loopQuiet.max)} ms` },
    {
      metric: 'ingest during the storm: ack latency p99', unit: 'ms', spanbase: ackLoud.p99, higherIsBetter: false,
      goal: '<= 2x alone and < 250 ms', goalMet: ackRatio <= 2 && ackLoud.p99 < 250,
      note: `p50 ${formatNumber(ackLoud.p50)} ms; ${formatNumber(ackRatio)}x the p99 without the storm; the driver's event-loop delay p99 ${formatNumber(loopLoud.p99)} ms, max ${formatNumber(loopLoud.max)} ms`,
    },
    {
      metric: 'ingest during the storm: accepted spans/s', unit: 'spans/s', spanbase: (loud.acceptedSpans * 1000) / loud.elapsedMs, higherIsBetter: true,
      goal: 'no failed request', goalMet: loud.ok === loud.requests, note: failedIngest ? `failed requests: ${failedIngest}` : `${loud.requests} requests, none failed`,
    },
    { metric: '/ready latency during the storm: max', unit: 'ms', spanbase: rLoud.max, higherIsBetter: false, goal: '< 1000 ms', goalMet: rLoud.max < 1000, note: `p99 ${formatNumber(rLoud.p99)} ms; without the storm max ${formatNumber(rQuiet.max)} ms` },
    { metric: 'server RSS during the storm: peak', unit: 'MiB', spanbase: rssStormPeak / 2 ** 20, higherIsBetter: false, goal: '< 3 GiB', goalMet: rssStormPeak < 3 * GiB, note: `${formatNumber(rssBefore / 2 ** 20)} MiB before the storm` },
    {
      metric: 'storm queries answered', unit: 'queries', spanbase: Math.max(answered.length, 1e-9), higherIsBetter: true,
      note: `${storm.length} sent: ${answered.length} x 200 (${by((o) => o.partial)} partial), ${by((o) => o.status === 429)} x 429, ${by((o) => o.status >= 400 && o.status < 500 && o.status !== 429)} x other 4xx, ${by((o) => o.status >= 500)} x 5xx, ${by((o) => o.status === 0)} timed out after ${QUERY_TIMEOUT_MS / 1000} s`,
    },
    { metric: 'storm query latency p50', unit: 'ms', spanbase: qStats.p50, higherIsBetter: false, note: `p99 ${formatNumber(qStats.p99)} ms; 429s and timeouts included` },
  ];
  const notes = serverProblems(server.output());
  if (stopped.exitCode !== 0) notes.push(`the server exited with ${stopped.exitCode ?? 'SIGKILL'} on SIGTERM (it took ${formatNumber(stopped.stopMs)} ms)`);
  return {
    rows,
    notes,
    sections: [{ title: 'Storm queries', markdown: ['| query | sent | answers | p50 ms | max ms |', '|---|---:|---|---:|---:|', ...perQuery].join('\n') }, ...profileSections(stopped.cpuProfiles, 'preload, ingest alone and the storm')],
    charts: [
      { kind: 'latency', id: 'ack', title: 'Ingest acknowledgement latency', unit: 'ms', series: [latencyCurve('ingest alone', quiet.latencyMs), latencyCurve('during the storm', loud.latencyMs)] },
      { kind: 'latency', id: 'ready', title: '/ready latency', unit: 'ms', series: [latencyCurve('ingest alone', readyQuiet), latencyCurve('during the storm', readyLoud)] },
      { kind: 'timeline', id: 'rss', title: 'Server RSS', unit: 'MiB', series: [{ label: 'RSS', points: server.rssTimeline().map(([t, b]) => [t, b / 2 ** 20]) }] },
    ],
  };
}

/** Sends every body once, `concurrency` at a time; resolves with the spans accepted. */
async function sendAll(send: (body: Buffer) => Promise<string>, bodies: readonly Buffer[], spans: Uint32Array, concurrency: number): Promise<number> {
  let next = 0;
  let accepted = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      if ((await send(bodies[i])) === 'ok') accepted += spans[i];
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted;
}

/** Runs `work` while probing /ready; resolves with its result and the probe latencies (ms). */
async function withReadyProbe<T>(api: string, work: () => Promise<T>, loop: { p99: number; max: number }): Promise<[T, number[]]> {
  const samples: number[] = [];
  // The driver's own event-loop delay, so a reader can see the ack latencies are the server's.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let running = true;
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${api}/ready`, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
        await res.arrayBuffer();
        samples.push(performance.now() - t0);
      } catch {
        samples.push(READY_TIMEOUT_MS);
      }
      await new Promise((r) => setTimeout(r, READY_EVERY_MS));
    }
  })();
  try {
    return [await work(), samples];
  } finally {
    delay.disable();
    loop.p99 = delay.percentile(99) / 1e6;
    loop.max = delay.max / 1e6;
    running = false;
    await prober;
  }
}

/** A small trace with a span whose `a` attribute makes `(a+)+$` backtrack exponentially. */
function pathologicalTrace(seed: number, startNs: bigint): TracesData {
  const data = generateTraces(seed * 31 + 7, 1, { startUnixNano: startNs, windowSeconds: 0.001 });
  const rs = data.flatMap((b) => b.resourceSpans);
  const span = rs[0].scopeSpans[0].spans[0];
  const patched = { ...span, attributes: [...span.attributes, { key: 'a', value: { type: 'string' as const, value: PATHOLOGICAL_VALUE } }] };
  const first = { ...rs[0], scopeSpans: [{ ...rs[0].scopeSpans[0], spans: [patched, ...rs[0].scopeSpans[0].spans.slice(1)] }, ...rs[0].scopeSpans.slice(1)] };
  const out = { resourceSpans: [first, ...rs.slice(1)] };
  if (spanCountOf(out) === 0) throw new Error('the regex target trace has no spans');
  return out;
}
