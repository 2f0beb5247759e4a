import { describe, expect, it } from 'vitest';
import type { FieldExpr, Query } from './ast.ts';
import { parse } from './parse.ts';
import { stringify } from './stringify.ts';
import { withoutPositions } from './test-helpers.ts';

function ast(q: string): Query {
  const r = parse(q);
  expect(r.errors, q).toEqual([]);
  return r.ast!;
}

function filterExpr(q: string): FieldExpr {
  const body = ast(q).body;
  if (body.kind !== 'pipeline' || body.stages[0].kind !== 'spansetFilter' || !body.stages[0].expr) throw new Error('not a filter');
  return body.stages[0].expr;
}

describe('lexing', () => {
  it.each([
    ['{ duration > 1.5s }', 1_500_000_000n],
    ['{ duration > 1h30m }', 5_400_000_000_000n],
    ['{ duration > 2d }', 172_800_000_000_000n],
    ['{ duration > 250us }', 250_000n],
    ['{ duration > 250µs }', 250_000n],
    ['{ duration > 7ns }', 7n],
    ['{ duration > .5s }', 500_000_000n],
    ['{ duration > -1s }', -1_000_000_000n],
  ])('reads durations: %s', (q, ns) => {
    const e = filterExpr(q);
    expect(e.kind === 'binary' && e.rhs.kind === 'literal' && e.rhs.value).toEqual({ type: 'duration', value: ns });
  });

  it.each([
    ['{ .a = "a\\tb\\u00e9\\x41\\101\\"" }', 'a\tbéAA"'],
    ['{ .a = `raw \\n "x"` }', 'raw \\n "x"'],
    ['{ .a = "\\xc3\\xa9" }', 'é'],
  ])('reads strings with Go escapes: %s', (q, value) => {
    const e = filterExpr(q);
    expect(e.kind === 'binary' && e.rhs.kind === 'literal' && e.rhs.value).toEqual({ type: 'string', value });
  });

  it.each([
    ['{ .http.status_code = 200 }', 'none', 'http.status_code'],
    ['{ span.http.url = "x" }', 'span', 'http.url'],
    ['{ resource.k8s.pod-name = "x" }', 'resource', 'k8s.pod-name'],
    ['{ ."attr with spaces" = "x" }', 'none', 'attr with spaces'],
    ['{ span."a\\"b\\\\c" = "x" }', 'span', 'a"b\\c'],
    ['{ event.exception.message = "x" }', 'event', 'exception.message'],
    ['{ link.kind = "x" }', 'link', 'kind'],
    ['{ instrumentation.lib = "x" }', 'instrumentation', 'lib'],
    ['{ .a.b"c d"e = "x" }', 'none', 'a.bc de'],
  ])('reads attribute names: %s', (q, scope, name) => {
    const e = filterExpr(q);
    expect(e.kind === 'binary' && e.lhs).toMatchObject({ kind: 'attribute', scope, name });
  });

  it('maps scoped intrinsics onto their canonical names', () => {
    expect(filterExpr('{ span:duration > 1s }')).toMatchObject({ lhs: { kind: 'intrinsic', name: 'duration' } });
    expect(filterExpr('{ trace:rootService = "a" }')).toMatchObject({ lhs: { kind: 'intrinsic', name: 'rootServiceName' } });
    expect(filterExpr('{ span:childCount > 1 }')).toMatchObject({ lhs: { kind: 'intrinsic', name: 'span:childCount' } });
  });

  it('skips comments the way Tempo does', () => {
    expect(stringify(ast('{ .a = 1 } // trailing\n| count() > 1 /* note */'))).toBe('{ .a = 1 } | count() > 1');
  });

  it('records line and column of nodes', () => {
    const e = filterExpr('{\n  .a = 1 }');
    expect(e.pos).toEqual({ offset: 4, line: 2, column: 3 });
  });
});

