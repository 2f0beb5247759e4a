// TraceQL front-end speed: queries per second (lex, parse, build the AST, type check) over a mix
// of queries like those Grafana sends. The measurement itself lives beside the parser
// (traceql/src/bench-parse.ts: measureParseRate, TYPICAL_QUERIES); it is loaded by path at run
// time because it is a bench helper, not part of the package's public API.
import { formatNumber } from '../format.ts';
import type { Scenario, ScenarioResult } from '../scenario.ts';
import { REPO_ROOT } from '../server/spanbase-process.ts';

/** What traceql/src/bench-parse.ts provides. */
interface BenchParseModule {
  TYPICAL_QUERIES: readonly string[];
  measureParseRate(queries: readonly string[], durationMs: number): { queriesPerSecond: number; parsed: number };
}

const MODULE_URL = new URL('traceql/src/bench-parse.ts', `file://${REPO_ROOT}/`).href;

async function loadBenchParse(): Promise<BenchParseModule | undefined> {
  try {
    const m = (await import(MODULE_URL)) as Partial<BenchParseModule>;
    return typeof m.measureParseRate === 'function' && Array.isArray(m.TYPICAL_QUERIES) ? (m as BenchParseModule) : undefined;
  } catch {
    return undefined;
  }
}

/** Parse throughput of typical queries. */
export const traceqlParseScenario: Scenario = {
  name: 'traceql-parse',
  title: 'TraceQL parse',
  description:
    'Queries per second through the TraceQL front end (lexer, parser, AST builder, type check) on one thread, round-robin over a mix of ' +
    'typical Grafana queries (search filters, structural operators, aggregates, metrics pipelines). No peer: DuckDB has no TraceQL.',
  inDefaultSuite: true,
  async run(ctx): Promise<ScenarioResult> {
    const mod = await loadBenchParse();
    if (!mod) {
      // HOOK: the scenario reports nothing until traceql/src/bench-parse.ts exists with this shape.
      throw new Error('traceql/src/bench-parse.ts (measureParseRate, TYPICAL_QUERIES) is missing or has another shape');
    }
    const seconds = ctx.seconds(3, 0.5);
    const step = ctx.progress.step(`parse ${mod.TYPICAL_QUERIES.length} typical queries`, seconds, 's');
    const r = mod.measureParseRate(mod.TYPICAL_QUERIES, seconds * 1000);
    step.done(`${formatNumber(r.queriesPerSecond)} queries/s`);
    return {
      rows: [
        { metric: 'parse + type check: queries/s', unit: 'queries/s', spanbase: r.queriesPerSecond, higherIsBetter: true, note: `${mod.TYPICAL_QUERIES.length} distinct queries, ${formatNumber(r.parsed)} parsed` },
        { metric: 'parse + type check: time per query', unit: 'µs', spanbase: 1e6 / r.queriesPerSecond, higherIsBetter: false },
      ],
    };
  },
};
