// Parse speed for the bench harness: how many typical queries the front end (lex, parse, build,
// type check) handles per second. Not a unit test: timing belongs to the bench.
import { parse } from './parse.ts';

/** Queries like those Grafana's Tempo datasource, Explore and Traces Drilldown send. */
export const TYPICAL_QUERIES: readonly string[] = [
  '{}',
  '{ resource.service.name = "frontend" }',
  '{ resource.service.name = "frontend" && span.http.status_code >= 500 }',
  '{ status = error }',
  '{ duration > 1s && resource.service.name =~ "api-.*" }',
  '{ span.http.method = "GET" && span.http.route = "/api/users/{id}" } | select(span.http.status_code, span.http.url)',
  '{ name = "HTTP GET" } >> { status = error }',
  '{ resource.service.name = "checkout" } | count() > 3',
  '{ span.db.system = "postgresql" } | avg(duration) > 100ms',
  '{ nestedSetParent < 0 && true && status = error } | rate() by (resource.service.name)',
  '{ kind = server } | quantile_over_time(duration, 0.5, 0.9, 0.99) by (span.http.route)',
  '{ nestedSetParent < 0 } | histogram_over_time(duration)',
  '{ resource.service.name = "cart" } | compare({ status = error })',
  '{ } >> { kind = server } | select(nestedSetLeft, nestedSetRight, nestedSetParent)',
  '{ trace:rootService = "frontend" && span:duration > 250ms } | by(span.http.route) | count() > 1',
  '{ .deployment.environment = "prod" && (span.http.status_code = 502 || span.http.status_code = 503) } with(most_recent=true)',
];

/** Parses `queries` round-robin for about `durationMs`; returns the rate. */
export function measureParseRate(queries: readonly string[], durationMs: number): { queriesPerSecond: number; parsed: number } {
  if (queries.length === 0) return { queriesPerSecond: 0, parsed: 0 };
  // Warm up the JIT so the rate reflects steady state.
  for (let i = 0; i < 2000; i++) parse(queries[i % queries.length]);
  let parsed = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 256; i++) {
      const r = parse(queries[parsed % queries.length]);
      if (r.ast === undefined) throw new Error(`query does not parse: ${queries[parsed % queries.length]}`);
      parsed++;
    }
    elapsed = performance.now() - start;
  }
  return { queriesPerSecond: Math.round((parsed * 1000) / elapsed), parsed };
}
