// Needle search: one trace among millions of spans. Compacted blocks of realistic traces with a
// few planted values are served by the binary and searched through /api/search (limit 20, the
// whole range): nothing stops such a search early, so it is as fast as the blocks let it rule
// row groups out. Each query beside DuckDB over the same data.parquet files (1 thread and
// default threads), warm and on the first search after a restart, with the spans and bytes the
// server says it inspected; plus what the needle indexes cost in block size.
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import { createBlockWriter, openBlock } from '@spanbase/block';
import { formatNumber } from '../format.ts';
import { NEEDLE_BASE_SPANS, NEEDLES, needleDataset } from '../dataset/needle-dataset.ts';
import type { NeedleDataset } from '../dataset/needle-dataset.ts';
import { openDuckDb } from '../peer/duckdb.ts';
import { createSpansView, sqlString } from '../peer/spans-view.ts';
import type { Chart, ResultRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario.ts';
import { expectOk, searchTraceIds, searchUrl, timedGet } from '../server/api.ts';
import { startDatasetServer } from '../server/dataset-server.ts';
import { latencyStats } from '../stats.ts';
import { searchSql } from './search.ts';
import type { ServerTimes } from './side-by-side.ts';
import { MAX_RUNS, latencyChart, latencyRows, timeDuckDb, timeServerQuery } from './side-by-side.ts';

const LIMIT = 20;

/** One needle query. */
interface NeedleQuery {
  id: string;
  label: string;
  traceql: string;
  /** SQL condition over the `spans` view selecting the same spans. */
  where: string;
  /** The trace ids that match (hex). */
  expected: string[];
  /** True where no index can rule a row group out (the raw scan rate). */
  scan?: boolean;
}

/** A span string attribute in SQL: its value in the generic lists (these keys have no dedicated column). */
const strAttr = (key: string) => `span_str_values[list_position(span_str_keys, ${sqlString(key)})]`;

export function needleQueries(d: NeedleDataset): NeedleQuery[] {
  return [
    { id: 'attribute', label: 'generic attribute', traceql: `{ span.enduser.id = "${NEEDLES.user}" }`, where: `${strAttr('enduser.id')} = ${sqlString(NEEDLES.user)}`, expected: [d.needleTraces.user] },
    { id: 'name', label: 'span name', traceql: `{ name = "${NEEDLES.spanName}" }`, where: `name = ${sqlString(NEEDLES.spanName)}`, expected: [d.needleTraces.spanName] },
    {
      id: 'service-status', label: 'service and status', traceql: `{ resource.service.name = "${NEEDLES.service}" && status = error }`,
      where: `service_name = ${sqlString(NEEDLES.service)} AND status_code = 2`, expected: [d.needleTraces.service],
    },
    { id: 'regex', label: 'regex over an attribute', traceql: '{ span.url.path =~ ".*/needle-[0-9]+" }', where: `regexp_full_match(${strAttr('url.path')}, '.*/needle-[0-9]+')`, expected: [d.needleTraces.path] },
    // The same match with no literal run to look for in a dictionary's bytes: every value of the
    // key is decoded and tested (the raw scan rate).
    {
      id: 'regex-scan', label: 'regex without a literal', traceql: '{ span.url.path =~ ".*/[n][e][e][d][l][e]-[0-9]+" }',
      where: `regexp_full_match(${strAttr('url.path')}, '.*/[n][e][e][d][l][e]-[0-9]+')`, expected: [d.needleTraces.path], scan: true,
    },
    { id: 'nothing', label: 'matches nothing', traceql: `{ span.enduser.id = "${NEEDLES.absentUser}" }`, where: `${strAttr('enduser.id')} = ${sqlString(NEEDLES.absentUser)}`, expected: [] },
  ];
}

/** What the server says it inspected for a search. */
interface Inspected {
  spans: number;
  bytes: number;
}

function inspectedOf(body: string): Inspected {
  const m = (JSON.parse(body) as { metrics?: { inspectedSpans?: string; inspectedBytes?: string } }).metrics ?? {};
  return { spans: Number(m.inspectedSpans ?? 0), bytes: Number(m.inspectedBytes ?? 0) };
}

function sameIds(got: readonly string[], want: readonly string[]): boolean {
  const a = [...got].sort();
  const b = [...want].sort();
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The size of block 0 written again without the needle indexes: the size of a block before them. */
async function sizeWithoutIndexes(ctx: ScenarioContext, d: NeedleDataset): Promise<{ data: number; all: number; spans: number }> {
  const meta = d.metas[0];
  const reader = openBlock(new LocalStore({ path: d.dir }), meta);
  const store = new LocalStore({ path: join(ctx.tmpDir, 'plain') });
  const writer = createBlockWriter(store, { tenant: d.tenant, compactionLevel: meta.compactionLevel, expectedTraces: meta.totalObjects, needleIndexes: false });
  try {
    for await (const trace of reader.iterateTraces()) await writer.addTrace(trace);
    const m = await writer.finish();
    return { data: m.size, all: Object.values(m.checksums).reduce((n, c) => n + c.size, 0), spans: m.spanCount };
  } catch (err) {
    await writer.abort(err);
    throw err;
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const d = await needleDataset(ctx, ctx.count(NEEDLE_BASE_SPANS, 20_000));
  const queries = needleQueries(d);
  const budgetMs = ctx.seconds(5, 0.3) * 1000;
  const url = (q: NeedleQuery, api: string) => searchUrl(api, q.traceql, { limit: LIMIT, start: d.startUnixNano, end: d.endUnixNano });
  const notes: string[] = [];
  const wrong = (q: NeedleQuery, ids: readonly string[], where: string) => {
    if (!sameIds(ids, q.expected)) notes.push(`${q.label}: ${where} answered ${ids.length} traces (${ids.slice(0, 3).join(', ')}), expected ${q.expected.length} (${q.expected.join(', ')}).`);
  };

  // The first search of each query right after a restart: the server knows nothing but what it
  // prefetched on discovering the blocks.
  const cold = new Map<string, number>();
  for (const q of queries) {
    const srv = await startDatasetServer(ctx, d);
    await srv.session(`needle restart ${q.id}`, async () => {
      const r = await timedGet(url(q, srv.server.api));
      expectOk(r, q.label);
      wrong(q, searchTraceIds(r.body), 'the first search after a restart');
      cold.set(q.id, r.ms);
    });
  }

  const srv = await startDatasetServer(ctx, d);
  const spanbase = new Map<string, { times: ServerTimes; ids: string[]; inspected: Inspected }>();
  const { stopped } = await srv.session('needle queries', async () => {
    for (const q of queries) {
      let ids: string[] = [];
      let inspected: Inspected = { spans: 0, bytes: 0 };
      const times = await timeServerQuery(ctx, q.traceql, url(q, srv.server.api), budgetMs, (body) => {
        ids = searchTraceIds(body);
        inspected = inspectedOf(body);
        return `${ids.length} traces`;
      });
      wrong(q, ids, 'Spanbase');
      spanbase.set(q.id, { times, ids, inspected });
    }
  });

  const rows: ResultRow[] = [];
  const charts: Chart[] = [];
  const duck = await openDuckDb(1);
  try {
    await createSpansView(duck, d.parquetFiles);
    for (const q of queries) {
      const s = spanbase.get(q.id)!;
      const p = await timeDuckDb(ctx, duck, q.label, searchSql({ where: q.where, mostRecent: false }, LIMIT), budgetMs);
      const duckIds = p.all.rows.map((r) => Buffer.from((r.trace_id as { bytes: Uint8Array }).bytes).toString('hex'));
      wrong(q, duckIds, 'DuckDB');
      const ok = sameIds(s.ids, q.expected);
      const lat = latencyRows(q.label, s.times, p, { note: `${q.traceql}: ${s.ids.length} traces${ok ? ', the planted ones' : ' (wrong, see notes)'}`, goal: q.scan ? '>= 1x DuckDB 1 thread' : '>= 3x DuckDB 1 thread' });
      const warm = latencyStats(s.times.samples).p50;
      lat[0].goalMet = ok && p.one.stats.p50 / warm >= (q.scan ? 1 : 3);
      if (!q.scan) {
        lat[2].goal = '>= 1.5x DuckDB default threads';
        lat[2].goalMet = ok && p.all.stats.p50 / warm >= 1.5;
      }
      rows.push(...lat);
      const first = cold.get(q.id)!;
      rows.push({ metric: `${q.label}: first search after a restart`, unit: 'ms', spanbase: first, peer: warm, peerLabel: 'Spanbase warm p50', higherIsBetter: false, goal: '<= 2x warm', goalMet: first <= 2 * warm });
      rows.push({ metric: `${q.label}: spans per second (dataset / warm p50)`, unit: 'spans/s', spanbase: d.spans / (warm / 1000), higherIsBetter: true, note: `${formatNumber(s.inspected.spans)} spans inspected` });
      rows.push({ metric: `${q.label}: bytes read per query`, unit: 'B', spanbase: Math.max(1, s.inspected.bytes), higherIsBetter: false, note: 'inspectedBytes of the answer' });
      charts.push(latencyChart(q.id, `Needle ${q.traceql}`, 'Spanbase /api/search', s.times.samples, p));
    }
  } finally {
    duck.close();
  }

  const plain = await sizeWithoutIndexes(ctx, d);
  const m0 = d.metas[0];
  const all0 = Object.values(m0.checksums).reduce((n, c) => n + c.size, 0);
  rows.push({
    metric: 'block size with the needle indexes: bytes per span', unit: 'B/span', spanbase: all0 / m0.spanCount, peer: plain.all / plain.spans, peerLabel: 'the same block without them',
    higherIsBetter: false, goal: '<= 1.05x', goalMet: all0 / plain.all <= 1.05, note: `every object of block 0 (data.parquet ${formatNumber(m0.size / m0.spanCount)} B/span, without: ${formatNumber(plain.data / plain.spans)})`,
  });
  notes.unshift(
    `${formatNumber(d.spans)} spans, ${formatNumber(d.traces)} traces in ${d.metas.length} compacted blocks on ${srv.label} (${formatNumber(d.bytes / 2 ** 20)} MiB of data.parquet, ` +
      `${formatNumber(d.allBytes / 2 ** 20)} MiB with every object); dataset built in ${formatNumber(d.buildSeconds)} s. Budget per query and side: ${formatNumber(budgetMs / 1000)} s, at most ${MAX_RUNS} runs after a warm-up.`,
  );
  notes.push(...stopped.notes);
  return { rows, charts, notes, sections: stopped.sections };
}

/** Needle searches beside DuckDB. */
export const needleScenario: Scenario = {
  name: 'needle',
  title: 'Needle search',
  description:
    `${formatNumber(NEEDLE_BASE_SPANS)} realistic spans (times --scale) in 10 compacted blocks with planted needles, served by the binary; /api/search (limit 20, the whole range) for ` +
    'a generic attribute value, a span name, a service with an error status, a regex over a string attribute (with and without a literal run: the latter has nothing to rule out, the raw scan rate) and a value no span has. ' +
    'Each beside DuckDB over the same data.parquet files (1 thread and default threads), warm p50/p99, the first run, and the first search after a restart; answers are checked against the planted traces.',
  inDefaultSuite: false,
  run,
};
