import { describe, expect, it } from 'vitest';
import { metricsLeaves, planMetricsPipeline, planSearch } from './conditions.ts';
import type { SearchPlan } from './conditions.ts';
import { parseOrThrow } from './parse.ts';
import { staticToString } from './static.ts';
import type { Condition, FieldRef } from './storage.ts';

function plan(q: string): SearchPlan {
  const ast = parseOrThrow(q);
  if (ast.body.kind !== 'pipeline') throw new Error('not a search');
  return planSearch(ast.body, 5n, 10n);
}

function ref(f: FieldRef): string {
  if (f.kind === 'intrinsic') return f.name;
  return `${f.kind === 'missing' ? 'missing:' : ''}${f.scope === 'none' ? '' : f.scope}.${f.name}`;
}

function text(c: Condition): string {
  return [ref(c.field), c.op, ...c.operands.map(staticToString)].join(' ');
}

function conditions(q: string): [string[], boolean] {
  const p = plan(q);
  return [p.request.conditions.map(text), p.request.allConditions];
}

describe('pushdown conditions', () => {
  it.each<[string, string[], boolean]>([
    ['{ .a = 1 && span.b > 2 }', ['.a = 1', 'span.b > 2'], true],
    ['{ .a = 1 || .b = "x" }', ['.a = 1', '.b = "x"'], false],
    ['{ .a = 1 } && { .b = 2 }', ['.a = 1', '.b = 2'], false],
    ['{ .a = 1 } >> { .b = 2 }', ['.a = 1', '.b = 2'], false],
    ['{ !(.a = 1) }', [], true],
    ['{ (.a = 1 || .b = 2) && .c = 3 }', ['.c = 3'], true],
    ['{ .a = 1 && .b = 2 } || { .c = 3 }', ['.a = 1', '.c = 3'], false],
    ['{ .a + 1 = 2 }', ['.a exists'], true],
    ['{ .a = .b }', ['.a exists', '.b exists'], true],
    ['{ 1 < .a }', ['.a > 1'], true],
    ['{ .a != nil }', ['.a exists'], true],
    ['{ .a = nil }', ['.a notExists'], true],
    // per event (link): some event lacks it, which a span without events never satisfies
    ['{ event.a = nil }', ['missing:event.a exists'], true],
    ['{ link.a = nil }', ['missing:link.a exists'], true],
    ['{ event.a != nil }', ['event.a exists'], true],
    ['{ .flag }', ['.flag = true'], true],
    ['{ .a } | by(.b) | { .c }', ['.a = true'], true],
    ['{ .a } | { .c } | count() > 1', ['.a = true', '.c = true'], true],
    ['{ } | { .c }', ['.c = true'], true],
    ['count() > 1 | { .a }', [], true],
    ['{ trace:id = "00AB" }', ['trace:id = "ab"'], true],
    ['{ span:id = "AB" }', ['span:id = "00000000000000ab"'], true],
    ['{ duration > 1s * 2 }', ['duration > 2000000000.0'], true],
    ['{ .a =~ "x.*" }', ['.a =~ "x.*"'], true],
    ['{ true || .a = 1 }', [], true],
    ['{ 1 != nil && .a = 1 }', ['.a = 1'], true],
    ['{ event:name = "exception" }', ['event:name = "exception"'], true],
  ])('%s', (q, expected, all) => {
    expect(conditions(q)).toEqual([expected, all]);
  });

  it('asks for nothing when nothing can match', () => {
    expect(plan('{ false }').noop).toBe(true);
    expect(plan('{ false } && { .a = 1 }').noop).toBe(false);
    expect(plan('{ .a = 1 && false }').noop).toBe(true);
  });

  it('lists the columns the engine reads, with the time range', () => {
    const p = plan('{ .a = 1 && duration > 1s } | by(resource.b) | avg(span.c) > 1 | select(event.d, status, nestedSetLeft)');
    expect(p.request.columns.map(ref)).toEqual(['name', '.a', 'resource.b', 'span.c', 'event.d', 'status']);
    expect(p.fields.map(ref)).toContain('nestedSetLeft');
    expect(p.request.nestedSets).toBe(true);
    expect([p.request.startTimeUnixNano, p.request.endTimeUnixNano]).toEqual([5n, 10n]);
  });

  it('plans each metrics pipeline with the fields its function reads', () => {
    const leaves = ['({ status = error } | quantile_over_time(duration, 0.9) by (resource.service.name)) * 2', '{ } | compare({ span.a = 1 }) with(sample=0.1)'].flatMap((q) => {
      const ast = parseOrThrow(q);
      if (ast.body.kind === 'pipeline') throw new Error('not metrics');
      return metricsLeaves(ast.body);
    });
    const plans = leaves.map((leaf) => planMetricsPipeline(leaf));
    expect(plans.map((p) => p.request.conditions.map(text))).toEqual([['status = error'], []]);
    expect(plans.map((p) => p.fields.map(ref))).toEqual([
      ['name', 'status', 'duration', 'resource.service.name'],
      ['name', 'span.a'],
    ]);
  });

  it('asks for nested sets only when the query needs them', () => {
    expect(plan('{ .a = 1 } && { .b = 1 }').request.nestedSets).toBe(false);
    expect(plan('{ .a = 1 } > { .b = 1 }').request.nestedSets).toBe(true);
  });
});
