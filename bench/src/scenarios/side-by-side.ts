// Query latency of the server beside DuckDB: the timing loops, rows and charts that the search and
// metrics scenarios share. Both sides get the same untimed warm-up (up to WARMUP_RUNS runs within
// WARMUP_MS) and then at most MAX_RUNS timed runs within the same time budget.
import { formatNumber } from '../format.ts';
import { timeRepeated } from '../measure.ts';
import type { DuckDbPeer, TimedQuery } from '../peer/duckdb.ts';
import type { Chart, ResultRow, ScenarioContext } from '../scenario.ts';
import { expectOk, timedGet } from '../server/api.ts';
import { latencyCurve, latencyStats } from '../stats.ts';

/**
 * Timed runs per query and side at most (within the time budget). Ten were too few for a needle
 * of a few milliseconds on a shared machine: its p50 moved from 1.95 to 3.66 ms between runs.
 */
export const MAX_RUNS = 30;

/**
 * Untimed runs before the timed ones, at most, and the time they may take. Spanbase's code is
 * compiled as it repeats (V8 interprets a function, then optimises it once it is hot), so a
 * query's first runs are not its warm ones: on the needle bench the ten runs after the first took
 * 2-5x as long as the ten after thirty. A query of a second or more gets a single warm-up run,
 * as before; DuckDB gets the same warm-up.
 */
export const WARMUP_RUNS = 30;
export const WARMUP_MS = 1000;

/** Runs after the first whose p50 is reported as the settling one (what the timed runs were before WARMUP_RUNS). */
const SETTLING_RUNS = 10;

/** DuckDB's runs of one query, one thread and default threads. */
export interface PeerTimes {
  /** One thread. */
  one: TimedQuery;
  /** DuckDB's default threads (one per core). */
  all: TimedQuery;
}

/** The server's runs of one query. */
export interface ServerTimes {
  /** Timed runs, ms. */
  samples: number[];
  /** The first (warm-up) run, ms: the server's caches hold nothing of this query yet. */
  first: number;
  /** The warm-up runs after the first, up to ten, ms: the code of the query's path is still being optimised. */
  settling: number[];
}

/**
 * Times GET `url` on the server. `read` checks each answer (throw on a wrong one) and returns
 * a short summary of the last for the progress line.
 */
export async function timeServerQuery(ctx: ScenarioContext, label: string, url: string, budgetMs: number, read: (body: string) => string): Promise<ServerTimes> {
  const step = ctx.progress.step(`Spanbase ${label}`, MAX_RUNS, ' runs');
  let summary = '';
  const warmup: number[] = [];
  const samples = await timeRepeated(async () => {
    const r = await timedGet(url);
    expectOk(r, label);
    summary = read(r.body);
    return r.ms;
  }, { warmup: WARMUP_RUNS, warmupMs: WARMUP_MS, maxRuns: MAX_RUNS, budgetMs, onRun: () => step.tick(), onWarmup: (ms) => warmup.push(ms) });
  step.done(`p50 ${formatNumber(latencyStats(samples).p50)} ms, ${summary}`);
  return { samples, first: warmup[0], settling: warmup.slice(1, 1 + SETTLING_RUNS) };
}

/** Times `sql` on DuckDB with one thread, then with default threads. */
export async function timeDuckDb(ctx: ScenarioContext, duck: DuckDbPeer, label: string, sql: string, budgetMs: number): Promise<PeerTimes> {
  const step = ctx.progress.step(`DuckDB ${label}`, 2, ' thread settings');
  await duck.setThreads(1);
  const one = await duck.timeQuery(sql, { warmup: WARMUP_RUNS, warmupMs: WARMUP_MS, repeat: MAX_RUNS, budgetMs });
  step.tick();
  await duck.setThreads('default');
  const all = await duck.timeQuery(sql, { warmup: WARMUP_RUNS, warmupMs: WARMUP_MS, repeat: MAX_RUNS, budgetMs });
  step.done(`p50 ${formatNumber(one.stats.p50)} ms (1 thread), ${formatNumber(all.stats.p50)} ms (default threads)`);
  return { one, all };
}

/**
 * p50 and p99 beside DuckDB on one thread, p50 beside DuckDB's default threads, and the first
 * run of each side (Spanbase's chunk cache empty for the query's columns, DuckDB's first read of
 * the files' metadata); `p50` adds to the first row (goal, note).
 */
export function latencyRows(label: string, server: ServerTimes, peer: PeerTimes, p50: Partial<ResultRow> = {}): ResultRow[] {
  const s = latencyStats(server.samples);
  return [
    { metric: `${label}: p50`, unit: 'ms', spanbase: s.p50, peer: peer.one.stats.p50, peerLabel: 'DuckDB 1 thread', higherIsBetter: false, ...p50 },
    { metric: `${label}: p99`, unit: 'ms', spanbase: s.p99, peer: peer.one.stats.p99, peerLabel: 'DuckDB 1 thread', higherIsBetter: false, note: `${s.count} runs (DuckDB ${peer.one.samples.length})` },
    { metric: `${label}: p50 (vs DuckDB default threads)`, unit: 'ms', spanbase: s.p50, peer: peer.all.stats.p50, peerLabel: 'DuckDB default threads', higherIsBetter: false },
    { metric: `${label}: first run`, unit: 'ms', spanbase: server.first, peer: peer.one.first, peerLabel: 'DuckDB 1 thread, first run', higherIsBetter: false, note: 'the warm-up run of each side: nothing of this query in Spanbase\'s chunk cache yet' },
    ...(server.settling.length > 0
      ? [{ metric: `${label}: p50 of the runs after the first`, unit: 'ms', spanbase: latencyStats(server.settling).p50, note: `${server.settling.length} untimed warm-up runs after the first: V8 still optimising the query's path` }]
      : []),
  ];
}

/** The latency distributions of both sides. */
export function latencyChart(id: string, title: string, serverLabel: string, samples: readonly number[], peer: PeerTimes): Chart {
  return {
    kind: 'latency', id, title, unit: 'ms',
    series: [latencyCurve(serverLabel, samples), latencyCurve('DuckDB 1 thread', peer.one.samples), latencyCurve('DuckDB default threads', peer.all.samples)],
  };
}
