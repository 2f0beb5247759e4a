// Search (issue #5): an hour of realistic spans as blocks, queried through the binary's
// /api/search (query path, worker pool, block fetchers: what a Grafana user waits for) for the
// four access patterns and `{}`, limit 20, each beside the equivalent DuckDB SQL over the same
// data.parquet files, on one thread and on DuckDB's default threads.
import { formatNumber } from '../format.ts';
import { hourDataset, HOUR_BASE_SPANS, HOUR_BLOCKS } from '../dataset/hour-dataset.ts';
import type { HourDataset } from '../dataset/hour-dataset.ts';
import { openDuckDb } from '../peer/duckdb.ts';
import type { DuckDbPeer } from '../peer/duckdb.ts';
import { createSpansView, sqlString } from '../peer/spans-view.ts';
import type { Chart, ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { searchTraceIds, searchUrl } from '../server/api.ts';
import { startDatasetServer } from '../server/dataset-server.ts';
import type { ServerTimes } from './side-by-side.ts';
import { MAX_RUNS, latencyChart, latencyRows, timeDuckDb, timeServerQuery } from './side-by-side.ts';

/** Traces per search, as Grafana asks. */
const LIMIT = 20;

/** One access pattern: the TraceQL and the SQL condition that selects the same spans. */
interface SearchQuery {
  /** File-name-safe id. */
  id: string;
  /** Row label. */
  label: string;
  /** TraceQL. */
  traceql: string;
  /** SQL WHERE condition over the `spans` view. */
  where: string;
  /** The newest traces (`with(most_recent=true)`, ORDER BY in SQL) rather than the first found. */
  mostRecent: boolean;
}

/**
 * The four access patterns of issue #5, as Grafana sends them (Tempo's semantics: the first
 * `limit` matching traces found), and `{}` for the most recent traces, with values taken from
 * the dataset.
 */
export function searchQueries(d: HourDataset): SearchQuery[] {
  const id = d.sampleTraceIds[Math.floor(d.sampleTraceIds.length / 2)];
  const { service, route } = d.serviceRoute;
  return [
    { id: 'trace-id', label: 'by trace id', traceql: `{ trace:id = "${id}" }`, where: `trace_id = from_hex('${id}')`, mostRecent: false },
    {
      id: 'service-attribute', label: 'by service + attribute', traceql: `{ resource.service.name = ${JSON.stringify(service)} && span.http.route = ${JSON.stringify(route)} }`,
      where: `service_name = ${sqlString(service)} AND span_http_route = ${sqlString(route)}`, mostRecent: false,
    },
    { id: 'duration', label: 'by duration', traceql: '{ duration > 1s }', where: 'duration_nano > 1000000000', mostRecent: false },
    { id: 'error', label: 'by error', traceql: '{ status = error }', where: 'status_code = 2', mostRecent: false },
    { id: 'recent', label: 'most recent', traceql: '{} with(most_recent=true)', where: 'true', mostRecent: true },
  ];
}

/** The SQL equivalent of a search: traces with a matching span (newest trace start first for `mostRecent`). */
export function searchSql(q: Pick<SearchQuery, 'where' | 'mostRecent'>, limit: number): string {
  return (
    'SELECT trace_id, any_value(trace_root_service_name) AS root_service, any_value(trace_root_span_name) AS root_name, ' +
    'any_value(trace_start_unix_nano) AS trace_start, any_value(trace_end_unix_nano) - any_value(trace_start_unix_nano) AS duration, count(*) AS matched ' +
    `FROM spans WHERE ${q.where} GROUP BY trace_id ${q.mostRecent ? 'ORDER BY trace_start DESC ' : ''}LIMIT ${limit}`
  );
}

/**
 * Whether Spanbase's answer is right, judged by DuckDB: for the newest traces, the same ids; for
 * the first found, as many as there are (up to the limit) and each with a matching span.
 */
async function checkAnswer(duck: DuckDbPeer, q: SearchQuery, ids: readonly string[], duckIds: readonly string[]): Promise<string | undefined> {
  if (q.mostRecent) {
    const common = ids.filter((id) => duckIds.includes(id)).length;
    return common === ids.length && ids.length === duckIds.length ? undefined : `${ids.length} traces, ${common} of them among DuckDB's ${duckIds.length} newest`;
  }
  const total = Number((await duck.query(`SELECT count(DISTINCT trace_id) AS n FROM spans WHERE ${q.where}`))[0].n);
  const inList = ids.map((id) => `from_hex('${id}')`).join(', ');
  const matching = ids.length === 0 ? 0 : Number((await duck.query(`SELECT count(DISTINCT trace_id) AS n FROM spans WHERE (${q.where}) AND trace_id IN (${inList})`))[0].n);
  return matching === ids.length && ids.length === Math.min(LIMIT, total) ? undefined : `${ids.length} traces of ${total} matching, ${matching} of them matching in DuckDB`;
}

/** Search latency beside DuckDB. */
export const searchScenario: Scenario = {
  name: 'search',
  title: 'Search',
  description:
    `One hour of realistic spans (${formatNumber(HOUR_BASE_SPANS)} times --scale; issue #5 asks for 5 million, --scale=25) written as ${HOUR_BLOCKS} blocks of five minutes, ` +
    'served by the spanbase binary; searches go through GET /api/search (limit 20, the hour as start/end): by trace id, by service + span attribute, by duration, ' +
    'by error, as Grafana sends them (the first 20 matching traces found, as in Tempo), and `{} with(most_recent=true)` (the 20 newest traces). Each is timed after a warm-up, ' +
    'repeated within a time budget. The peer is DuckDB over the same data.parquet files: matching spans grouped by trace, limit 20 (newest trace start first for the most recent), ' +
    'one thread and default threads, Parquet metadata cached. Every Spanbase answer is checked against DuckDB.',
  inDefaultSuite: true,
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const d = await hourDataset(ctx, ctx.count(HOUR_BASE_SPANS, 2_000));
  const queries = searchQueries(d);
  const budgetMs = ctx.seconds(6, 0.3) * 1000;
  const srv = await startDatasetServer(ctx, d);
  const spanbase = new Map<string, { times: ServerTimes; ids: string[] }>();
  const { stopped } = await srv.session('search queries', async () => {
    for (const q of queries) {
      let ids: string[] = [];
      const url = searchUrl(srv.server.api, q.traceql, { limit: LIMIT, start: d.startUnixNano, end: d.endUnixNano });
      const times = await timeServerQuery(ctx, q.traceql, url, budgetMs, (body) => {
        ids = searchTraceIds(body);
        return `${ids.length} traces`;
      });
      spanbase.set(q.id, { times, ids });
    }
  });

  const duck = await openDuckDb(1);
  const rows: ResultRow[] = [];
  const charts: Chart[] = [];
  const notes: string[] = [
    `${formatNumber(d.spans)} spans, ${formatNumber(d.traces)} traces in ${d.metas.length} blocks on ${srv.label} (${formatNumber(d.bytes / 2 ** 20)} MiB of data.parquet); ` +
      `dataset built in ${formatNumber(d.buildSeconds)} s. Budget per query and side: ${formatNumber(budgetMs / 1000)} s, at most ${MAX_RUNS} runs after a warm-up (p99 of a few runs is their maximum).`,
  ];
  try {
    await createSpansView(duck, d.parquetFiles);
    for (const q of queries) {
      const s = spanbase.get(q.id)!;
      const p = await timeDuckDb(ctx, duck, q.label, searchSql(q, LIMIT), budgetMs);
      const duckIds = p.all.rows.map((r) => Buffer.from((r.trace_id as { bytes: Uint8Array }).bytes).toString('hex'));
      const wrong = await checkAnswer(duck, q, s.ids, duckIds);
      rows.push(...latencyRows(q.label, s.times, p, { note: `${q.traceql}: ${s.ids.length} traces${wrong ? ' (wrong, see notes)' : ', checked against DuckDB'}` }));
      if (wrong) notes.push(`${q.label}: Spanbase's answer does not agree with DuckDB's: ${wrong}.`);
      charts.push(latencyChart(q.id, `Search ${q.traceql}`, 'Spanbase /api/search', s.times.samples, p));
    }
  } finally {
    duck.close();
  }
  notes.push(...stopped.notes);
  return { rows, charts, notes, sections: stopped.sections };
}
