// TraceQL front-end speed: queries per second (lex, parse, build the AST, type check) over a mix
// of queries like those Grafana sends. The measurement lives beside the parser
// (traceql/src/bench-parse.ts), so it changes with the parser; this scenario reports it.
import { measureParseRate, TYPICAL_QUERIES } from '@spanbase/traceql';
import { formatNumber } from '../format.ts';
import type { Scenario, ScenarioResult } from '../scenario.ts';

/** Parse throughput of typical queries. */
export const traceqlParseScenario: Scenario = {
  name: 'traceql-parse',
  title: 'TraceQL parse',
  description:
    'Queries per second through the TraceQL front end (lexer, parser, AST builder, type check) on one thread, round-robin over a mix of ' +
    'typical Grafana queries (search filters, structural operators, aggregates, metrics pipelines). No peer: DuckDB has no TraceQL.',
  inDefaultSuite: true,
  async run(ctx): Promise<ScenarioResult> {
    const seconds = ctx.seconds(3, 0.5);
    const step = ctx.progress.step(`parse ${TYPICAL_QUERIES.length} typical queries`, seconds, 's');
    // In slices, so the progress bar moves; each slice warms up untimed, so the rate is unaffected.
    const slices = Math.max(1, Math.round(seconds / 0.5));
    let parsed = 0;
    let ms = 0;
    for (let k = 0; k < slices; k++) {
      const part = measureParseRate(TYPICAL_QUERIES, (seconds * 1000) / slices);
      parsed += part.parsed;
      ms += (part.parsed * 1000) / part.queriesPerSecond;
      step.set(((k + 1) * seconds) / slices);
    }
    const r = { queriesPerSecond: (parsed * 1000) / ms, parsed };
    step.done(`${formatNumber(r.queriesPerSecond)} queries/s`);
    return {
      rows: [
        { metric: 'parse + type check: queries/s', unit: 'queries/s', spanbase: r.queriesPerSecond, higherIsBetter: true, note: `${TYPICAL_QUERIES.length} distinct queries, ${formatNumber(r.parsed)} parsed` },
        { metric: 'parse + type check: time per query', unit: 'µs', spanbase: 1e6 / r.queriesPerSecond, higherIsBetter: false },
      ],
    };
  },
};
