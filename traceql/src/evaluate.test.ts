// Table-driven evaluator tests over the hand-built traces in test-traces.ts: every operator
// family, scope, intrinsic, aggregate and pipeline stage, with the exact spans expected. Every
// query also runs through the pruning in-memory fetcher, which must give the same results
// (so the pushdown conditions are sound for it).
import { describe, expect, it } from 'vitest';
import { executeSearch } from './engine.ts';
import type { SearchResult } from './engine.ts';
import { MemoryFetcher } from './memory-fetcher.ts';
import { referenceSearch } from './reference.ts';
import { TRACES } from './test-traces.ts';

type Expected = Partial<Record<'a' | 'b' | 'c', string[][]>>;

function shape(r: SearchResult): Expected {
  const out: Record<string, string[][]> = {};
  for (const t of r.traces) out[t.traceId] = t.spansets.map((ss) => ss.spans.map((s) => s.name ?? '?'));
  return out;
}

async function run(q: string): Promise<SearchResult> {
  const reference = await referenceSearch(q, TRACES, { limit: 0, spansPerSpanset: 0 });
  const pruned = await executeSearch(q, new MemoryFetcher(TRACES), { limit: 0, spansPerSpanset: 0 });
  expect(pruned.traces, `pruned fetch differs for ${q}`).toEqual(reference.traces);
  return reference;
}

const A_ALL = ['GET /', 'auth', 'auth.check', 'db.query', 'pg.exec', 'cache.get'];
const B_ALL = ['job', 'step', 'notify', 'lost'];
const C_ALL = ['orphan-1', 'orphan-2'];

