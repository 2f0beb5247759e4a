// Cluster: needle searches (fewer matches than the limit, so every block is read) through a
// query-frontend with one querier, then with two, each querier pinned to a core of its own: how
// much faster a search gets when a second querier takes half of its jobs. Every answer is checked
// against the single binary's over the same blocks.
import { formatNumber } from '../format.ts';
import { NEEDLE_BASE_SPANS, needleDataset } from '../dataset/needle-dataset.ts';
import { datasetNeedles } from '../dataset/needle-queries.ts';
import type { NeedleQueries } from '../dataset/needle-queries.ts';
import { timeRepeated } from '../measure.ts';
import type { Chart, ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { expectOk, searchTraceIds, searchUrl, timedGet } from '../server/api.ts';
import { startDatasetCluster } from '../server/cluster-server.ts';
import { startDatasetServer } from '../server/dataset-server.ts';
import { latencyCurve, latencyStats } from '../stats.ts';

/** Traces per search, as Grafana asks: more than any needle matches. */
const LIMIT = 20;
/** Timed runs per needle and cluster size at most. */
const RUNS = 10;
/** Querier counts compared. */
const SIZES = [1, 2] as const;

/** The speedup the issue asks for from one querier to two. */
export const CLUSTER_SPEEDUP_GOAL = 1.7;

export const clusterScenario: Scenario = {
  name: 'cluster',
  title: 'Cluster: needle searches over 1 and 2 queriers',
  description:
    'The needle dataset\'s blocks served by a cluster: a query-frontend, an empty ingester, and one querier, then two, each querier a process pinned to a core of its own ' +
    '(taskset) with one query worker. The needle scenario\'s searches (planted values matching fewer traces than the limit of 20, so no early stop spares a block; ' +
    'the regex without a literal is the one no index prunes) go through the frontend\'s /api/search, which splits them into block jobs spread over the queriers. Reported: p50 latency per needle with ' +
    '1 and 2 queriers and the speedup. Every answer is compared with the single binary\'s over the same blocks. The scenario takes its blocks and needles through one ' +
    'interface (bench/src/dataset/needle-queries.ts).',
  inDefaultSuite: true,
  run,
};

/** The trace ids each needle finds, from the single binary (the reference). */
async function referenceAnswers(ctx: ScenarioContext, d: NeedleQueries, server: { api: string }): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const n of d.needles) {
    const r = await timedGet(searchUrl(server.api, n.traceql, { limit: LIMIT, start: d.startUnixNano, end: d.endUnixNano }));
    expectOk(r, `single binary ${n.traceql}`);
    out.set(n.traceql, searchTraceIds(r.body).sort());
  }
  ctx.log(`reference answers: ${[...out.values()].map((ids) => ids.length).join(', ')} traces`);
  return out;
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const dataset = await needleDataset(ctx, ctx.count(NEEDLE_BASE_SPANS, 20_000));
  const found = datasetNeedles(dataset);
  const budgetMs = ctx.seconds(8, 0.5) * 1000;
  const notes: string[] = [];
  const single = await startDatasetServer(ctx, dataset);
  // The reference answers and the needles that qualify, then the clusters.
  const { value: reference, stopped } = await single.session('single binary', () => referenceAnswers(ctx, found, single.server));
  notes.push(...stopped.notes);
  // A value matching as many traces as the limit is no needle: a search may stop before the last block.
  const d: NeedleQueries = { ...found, needles: found.needles.filter((n) => reference.get(n.traceql)!.length < LIMIT) };
  if (d.needles.length === 0) throw new Error('the dataset has no needle values');
  if (d.needles.length < found.needles.length) notes.push(`${found.needles.length - d.needles.length} sampled values matched ${LIMIT} traces or more and were left out.`);

  const samples = new Map<number, Map<string, number[]>>();
  const wrong: string[] = [];
  let pinned = true;
  for (const n of SIZES) {
    const cluster = await startDatasetCluster(ctx, d, n);
    pinned &&= cluster.pinned;
    const bySearch = new Map<string, number[]>();
    try {
      for (const needle of d.needles) {
        const url = searchUrl(cluster.api, needle.traceql, { limit: LIMIT, start: d.startUnixNano, end: d.endUnixNano });
        const step = ctx.progress.step(`${n} querier${n > 1 ? 's' : ''}: ${needle.traceql}`, RUNS, ' runs');
        const times = await timeRepeated(async () => {
          const r = await timedGet(url);
          expectOk(r, needle.traceql);
          const ids = searchTraceIds(r.body).sort();
          const want = reference.get(needle.traceql)!;
          if (ids.join() !== want.join()) wrong.push(`${n} querier(s), ${needle.traceql}: ${ids.length} traces, the single binary found ${want.length}`);
          return r.ms;
        }, { maxRuns: RUNS, budgetMs, onRun: () => step.tick() });
        step.done(`p50 ${formatNumber(latencyStats(times).p50)} ms`);
        bySearch.set(needle.traceql, times);
      }
    } finally {
      notes.push(...(await cluster.stop()));
    }
    samples.set(n, bySearch);
  }

  const rows: ResultRow[] = [];
  const charts: Chart[] = [];
  let total1 = 0;
  let total2 = 0;
  for (const needle of d.needles) {
    const p1 = latencyStats(samples.get(1)!.get(needle.traceql)!).p50;
    const p2 = latencyStats(samples.get(2)!.get(needle.traceql)!).p50;
    total1 += p1;
    total2 += p2;
    rows.push({ metric: `${needle.label}: p50, 2 queriers`, unit: 'ms', spanbase: p2, peer: p1, peerLabel: '1 querier', ratio: p1 / p2, higherIsBetter: false, note: `${needle.traceql}: ${reference.get(needle.traceql)!.length} traces; speedup ${formatNumber(p1 / p2)}x` });
    charts.push({ kind: 'latency', id: `needle-${charts.length}`, title: `Needle ${needle.traceql}`, unit: 'ms', series: SIZES.map((n) => latencyCurve(`${n} querier${n > 1 ? 's' : ''}`, samples.get(n)!.get(needle.traceql)!)) });
  }
  const speedup = total1 / total2;
  rows.unshift({ metric: 'needle searches, sum of p50s: speedup from 1 to 2 queriers', unit: 'x', spanbase: speedup, higherIsBetter: true, goal: `>= ${CLUSTER_SPEEDUP_GOAL}x`, goalMet: speedup >= CLUSTER_SPEEDUP_GOAL, note: `${formatNumber(total1)} ms with 1 querier, ${formatNumber(total2)} ms with 2` });
  notes.unshift(
    `${d.name}: ${formatNumber(d.spans)} spans in ${d.metas.length} blocks (${formatNumber(d.bytes / 2 ** 20)} MiB of data.parquet) on local disk; ${d.needles.length} needles; ` +
      `queriers ${pinned ? 'pinned to one core each with taskset' : 'not pinned (no taskset, or more queriers than cores)'}, one query worker each; the frontend and the ingester unpinned.`,
  );
  if (wrong.length > 0) notes.push(`Answers that differ from the single binary's: ${wrong.join('; ')}.`);
  else notes.push('Every answer equals the single binary\'s.');
  return { rows, charts, notes };
}
