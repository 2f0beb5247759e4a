// Ingest to queryable (issue #8): how long after the acknowledgement a trace answers, by id
// (GET /api/traces/{id}) and by search (GET /api/search, `{ trace:id = ... }` over the default
// lookback), while ingest runs at a moderate rate. Probe traces are sent one at a time; after
// each acknowledgement both APIs are polled back to back until they answer.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TracesData } from '@spanbase/model';
import { bytesToHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { formatNumber } from '../format.ts';
import { drive } from '../load/driver.ts';
import type { DriveResult } from '../load/driver.ts';
import { encodePayloads, PayloadCycler } from '../load/payloads.ts';
import { httpTransport } from '../load/senders.ts';
import type { ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { searchTraceIds, searchUrl, timedGet } from '../server/api.ts';
import { storageFlags } from '../server/backend.ts';
import { profileSections } from '../server/cpu-profile.ts';
import { serverProblems } from '../server/server-log.ts';
import { spawnSpanbase } from '../server/spanbase-process.ts';
import { latencyCurve, latencyStats } from '../stats.ts';
import { generateTraces, workloadBatches } from '../workload/generate.ts';

/** Background ingest rate, spans/s: moderate for one small machine. */
export const BACKGROUND_SPANS_PER_SECOND = 10_000;
/** A probe not answering within this long counts as not found. */
const PROBE_TIMEOUT_MS = 30_000;
/** Pause between polls by id, ms: a lookup is cheap. */
const ID_POLL_GAP_MS = 10;
/** Pause between search polls, ms: each search scans the live traces, and back-to-back searches would starve ingest. */
const SEARCH_POLL_GAP_MS = 100;

/** Ingest-to-queryable latency. */
export const ingestToQueryableScenario: Scenario = {
  name: 'ingest-to-queryable',
  title: 'Ingest to queryable',
  description:
    `The spanbase binary as a child process (default ingester settings: idle traces leave memory after 5 s, blocks are cut every minute) takes OTLP/HTTP at ` +
    `${formatNumber(BACKGROUND_SPANS_PER_SECOND)} spans/s in the background. Meanwhile probe traces (one realistic trace per request, timestamps now) are sent one at a time; ` +
    'from each acknowledgement, GET /api/traces/{id} and GET /api/search?q={ trace:id = "..." } are polled back to back until each answers with the trace. ' +
    'Reported: time from acknowledgement to the first answer that has it (the resolution is one poll round trip).',
  inDefaultSuite: true,
  run,
};

interface Probe {
  /** Trace id, hex. */
  id: string;
  /** Ack → found by id, ms (undefined: timed out). */
  byIdMs?: number;
  /** Ack → found by search, ms. */
  bySearchMs?: number;
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
  const genStep = ctx.progress.step('generate background load', 1);
  // Timestamps from now, so blocks flushed during the run fall in search's default lookback.
  const spans = ctx.count(30_000, 2_000);
  const set = encodePayloads(workloadBatches(ctx.seed, Math.ceil(spans / 18) + 1, { windowSeconds: 10, maxSpans: spans, startUnixNano: nowNs() }));
  genStep.done(`${formatNumber(set.totalSpans)} spans in ${set.bodies.length} requests`);

  const backend = await ctx.backend();
  const profileDir = ctx.cpuProfile ? join(ctx.tmpDir, 'cpu-profile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = await spawnSpanbase({ dataDir: join(ctx.tmpDir, 'data'), flags: [...storageFlags(backend), '--wal.fsync=interval'], cpuProfileDir: profileDir });
  const transport = httpTransport(server.otlpHttp, 4);
  const planned = ctx.count(40, 4);
  const probes: Probe[] = [];
  let load: DriveResult | undefined;
  let stopped: Awaited<ReturnType<typeof server.stop>>;
  try {
    const stop = new AbortController();
    const background = drive({ send: transport.send, payloads: new PayloadCycler(set), concurrency: 64, durationMs: 3_600_000, spansPerSecond: BACKGROUND_SPANS_PER_SECOND, stop: stop.signal });
    try {
      // Let the background load settle first.
      await new Promise((r) => setTimeout(r, ctx.seconds(2, 0.5) * 1000));
      // A server that falls behind makes every probe slow: stop after the budget, with what was measured.
      const budgetMs = ctx.seconds(20, 2) * 1000;
      const t0 = performance.now();
      const step = ctx.progress.step('probe traces: ack, then poll by id and by search', planned, ' traces');
      for (let i = 0; i < planned && (i < 3 || performance.now() - t0 < budgetMs); i++) {
        probes.push(await probe(server.api, server.otlpHttp, probeTrace(ctx.seed * 7919 + 1_000 + i, nowNs())));
        step.tick();
      }
      const found = probes.filter((p) => p.byIdMs !== undefined && p.bySearchMs !== undefined).length;
      step.done(`${found}/${probes.length} found both ways`);
    } finally {
      stop.abort();
      load = await background;
    }
  } finally {
    transport.close();
    stopped = await server.stop();
  }

  const byId = probes.flatMap((p) => (p.byIdMs === undefined ? [] : [p.byIdMs]));
  const bySearch = probes.flatMap((p) => (p.bySearchMs === undefined ? [] : [p.bySearchMs]));
  if (byId.length === 0 || bySearch.length === 0) throw new Error(`no probe trace became queryable within ${PROBE_TIMEOUT_MS / 1000} s (by id ${byId.length}, by search ${bySearch.length} of ${probes.length})`);
  if (!load) throw new Error('the background load did not finish');
  const failed = Object.entries(load.failures).map(([why, n]) => `${n} x ${why}`).join(', ');
  const ack = latencyStats(load.latencyMs);
  const idStats = latencyStats(byId);
  const searchStats = latencyStats(bySearch);
  const missing = (xs: number[]) => (xs.length < probes.length ? `; ${probes.length - xs.length} not found within ${PROBE_TIMEOUT_MS / 1000} s` : '');
  const rows: ResultRow[] = [
    { metric: 'by id: ack to queryable p50', unit: 'ms', spanbase: idStats.p50, higherIsBetter: false, note: `${byId.length} probe traces${missing(byId)}${probes.length < planned ? ` (${planned} planned; the probing budget ran out)` : ''}` },
    { metric: 'by id: ack to queryable p99', unit: 'ms', spanbase: idStats.p99, higherIsBetter: false },
    { metric: 'by search: ack to queryable p50', unit: 'ms', spanbase: searchStats.p50, higherIsBetter: false, note: `${bySearch.length} probe traces${missing(bySearch)}` },
    { metric: 'by search: ack to queryable p99', unit: 'ms', spanbase: searchStats.p99, higherIsBetter: false },
    {
      metric: 'background ingest: accepted spans/s', unit: 'spans/s', spanbase: (load.acceptedSpans * 1000) / load.elapsedMs, higherIsBetter: true,
      note: `target ${formatNumber(BACKGROUND_SPANS_PER_SECOND)} spans/s${failed ? `; failed requests: ${failed}` : ''}${load.late > 0 ? `; ${load.late} requests waited for a free slot` : ''}`,
    },
    { metric: 'background ingest: ack latency p99', unit: 'ms', spanbase: ack.p99, higherIsBetter: false, note: `p50 ${formatNumber(ack.p50)} ms, measured from when each request was due` },
  ];
  const notes = serverProblems(server.output());
  if (stopped.exitCode !== 0) notes.push(`the server exited with ${stopped.exitCode ?? 'SIGKILL'} on SIGTERM`);
  return {
    rows, notes,
    sections: profileSections(stopped.cpuProfiles, 'background ingest and probes'),
    charts: [{ kind: 'latency', id: 'latency', title: 'Acknowledgement to queryable', unit: 'ms', series: [latencyCurve('by id', byId), latencyCurve('by search', bySearch)] }],
  };
}

/** One realistic trace starting now, all its spans in one request (as a single exporter would send a small trace). */
function probeTrace(seed: number, startNs: bigint): TracesData {
  return { resourceSpans: generateTraces(seed, 1, { startUnixNano: startNs, windowSeconds: 0.001 }).flatMap((b) => b.resourceSpans) };
}

/** Sends one probe and polls both APIs until each has it (or the timeout). */
async function probe(api: string, otlpUrl: string, trace: TracesData): Promise<Probe> {
  const id = bytesToHex(trace.resourceSpans[0].scopeSpans[0].spans[0].traceId);
  const res = await fetch(otlpUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTracesData(trace) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`probe ${id} was not accepted: HTTP ${res.status}`);
  const acked = performance.now();
  const poll = async (url: string, gapMs: number, has: (status: number, body: string) => boolean): Promise<number | undefined> => {
    while (performance.now() - acked < PROBE_TIMEOUT_MS) {
      const r = await timedGet(url);
      if (has(r.status, r.body)) return performance.now() - acked;
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    return undefined;
  };
  const [byIdMs, bySearchMs] = await Promise.all([
    poll(`${api}/api/traces/${id}`, ID_POLL_GAP_MS, (status) => status === 200),
    poll(searchUrl(api, `{ trace:id = "${id}" }`, { limit: 1 }), SEARCH_POLL_GAP_MS, (status, body) => status === 200 && searchTraceIds(body).includes(id)),
  ]);
  return { id, byIdMs, bySearchMs };
}