const CASES: [string, Expected][] = [
  // filters, scopes and unscoped precedence
  ['{ }', { a: [A_ALL], b: [B_ALL], c: [C_ALL] }],
  ['{ name = "auth" }', { a: [['auth']] }],
  ['{ span.http.status_code = 200 }', { a: [['GET /', 'auth']] }],
  ['{ .http.status_code >= 500 }', { a: [['cache.get']] }],
  ['{ .http.status_code != 200 }', { a: [['cache.get']] }],
  ['{ resource.service.name = "auth" }', { a: [['auth.check']] }],
  ['{ .region = "ap" }', { a: [['auth.check']] }],
  ['{ .region = "eu" }', { a: [['GET /', 'auth', 'db.query']] }],
  ['{ resource.region = "eu" }', { a: [['GET /', 'auth', 'db.query', 'cache.get']] }],
  ['{ .region = 7 }', { a: [['cache.get']] }],
  ['{ ."http route" = "/" }', { a: [['GET /']] }],
  ['{ instrumentation.lib.tier = "gold" }', { a: [['GET /', 'auth', 'db.query', 'cache.get']] }],
  ['{ event.exception.message =~ "bo.*" }', { a: [['db.query']] }],
  ['{ link.link.kind = "follows" }', { a: [['db.query']] }],
  // event and link attributes are compared per event (link), as Tempo does: `= nil` needs an
  // event (link) without the attribute, so spans with none never match
  ['{ event.exception.message = nil }', { a: [['db.query']] }],
  ['{ event.exception.message != nil }', { a: [['db.query']] }],
  ['{ event.other = nil }', { a: [['db.query']] }],
  ['{ event.other != nil }', {}],
  ['{ link.link.kind = nil }', {}],
  ['{ link.link.kind != nil }', { a: [['db.query']] }],
  ['{ link.other = nil }', { a: [['db.query']] }],
  ['{ link.other = nil && name = "db.query" }', { a: [['db.query']] }],
  ['{ link.other = nil || name = "auth" }', { a: [['auth', 'db.query']] }],
  ['{ !(event.other = nil) }', { a: [['GET /', 'auth', 'auth.check', 'pg.exec', 'cache.get']], b: [B_ALL], c: [C_ALL] }],
  // intrinsics
  ['{ status = error }', { a: [['db.query', 'pg.exec']], b: [['step']] }],
  ['{ span:status != unset }', { a: [['auth', 'auth.check', 'db.query', 'pg.exec']], b: [['job', 'step']] }],
  ['{ kind = client }', { a: [['auth', 'db.query', 'cache.get']], b: [['notify']] }],
  ['{ statusMessage = "timeout" }', { a: [['db.query']] }],
  ['{ duration > 500ms }', { a: [['GET /', 'db.query']], b: [['job', 'step']] }],
  ['{ span:duration >= 500ms && duration < 1s }', { a: [['db.query', 'pg.exec']] }],
  ['{ traceDuration > 1500ms }', { b: [B_ALL] }],
  ['{ trace:rootService = "batch" }', { b: [B_ALL] }],
  ['{ rootName = "GET /" }', { a: [A_ALL] }],
  ['{ trace:id = "000A" }', { a: [A_ALL] }],
  ['{ span:id = "a4" }', { a: [['db.query']] }],
  ['{ span:parentID = "00000000000000a1" }', { a: [['auth', 'db.query', 'cache.get']] }],
  ['{ span:childCount = 3 }', { a: [['GET /']] }],
  ['{ span:childCount = 0 }', { a: [['auth.check', 'pg.exec', 'cache.get']], b: [['step', 'notify', 'lost']], c: [C_ALL] }],
  ['{ event:name = "exception" }', { a: [['db.query']] }],
  ['{ event:timeSinceStart > 15ms }', { a: [['db.query']] }],
  ['{ link:traceID = "b" }', { a: [['db.query']] }],
  ['{ link:spanID = "00000000000000b1" }', { a: [['db.query']] }],
  ['{ instrumentation:name = "io.opentelemetry.http" && instrumentation:version = "1.2.0" }', { a: [['GET /', 'auth', 'db.query', 'cache.get']] }],
  ['{ nestedSetParent = -1 }', { a: [['GET /']], b: [['job']] }],
  ['{ nestedSetLeft = 0 }', { b: [['lost']], c: [C_ALL] }],
  // value types
  ['{ .ratio > 1 }', { a: [['pg.exec']] }],
  ['{ .ratio = 0.5 }', { a: [['auth.check']] }],
  ['{ .retries > 1.5 }', { a: [['auth.check']], b: [['step']] }],
  ['{ .retries = 2.0 }', { a: [['auth.check']] }],
  ['{ .flag }', { a: [['GET /']] }],
  ['{ .flag = false }', { a: [['auth']] }],
  ['{ !.flag }', { a: [['auth']] }],
  ['{ .tags = "x" }', { a: [['auth']] }],
  ['{ .tags != "x" }', {}],
  ['{ .tags != "z" }', { a: [['auth']] }],
  ['{ .tags =~ "y" }', { a: [['auth']] }],
  ['{ .nums > 2 }', { a: [['db.query']] }],
  ['{ .nums = 4 }', {}],
  ['{ .blob != nil }', {}],
  ['{ .blob = nil }', { a: [A_ALL], b: [B_ALL], c: [C_ALL] }],
  ['{ .db.system != nil }', { a: [['db.query']] }],
  ['{ .db.system = nil }', { a: [['GET /', 'auth', 'auth.check', 'pg.exec', 'cache.get']], b: [B_ALL], c: [C_ALL] }],
  ['{ .http.method = 200 }', {}],
  ['{ nil = nil }', {}],
  // regexes are anchored
  ['{ .http.method =~ "G.*" }', { a: [['GET /']] }],
  ['{ .http.method =~ "E" }', {}],
  ['{ .http.method !~ "P.*" }', { a: [['GET /']] }],
  ['{ name =~ "(?i)AUTH.*" }', { a: [['auth', 'auth.check']] }],
  ['{ name > "db" }', { a: [['db.query', 'pg.exec']], b: [B_ALL], c: [C_ALL] }],
  // arithmetic
  ['{ .retries * 2 = 4 }', { a: [['auth.check']] }],
  ['{ .ratio * 2 = 3 }', { a: [['pg.exec']] }],
  ['{ duration / 2 > 400ms }', { a: [['GET /']], b: [['job', 'step']] }],
  ['{ .retries % 2 = 1 }', { a: [['db.query']], b: [['step']] }],
  ['{ .retries ^ 2 = 25 }', { b: [['step']] }],
  ['{ -.retries < -3 }', { b: [['step']] }],
  ['{ (.retries + 1) * 2 = 6 }', { a: [['auth.check']] }],
  // logic
  ['{ name = "auth" || .missing = 1 }', { a: [['auth']] }],
  ['{ .missing || name = "job" }', { b: [['job']] }],
  ['{ !(name = "auth") && kind = client }', { a: [['db.query', 'cache.get']], b: [['notify']] }],
  // spanset operators
  ['{ name = "auth" } && { status = error }', { a: [['auth', 'db.query', 'pg.exec']] }],
  ['{ name = "auth" } || { name = "job" }', { a: [['auth']], b: [['job']] }],
  ['{ name = "GET /" } >> { status = error }', { a: [['db.query', 'pg.exec']] }],
  ['{ name = "GET /" } > { }', { a: [['auth', 'db.query', 'cache.get']] }],
  ['{ name = "pg.exec" } << { }', { a: [['GET /', 'db.query']] }],
  ['{ name = "pg.exec" } < { }', { a: [['db.query']] }],
  ['{ name = "auth" } ~ { }', { a: [['db.query', 'cache.get']] }],
  ['{ name = "auth" } &~ { }', { a: [['auth', 'db.query', 'cache.get']] }],
  ['{ kind = server } &>> { status = error }', { a: [['GET /', 'db.query', 'pg.exec']] }],
  ['{ name = "db.query" } &> { }', { a: [['db.query', 'pg.exec']] }],
  ['{ name = "pg.exec" } &< { }', { a: [['db.query', 'pg.exec']] }],
  ['{ name = "pg.exec" } &<< { }', { a: [['GET /', 'db.query', 'pg.exec']] }],
  ['{ kind = client } !> { }', { a: [['GET /', 'auth', 'db.query', 'cache.get']], b: [B_ALL], c: [C_ALL] }],
  ['{ } !>> { name = "pg.exec" || name = "lost" }', { b: [['lost']] }],
  ['{ status = error } !< { }', { a: [['auth', 'auth.check', 'pg.exec', 'cache.get']], b: [['step', 'notify', 'lost']], c: [C_ALL] }],
  ['{ name = "auth.check" } !<< { }', { a: [['auth.check', 'db.query', 'pg.exec', 'cache.get']], b: [B_ALL], c: [C_ALL] }],
  ['{ name = "auth" } !~ { kind = client }', { a: [['auth']], b: [['notify']] }],
  ['{ } >> { } >> { }', { a: [['auth.check', 'pg.exec']] }],
  // aggregates and pipelines
  ['{ } | count() > 4', { a: [A_ALL] }],
  ['{ status = error } | count() = 2', { a: [['db.query', 'pg.exec']] }],
  ['{ } | avg(duration) > 500ms', { b: [B_ALL] }],
  ['{ } | max(duration) >= 2s', { b: [B_ALL] }],
  ['{ } | min(duration) < 10ms', { a: [A_ALL] }],
  ['{ } | sum(duration) = 70ms', { c: [C_ALL] }],
  ['{ .retries != nil } | sum(.retries) = 3', { a: [['auth.check', 'db.query']] }],
  ['avg(.ratio) = 1', { a: [A_ALL] }],
  ['{ } | by(resource.service.name)', { a: [['GET /', 'auth', 'db.query', 'cache.get'], ['auth.check'], ['pg.exec']], b: [B_ALL], c: [C_ALL] }],
  ['{ } | by(resource.service.name) | count() > 1', { a: [['GET /', 'auth', 'db.query', 'cache.get']], b: [B_ALL], c: [C_ALL] }],
  ['{ } | by(kind) | coalesce()', { a: [A_ALL], b: [B_ALL], c: [C_ALL] }],
  ['{ } | by(.retries) | count() = 1', { a: [['auth.check'], ['db.query']], b: [['step']] }],
  ['{ name = "GET /" } | { status = ok }', {}],
  ['{ kind = server } | { status = unset }', { a: [['GET /']] }],
  ['({ status = error } | count() > 1) && { name = "auth" }', { a: [['auth', 'db.query', 'pg.exec']] }],
  ['{ } | max(duration) - min(duration) > 1900ms', { b: [B_ALL] }],
  ['{ true } | count() + count() = 4', { c: [C_ALL] }],
  ['{ false }', {}],
];