describe('precedence', () => {
  it.each([
    ['{ .a || .b && .c }', '{ (.a || .b) && .c }'],
    ['{ .a = 1 || .b = 2 && .c }', '{ (.a = 1 || .b = 2) && .c }'],
    ['{ .a + .b * .c = 1 }', '{ .a + .b * .c = 1 }'],
    ['{ (.a + .b) * .c = 1 }', '{ (.a + .b) * .c = 1 }'],
    ['{ .a ^ .b ^ .c = 1 }', '{ .a ^ .b ^ .c = 1 }'],
    ['{ (.a ^ .b) ^ .c = 1 }', '{ (.a ^ .b) ^ .c = 1 }'],
    ['{ -.a ^ 2 = 1 }', '{ -.a ^ 2 = 1 }'],
    ['{ (-2) ^ 2 = 4 }', '{ (-2) ^ 2 = 4 }'],
    ['{ .a - (.b - .c) = 1 }', '{ .a - (.b - .c) = 1 }'],
    ['{ !(.a = 1) }', '{ !(.a = 1) }'],
    ['{a} && {b} > {c}', '{ a } && { b } > { c }'.replace(/\{ (\w) \}/g, '{ .$1 }')],
  ])('%s reads as %s', (q, expected) => {
    const query = q.replace(/\{(\w)\}/g, '{ .$1 }');
    expect(stringify(ast(query))).toBe(expected);
  });

  it('gives structural operators and comparisons one level, && and || the level below', () => {
    const body = ast('{ .a } >> { .b } && { .c } ~ { .d }').body;
    expect(body.kind === 'pipeline' && body.stages[0]).toMatchObject({ kind: 'spansetOp', op: '&&', lhs: { op: '>>' }, rhs: { op: '~' } });
  });
});

describe('query shapes', () => {
  it('builds metrics trees', () => {
    const q = ast('({} | rate() by (resource.service.name)) / ({ status = error } | count_over_time()) * 100 > 5 | topk(3)');
    expect(withoutPositions(q.body)).toMatchObject({
      kind: 'metricsStage',
      stage: { kind: 'topk', limit: 3 },
      input: {
        kind: 'metricsStage',
        stage: { kind: 'filter', op: '>' },
        input: { kind: 'metricsBinary', op: '*', lhs: { kind: 'metricsBinary', op: '/' }, rhs: { kind: 'literal' } },
      },
    });
  });

  it('reads hints', () => {
    expect(ast('{} | rate() with(sample=0.1, most_recent=true)').hints.map((h) => [h.name, h.value])).toEqual([
      ['sample', { type: 'float', value: 0.1 }],
      ['most_recent', { type: 'bool', value: true }],
    ]);
  });

  it.each([
    '{ .a = 1 } | select(span.b, resource.c, nestedSetLeft)',
    '{ .a } | by(resource.service.name) | count() > 2 | coalesce()',
    '{} | quantile_over_time(duration, 0.5, 0.99) by (span.http.route) | bottomk(3)',
    '{} | compare({ status = error }, 20, 1, 2)',
    '{ ."x y" = "a\\nb" && span."q\\"" != nil } | avg(duration) > 1.5s',
    '{ .a =~ "x.*" } &>> { .b } !< { .c }',
  ])('round-trips %s', (q) => {
    const first = ast(q);
    expect(withoutPositions(ast(stringify(first)))).toEqual(withoutPositions(first));
  });
});

describe('errors', () => {
  it('formats a parse error with the query and a caret', () => {
    expect(parse('{ .a = 1 && .b | count() }').errors[0].message).toBe(
      'parse error at line 1, column 16: expected "}" but found "|"\n  { .a = 1 && .b | count() }\n                 ^',
    );
  });

  it('formats a type error on the right line of a multi-line query', () => {
    const e = parse('{ .a = 1 &&\n  .b =~ "(" }').errors[0];
    expect(e).toMatchObject({ code: 'TQL_ERR_TYPE', line: 2, column: 9 });
    expect(e.message.split('\n')).toEqual(['invalid query at line 2, column 9: invalid regex "(": missing closing )', '    .b =~ "(" }', '          ^']);
  });

  it.each([
    ['{ .a = "x }', 'unterminated string'],
    ['{ .a = 99999999999999999999 }', 'out of range'],
    ['{ .a = "\\q" }', 'invalid escape'],
    ['{ nil }', 'nil can only be compared'],
    ['{} | rate() + 5', 'wrap the metrics query in parentheses'],
    ['{ name = "a" } | nope() > 1', 'unknown function nope()'],
  ])('rejects %s', (q, text) => {
    const e = parse(q).errors[0];
    expect(e.code).toBe('TQL_ERR_PARSE');
    expect(e.reason).toContain(text);
  });

  it('turns absurd nesting into a parse error instead of a crash', () => {
    const e = parse('{ ' + '('.repeat(20_000) + '.a = 1' + ')'.repeat(20_000) + ' }').errors[0];
    expect(e).toMatchObject({ code: 'TQL_ERR_PARSE', reason: 'the query is nested too deeply' });
  });

  it('reports unsupported constructs with their own code', () => {
    expect(parse('{ parent.a = 1 }').errors[0]).toMatchObject({ code: 'TQL_ERR_UNSUPPORTED', column: 3 });
  });
});
