// TraceQL metrics (issue #6): rate by service and the p99 of span durations over the search
// scenario's hour of blocks with a 30 s step, through the binary's /api/metrics/query_range,
// beside the equivalent DuckDB SQL (time_bucket, count, quantile_cont) over the same files.
// Goal (issue #6): no slower than DuckDB.
import { formatNumber } from '../format.ts';
import { hourDataset, HOUR_BASE_SPANS } from '../dataset/hour-dataset.ts';
import type { HourDataset } from '../dataset/hour-dataset.ts';
import { openDuckDb } from '../peer/duckdb.ts';
import { createSpansView } from '../peer/spans-view.ts';
import type { Chart, ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { queryRangeUrl } from '../server/api.ts';
import { startDatasetServer } from '../server/dataset-server.ts';
import { latencyStats } from '../stats.ts';
import type { PeerTimes } from './side-by-side.ts';
import type { ServerTimes } from './side-by-side.ts';
import { latencyChart, latencyRows, timeDuckDb, timeServerQuery } from './side-by-side.ts';

/** Step of the range queries, seconds. */
const STEP_SECONDS = 30;
/** Goal (issue #6): Spanbase latency / DuckDB's at most this. */
export const METRICS_GOAL_RATIO = 1.0;

/** A metrics query and its SQL twin. */
interface MetricsQuery {
  /** File-name-safe id. */
  id: string;
  /** Row label. */
  label: string;
  /** TraceQL metrics query. */
  traceql: string;
  /** SQL over the `spans` view, one row per (series, step). */
  sql: string;
}

/** The two queries of issue #6 over the dataset's hour. */
export function metricsQueries(d: HourDataset): MetricsQuery[] {
  const bucket = `time_bucket(INTERVAL '${STEP_SECONDS} seconds', make_timestamp(start_unix_nano // 1000))`;
  const range = `start_unix_nano >= ${d.startUnixNano} AND start_unix_nano < ${d.endUnixNano}`;
  return [
    {
      id: 'rate-by-service', label: 'rate() by service', traceql: '{} | rate() by(resource.service.name)',
      sql: `SELECT service_name, ${bucket} AS t, count(*) / ${STEP_SECONDS}.0 AS rate FROM spans WHERE ${range} GROUP BY ALL`,
    },
    {
      id: 'p99-duration', label: 'quantile_over_time(duration, .99)', traceql: '{} | quantile_over_time(duration, .99)',
      sql: `SELECT ${bucket} AS t, quantile_cont(duration_nano, 0.99) AS p99 FROM spans WHERE ${range} GROUP BY ALL`,
    },
  ];
}

/** Metrics query latency beside DuckDB. */
export const metricsScenario: Scenario = {
  name: 'metrics',
  title: 'TraceQL metrics',
  description:
    `The search scenario's hour of spans (${formatNumber(HOUR_BASE_SPANS)} times --scale, the same blocks) served by the spanbase binary; ` +
    `\`{} | rate() by(resource.service.name)\` and \`{} | quantile_over_time(duration, .99)\` over the hour with a ${STEP_SECONDS} s step through GET /api/metrics/query_range. ` +
    'The peer is DuckDB over the same data.parquet files: `time_bucket` with `count(*)` per service, and `quantile_cont` (exact, where Tempo-style quantiles come from histogram buckets); ' +
    'one thread and default threads.',
  inDefaultSuite: true,
  run,
};

interface SeriesJson {
  samples?: { timestampMs: string; value?: number | string }[];
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const d = await hourDataset(ctx, ctx.count(HOUR_BASE_SPANS, 2_000));
  const queries = metricsQueries(d);
  const budgetMs = ctx.seconds(5, 0.3) * 1000;
  const srv = await startDatasetServer(ctx, d);
  const spanbase = new Map<string, { times: ServerTimes; series: number; points: number }>();
  const { stopped } = await srv.session('metrics queries', async () => {
    for (const q of queries) {
      let series = 0;
      let points = 0;
      const url = queryRangeUrl(srv.server.api, q.traceql, { start: d.startUnixNano, end: d.endUnixNano, stepSeconds: STEP_SECONDS });
      const times = await timeServerQuery(ctx, q.traceql, url, budgetMs, (body) => {
        const list = (JSON.parse(body) as { series?: SeriesJson[] }).series ?? [];
        series = list.length;
        // Points with a value other than 0 (a zero sample has no value field): what DuckDB's non-empty buckets are.
        points = list.reduce((n, s) => n + (s.samples ?? []).filter((p) => p.value !== undefined).length, 0);
        return `${series} series`;
      });
      spanbase.set(q.id, { times, series, points });
    }
  });

  const duck = await openDuckDb(1);
  const peers = new Map<string, PeerTimes>();
  try {
    await createSpansView(duck, d.parquetFiles);
    for (const q of queries) peers.set(q.id, await timeDuckDb(ctx, duck, q.label, q.sql, budgetMs));
  } finally {
    duck.close();
  }

  const rows: ResultRow[] = [];
  const charts: Chart[] = [];
  const notes = [`${formatNumber(d.spans)} spans in ${d.metas.length} blocks on ${srv.label}; ${STEP_SECONDS} s steps over one hour (${3600 / STEP_SECONDS} per series).`];
  for (const q of queries) {
    const s = spanbase.get(q.id)!;
    const p = peers.get(q.id)!;
    const st = latencyStats(s.times.samples);
    const duckSeries = q.id === 'rate-by-service' ? new Set(p.all.rows.map((r) => String(r.service_name))).size : 1;
    const answered = s.points > 0;
    rows.push(...latencyRows(q.label, s.times, p, {
      goal: `<= ${METRICS_GOAL_RATIO.toFixed(1)}x DuckDB`, goalMet: answered && st.p50 <= p.one.stats.p50 * METRICS_GOAL_RATIO,
      note: `${s.series} series, ${s.points} non-zero points (DuckDB ${duckSeries} series, ${p.all.rows.length} points)`,
    }));
    if (!answered) notes.push(`${q.label}: Spanbase answered with no data points over the blocks (DuckDB found ${p.all.rows.length}); its latency is not comparable and the goal is counted as not met.`);
    charts.push(latencyChart(q.id, `Metrics ${q.traceql}`, 'Spanbase /api/metrics/query_range', s.times.samples, p));
  }
  notes.push(...stopped.notes);
  return { rows, charts, notes, sections: stopped.sections };
}