describe('evaluation', () => {
  it.each(CASES)('%s', async (q, expected) => {
    expect(shape(await run(q))).toEqual(expected);
  });

  it('attaches by() and aggregate values to spansets', async () => {
    const r = await run('{ } | by(resource.service.name) | count() > 1');
    const a = r.traces.find((t) => t.traceId === 'a')!;
    expect(a.spansets[0].attributes).toEqual([
      { key: 'by(resource.service.name)', value: { type: 'string', value: 'frontend' } },
      { key: 'count()', value: { type: 'int', value: 4n } },
    ]);
    expect(a.spansets[0].matched).toBe(4);
  });

  it('returns the fields the query reads and selects on each span', async () => {
    const r = await run('{ status = error } | select(span.db.system, statusMessage, nestedSetLeft)');
    const spans = r.traces.find((t) => t.traceId === 'a')!.spansets[0].spans;
    expect(spans.map((s) => [s.name, s.spanId, s.attributes])).toEqual([
      ['db.query', '00000000000000a4', [
        { key: 'status', value: { type: 'status', value: 'error' } },
        { key: 'db.system', value: { type: 'string', value: 'postgres' } },
        { key: 'statusMessage', value: { type: 'string', value: 'timeout' } },
        { key: 'nestedSetLeft', value: { type: 'int', value: 6n } },
      ]],
      ['pg.exec', '00000000000000a5', [
        { key: 'status', value: { type: 'status', value: 'error' } },
        { key: 'statusMessage', value: { type: 'string', value: '' } },
        { key: 'nestedSetLeft', value: { type: 'int', value: 7n } },
      ]],
    ]);
  });

  it('refuses structural operators over several spansets per trace, as Tempo does', async () => {
    await expect(run('({ } | by(kind)) > { }')).rejects.toMatchObject({ code: 'TQL_ERR_UNSUPPORTED' });
  });
});

describe('regex matching in queries', () => {
  it('answers a pattern that backtracking engines take exponential time on, over a long value', async () => {
    // Forty `a`s and a `!`: V8's RegExp would take days on `(a+)+$` here.
    const hostile = TRACES.map((t) => t.map((r) => (r.span.name === 'auth' ? { ...r, span: { ...r.span, name: 'a'.repeat(40) + '!' } } : r)));
    const started = performance.now();
    const found = await executeSearch('{ name =~ "(a+)+$" || name =~ "(a|a)*b" }', new MemoryFetcher(hostile), { limit: 0, spansPerSpanset: 0 });
    const reference = await referenceSearch('{ name !~ "(a+)+$" && name =~ "a+!" }', hostile, { limit: 0, spansPerSpanset: 0 });
    expect(found.traces).toEqual([]);
    expect(shape(reference)).toEqual({ a: [['a'.repeat(40) + '!']] });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
