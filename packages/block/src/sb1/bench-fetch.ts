// Search and metrics latency over one block against DuckDB's SQL over the same data.parquet
// (single-threaded and with its default threads), for the bench harness and the numbers in the
// fetcher's design note. Each pattern asks both sides the same question: the newest 20 matching
// traces with their root service, root name, start, duration and matching spans; or span counts
// per service per step. Not used on any serving path.
import type { SearchOptions } from '@spanbase/traceql';
import { evaluateMetrics, executeSearch, finishMetrics, planMetrics } from '@spanbase/traceql';
import type { BlockReader } from '../format.ts';
import { blockColumnFetcher } from './fetch-columns.ts';
import { searchBlock } from './fetch-search.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';

/** One query pattern, in TraceQL and in DuckDB SQL. */
export interface FetchPattern {
  /** Short name for reports. */
  readonly name: string;
  /** The TraceQL query. */
  readonly traceql: string;
  /** A search (newest 20 traces) or a metrics query over the block's time range. */
  readonly kind: 'search' | 'metrics';
  /** The SQL WHERE clause (search) or the full SQL given the file and grid (metrics). */
  readonly where?: string;
}

/** The patterns of the project's goal (Spanbase at most DuckDB's latency on each). */
export const FETCH_PATTERNS: readonly FetchPattern[] = [
  { name: 'service and route', traceql: '{ resource.service.name = "frontend" && span.http.route = "/product/{id}" }', kind: 'search', where: `service_name = 'frontend' AND span_http_route = '/product/{id}'` },
  { name: 'duration > 1s', traceql: '{ duration > 1s }', kind: 'search', where: 'duration_nano > 1000000000' },
  { name: 'status = error', traceql: '{ status = error }', kind: 'search', where: 'status_code = 2' },
  { name: '{} newest 20', traceql: '{}', kind: 'search' },
  { name: 'rate by service', traceql: '{} | rate() by (resource.service.name)', kind: 'metrics' },
  // Without exemplars the column path reads no span or trace ids.
  { name: 'rate, no exemplars', traceql: '{} | rate() by (resource.service.name) with (exemplars=false)', kind: 'metrics' },
];

/** Latencies of one pattern, milliseconds (median of the runs). */
export interface FetchBenchRow {
  /** Pattern name. */
  pattern: string;
  /** Spanbase, the search as the querier runs it per block (mostRecent: every trace looked at). */
  spanbaseMs: number;
  /** Spanbase, newest-first fetch order with early stop (searchBlock); metrics: the column path. */
  spanbaseFastMs: number;
  /** Process CPU time of one fast run, milliseconds. */
  spanbaseFastCpuMs: number;
  /** DuckDB with `SET threads=1`. */
  duckdb1Ms: number;
  /** Process CPU time of one single-threaded DuckDB run (it runs in this process), milliseconds. */
  duckdb1CpuMs: number;
  /** DuckDB with its default threads. */
  duckdbMs: number;
  /** Traces (search) or series (metrics) Spanbase found. */
  spanbaseResults: number;
  /** Rows DuckDB returned. */
  duckdbResults: number;
}

/** Options of {@link measureFetchPatterns}. */
export interface FetchBenchOptions {
  /** Timed runs per pattern and side (after one warm-up run); default 5. */
  runs?: number;
  /** Patterns to run; default FETCH_PATTERNS. */
  patterns?: readonly FetchPattern[];
  /** Called after each pattern, for progress output. */
  onRow?: (row: FetchBenchRow) => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; result: T; cpuMs: number }> {
  let result = await f();
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    result = await f();
    times.push(performance.now() - t0);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
  }
  return { ms: median(times), result, cpuMs: median(cpus) };
}

function searchSql(file: string, where: string | undefined): string {
  return `SELECT trace_id, max(trace_start_unix_nano) AS ts, any_value(trace_end_unix_nano) AS te, any_value(trace_root_service_name), any_value(trace_root_span_name), count(*) AS matched, list(span_id ORDER BY start_unix_nano)[1:3] AS spans
    FROM read_parquet('${file}') ${where ? `WHERE ${where}` : ''} GROUP BY trace_id ORDER BY ts DESC LIMIT 20`;
}

/**
 * Times every pattern on Spanbase (the block reader, e.g. over a LocalStore) and on DuckDB over
 * `parquetPath` (the same block's data.parquet on disk). Needs `@duckdb/node-api`, a dev
 * dependency: the import is dynamic so nothing else pulls it in.
 */
export async function measureFetchPatterns(reader: BlockReader, parquetPath: string, opts: FetchBenchOptions = {}): Promise<FetchBenchRow[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const runs = opts.runs ?? 5;
  const file = parquetPath.replaceAll("'", "''");
  const start = BigInt(reader.meta.startUnixNano);
  const end = BigInt(reader.meta.endUnixNano);
  const rows: FetchBenchRow[] = [];
  const db = await DuckDBInstance.create(':memory:');
  const single = await db.connect();
  const multi = await db.connect();
  await single.run('SET threads=1');
  try {
    for (const p of opts.patterns ?? FETCH_PATTERNS) {
      let sql: string;
      let slow: () => Promise<number>;
      let fast: () => Promise<number>;
      if (p.kind === 'search') {
        sql = searchSql(file, p.where);
        const options: SearchOptions = { limit: 20, spansPerSpanset: 3 };
        slow = async () => (await executeSearch(p.traceql, blockSpansetFetcher(reader), { ...options, mostRecent: true })).traces.length;
        fast = async () => (await searchBlock(reader, p.traceql, options)).traces.length;
      } else {
        const plan = planMetrics(p.traceql, { start, end: end + 1n });
        const g = plan.grid;
        sql = `SELECT service_name, (start_unix_nano - ${g.start} - 1) // ${g.step} AS i, count(*) FROM read_parquet('${file}') WHERE start_unix_nano > ${g.start} AND start_unix_nano <= ${g.end} GROUP BY ALL`;
        slow = async () => finishMetrics(plan, await evaluateMetrics(plan, blockSpansetFetcher(reader))).series.length;
        fast = async () => {
          const columns = blockColumnFetcher(reader);
          const spansets = blockSpansetFetcher(reader);
          return finishMetrics(plan, await evaluateMetrics(plan, { fetch: (r, s) => spansets.fetch(r, s), fetchColumns: (r, s) => columns.fetchColumns(r, s) })).series.length;
        };
      }
      const duck1 = await timed(runs, async () => (await single.runAndReadAll(sql)).getRows().length);
      const duck = await timed(runs, async () => (await multi.runAndReadAll(sql)).getRows().length);
      const s = await timed(runs, slow);
      const f = await timed(runs, fast);
      const row: FetchBenchRow = { pattern: p.name, spanbaseMs: s.ms, spanbaseFastMs: f.ms, spanbaseFastCpuMs: f.cpuMs, duckdb1Ms: duck1.ms, duckdb1CpuMs: duck1.cpuMs, duckdbMs: duck.ms, spanbaseResults: f.result, duckdbResults: duck.result };
      opts.onRow?.(row);
      rows.push(row);
    }
  } finally {
    single.closeSync();
    multi.closeSync();
    db.closeSync();
  }
  return rows;
}
