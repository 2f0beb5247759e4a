// The service dependency graph over a day of spans: DAY_BASE_SPANS times --scale (5 million at
// --scale=25) written as DAY_BLOCKS blocks of a quarter of an hour each (more blocks than a day of
// compacted hourly windows leaves, so the count of summaries read is on the safe side), served by
// the binary. GET /api/spanbase/dependencies over the whole day (every block answers from its
// totals) and over a range that cuts blocks (those answer bucket by bucket); each answer is checked
// against the graph computed span by span from the generated traces. Goal: a day under 100 ms.
import { LocalStore } from '@spanbase/backend';
import type { BlockMeta } from '@spanbase/block';
import { DependencyBuilder, DependencyGraph, writeBlock } from '@spanbase/block';
import { groupTraces, sortedById, spanTotal } from '../dataset/traces.ts';
import { formatNumber } from '../format.ts';
import type { Chart, ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { startDatasetServer } from '../server/dataset-server.ts';
import { latencyCurve, latencyStats } from '../stats.ts';
import { DEFAULT_WORKLOAD_START_UNIX_NANO, workloadBatches } from '../workload/generate.ts';
import { timeServerQuery } from './side-by-side.ts';

/** Spans of the day at --scale=1. */
export const DAY_BASE_SPANS = 200_000;
/** Blocks the day is cut into. */
export const DAY_BLOCKS = 96;
/** Goal: the day's graph answers within this many ms (p50). */
export const DEPENDENCIES_GOAL_MS = 100;
const SPANS_PER_TRACE = 18;
const NS_PER_S = 1_000_000_000n;
const TENANT = 'single-tenant';

interface DayDataset {
  dir: string;
  metas: BlockMeta[];
  spans: number;
  /** Unix seconds of the day's start. */
  start: number;
  /** Span-by-span graph of the generated traces, for checking answers. */
  expected: DependencyBuilder;
}

async function buildDay(ctx: ScenarioContext, dir: string, spans: number): Promise<DayDataset> {
  const store = new LocalStore({ path: dir });
  const blockSeconds = (24 * 3600) / DAY_BLOCKS;
  const perBlock = Math.max(1, Math.ceil(spans / DAY_BLOCKS));
  const step = ctx.progress.step(`generate and write a day of spans as ${DAY_BLOCKS} blocks`, perBlock * DAY_BLOCKS, ' spans');
  const expected = new DependencyBuilder();
  const metas: BlockMeta[] = [];
  for (let b = 0; b < DAY_BLOCKS; b++) {
    const batches = workloadBatches(ctx.seed * 1000 + b + 1, Math.ceil(perBlock / SPANS_PER_TRACE) + 1, {
      startUnixNano: DEFAULT_WORKLOAD_START_UNIX_NANO + BigInt(b * blockSeconds) * NS_PER_S, windowSeconds: blockSeconds, maxSpans: perBlock,
    });
    const traces = sortedById(groupTraces(batches));
    for (const t of traces) expected.addTraceRecords(t);
    metas.push(await writeBlock(store, { tenant: TENANT }, traces));
    step.tick(spanTotal(traces));
  }
  const total = metas.reduce((n, m) => n + m.spanCount, 0);
  step.done(`${total} spans, ${metas.length} blocks`);
  return { dir, metas, spans: total, start: Number(DEFAULT_WORKLOAD_START_UNIX_NANO / NS_PER_S), expected };
}

interface EdgeJson {
  parent: string;
  child: string;
  remote: boolean;
  calls: number;
  errors: number;
}

/** Calls and errors per (parent, child, remote) of the expected graph over a range. */
function expectedPairs(d: DayDataset, start: number, end: number): Map<string, [number, number]> {
  const g = new DependencyGraph();
  g.addSummary(d.expected.summary(), { start, end });
  const out = new Map<string, [number, number]>();
  for (const e of g.edges()) {
    const k = `${e.parent}>${e.child}>${e.remote}`;
    const v = out.get(k) ?? [0, 0];
    out.set(k, [v[0] + e.calls, v[1] + e.errors]);
  }
  return out;
}

/** Throws unless the answer has exactly the expected edges and counts. */
function check(body: string, want: Map<string, [number, number]>): string {
  const edges = (JSON.parse(body) as { edges: EdgeJson[] }).edges;
  const got = new Map(edges.map((e) => [`${e.parent}>${e.child}>${e.remote}`, [e.calls, e.errors] as [number, number]]));
  if (got.size !== want.size) throw new Error(`dependencies: ${got.size} edges, expected ${want.size}`);
  for (const [k, v] of want) {
    const g = got.get(k);
    if (!g || g[0] !== v[0] || g[1] !== v[1]) throw new Error(`dependencies: edge ${k} has ${JSON.stringify(g)}, expected ${JSON.stringify(v)}`);
  }
  return `${edges.length} edges, ${formatNumber(edges.reduce((n, e) => n + e.calls, 0))} calls`;
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const spans = ctx.count(DAY_BASE_SPANS, 2_000);
  const d = await ctx.shared(`day-dataset-${ctx.seed}-${spans}`, (dir) => buildDay(ctx, dir, spans));
  const budgetMs = ctx.seconds(5, 0.3) * 1000;
  const ranges = [
    { id: 'day', label: 'dependencies over 24 h', start: d.start, end: d.start + 24 * 3600 },
    // From 3:07:30 to 9:52:30: the first and last blocks in range answer minute by minute.
    { id: 'cut', label: 'dependencies over 6 h 45 min (cutting blocks)', start: d.start + 3 * 3600 + 450, end: d.start + 9 * 3600 + 3150 },
  ];
  const srv = await startDatasetServer(ctx, { dir: d.dir, tenant: TENANT, metas: d.metas });
  const rows: ResultRow[] = [];
  const charts: Chart[] = [];
  const { stopped } = await srv.session('dependency queries', async () => {
    for (const r of ranges) {
      const want = expectedPairs(d, r.start, r.end);
      const url = `${srv.server.api}/api/spanbase/dependencies?start=${r.start}&end=${r.end}`;
      const times = await timeServerQuery(ctx, r.label, url, budgetMs, (body) => check(body, want));
      const st = latencyStats(times.samples);
      rows.push(
        { metric: `${r.label}: p50`, unit: 'ms', spanbase: st.p50, higherIsBetter: false, goal: r.id === 'day' ? `< ${DEPENDENCIES_GOAL_MS} ms` : undefined, goalMet: r.id === 'day' ? st.p50 < DEPENDENCIES_GOAL_MS : undefined, note: `${want.size} edges, checked against the span-by-span graph` },
        { metric: `${r.label}: p99`, unit: 'ms', spanbase: st.p99, higherIsBetter: false, note: `${st.count} runs` },
        { metric: `${r.label}: first run`, unit: 'ms', spanbase: times.first, higherIsBetter: false, note: 'no summary parsed yet: every block\'s dependencies object read from the store' },
      );
      charts.push({ kind: 'latency', id: `dependencies-${r.id}`, title: `Dependencies ${r.label}`, unit: 'ms', series: [latencyCurve('Spanbase /api/spanbase/dependencies', times.samples)] });
    }
  });
  const notes = [`${formatNumber(d.spans)} spans over 24 h in ${d.metas.length} blocks on ${srv.label}.`, ...stopped.notes];
  return { rows, charts, notes, sections: stopped.sections };
}

/** Dependency graph latency over a day. */
export const dependenciesScenario: Scenario = {
  name: 'dependencies',
  title: 'Service dependency graph',
  description:
    `A day of spans (${formatNumber(DAY_BASE_SPANS)} times --scale; 5 million at --scale=25) in ${DAY_BLOCKS} blocks of 15 minutes, served by the spanbase binary; ` +
    'GET /api/spanbase/dependencies over the whole day and over a range that cuts blocks, every answer checked edge by edge against the graph computed from the generated spans. ' +
    `No peer: the number to beat is the goal, a day in under ${DEPENDENCIES_GOAL_MS} ms.`,
  // Out of the default suite (and so of the harness's smoke run, which has a time budget on two cores).
  inDefaultSuite: false,
  run,
};
