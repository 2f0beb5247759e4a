// What Traces Drilldown builds from its answers, checked against what the client sent: the
// comparison tab's per-attribute baseline/selection counts and totals, the structure tab's span
// trees (rebuilt from nestedSetLeft/Right/Parent, service.name and status), the exceptions tab's
// messages per erroring span (grafana/traces-drilldown: AttributesComparisonScene.tsx,
// utils/trace-merge, ExceptionsScene.tsx).
import { expect } from 'vitest';
import type { RangeSeries } from './metrics-checks.ts';
import { labelMap, labelValue, sampleSum } from './metrics-checks.ts';
import type { SentSpan } from './oracle.ts';
import { trimmedTraceId } from './oracle.ts';
import { attributeMap, expectGrafanaSearchResponse, expectScalarAttributes, searchSpans } from './search-checks.ts';

const META_TYPES = ['baseline', 'selection', 'baseline_total', 'selection_total'];

/** An attribute compare() breaks spans down by, and how to read it from a sent span. */
export interface CompareAttribute {
  label: string;
  read: (s: SentSpan) => unknown;
}

/**
 * Asserts a compare() answer: every series is `__meta_type` (or `__meta_error`) plus one
 * attribute; for each given attribute and side, the counts per value and the side's total are
 * those of the sent spans (`population` split by `selected`).
 */
export function expectComparison(series: RangeSeries[], population: readonly SentSpan[], selected: (s: SentSpan) => boolean, attributes: readonly CompareAttribute[]): void {
  for (const s of series) {
    expect(s.labels, 'a meta label and one attribute').toHaveLength(2);
    const [meta] = s.labels;
    if (meta.key === '__meta_error') expect(labelValue(meta)).toBe('__too_many_values__');
    else {
      expect(meta.key).toBe('__meta_type');
      expect(META_TYPES).toContain(labelValue(meta));
    }
  }
  for (const side of ['selection', 'baseline'] as const) {
    const spans = population.filter((s) => selected(s) === (side === 'selection'));
    for (const a of attributes) {
      const want = new Map<string, number>();
      for (const s of spans) {
        const v = a.read(s);
        if (v !== undefined) want.set(String(v), (want.get(String(v)) ?? 0) + 1);
      }
      const got = new Map<string, number>();
      let total: number | undefined;
      for (const s of series) {
        const l = labelMap(s);
        if (!(a.label in l)) continue;
        if (l.__meta_type === side) got.set(String(l[a.label]), sampleSum(s));
        if (l.__meta_type === `${side}_total`) {
          expect(l[a.label], 'a total is labelled nil').toBe('nil');
          total = sampleSum(s);
        }
      }
      expect(got, `${side} counts of ${a.label}`).toEqual(want);
      const have = [...want.values()].reduce((x, y) => x + y, 0);
      if (have > 0) expect(total, `${side}_total of ${a.label}`).toBe(have);
    }
  }
}

/**
 * Asserts the structure tab's answer: exactly the `expected` spans, each with the attributes the
 * tab reads, and nested-set numbers that rebuild the sent trees (a root is parent -1 and left 1,
 * a span's parent number is its parent's left, (right − left + 1) / 2 is its subtree's size, an
 * ancestor's interval contains it).
 */
export function expectStructure(body: unknown, expected: readonly SentSpan[]): void {
  expectGrafanaSearchResponse(body);
  expectScalarAttributes(body);
  const got = searchSpans(body);
  const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  expect(got.map((g) => key(g.trace.traceID, g.span.spanID)).sort()).toEqual(expected.map((s) => key(trimmedTraceId(s.traceId), s.spanId)).sort());
  const sent = new Map(expected.map((s) => [key(trimmedTraceId(s.traceId), s.spanId), s]));
  const numbers = new Map<string, { left: number; right: number; parent: number }>();
  for (const { trace, span } of got) {
    const s = sent.get(key(trace.traceID, span.spanID))!;
    const a = attributeMap(span);
    for (const k of ['nestedSetLeft', 'nestedSetRight', 'nestedSetParent']) expect(a[k], `${s.name}: ${k} as an int64 string`).toMatch(/^-?\d+$/);
    expect([span.name, a['service.name'], a.status]).toEqual([s.name, s.service, s.status]);
    const n = { left: Number(a.nestedSetLeft), right: Number(a.nestedSetRight), parent: Number(a.nestedSetParent) };
    expect((n.right - n.left + 1) / 2, `${s.name}: nested-set width is its subtree`).toBe(s.subtree);
    if (s.parentId === undefined) expect([n.parent, n.left], `${s.name} is a root`).toEqual([-1, 1]);
    numbers.set(key(trace.traceID, span.spanID), n);
  }
  for (const [k, n] of numbers) {
    const s = sent.get(k)!;
    const t = trimmedTraceId(s.traceId);
    const parent = s.parentId === undefined ? undefined : numbers.get(key(t, s.parentId));
    if (parent) expect(n.parent, `${s.name}: parent number`).toBe(parent.left);
    for (const id of s.ancestors) {
      const a = numbers.get(key(t, id));
      if (a) expect(a.left < n.left && n.right < a.right, `${s.name} nests inside its ancestor`).toBe(true);
    }
  }
}

/**
 * Asserts the exceptions tab's answer: exactly the erroring spans, each with its service and,
 * when it recorded exceptions, one message, type and stack trace of them as plain strings.
 */
export function expectExceptions(body: unknown, errors: readonly SentSpan[]): void {
  expectGrafanaSearchResponse(body);
  expectScalarAttributes(body);
  const got = searchSpans(body);
  expect(got.map((g) => g.span.spanID).sort()).toEqual(errors.map((s) => s.spanId).sort());
  const byId = new Map(errors.map((s) => [s.spanId, s]));
  let shown = 0;
  for (const { span } of got) {
    const s = byId.get(span.spanID)!;
    const a = attributeMap(span);
    expect(a['service.name']).toBe(s.service);
    const exceptions = s.events.filter((e) => e.name === 'exception');
    for (const field of ['message', 'type', 'stacktrace']) {
      const sent = exceptions.map((e) => e.attributes[`exception.${field}`]).filter((v) => v !== undefined);
      if (sent.length === 0) expect(a[`exception.${field}`], `${s.name} has no exception.${field}`).toBeUndefined();
      else expect(sent, `${s.name}: exception.${field}`).toContain(a[`exception.${field}`]);
    }
    if (a['exception.message'] !== undefined) shown++;
  }
  expect(shown, 'exceptions to list').toBeGreaterThan(0);
}
