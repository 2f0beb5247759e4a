// Checks of TraceQL metrics answers as Grafana reads them: its backend parses them with jsonpb
// (jsonpb.ts), names each series from its labels (one label: the value; several: `{k=v, ...}`,
// strings quoted, keys sorted), plots samples by timestampMs and reads an exemplar's trace id
// from its `trace:id` label (pkg/tsdb/tempo/traceql/metrics.go, exemplars.go). Expected values
// come from what the client sent (oracle.ts).
import { expect } from 'vitest';
import { expectProtoJson } from './checks.ts';
import type { Fixture } from './fixture.ts';
import { expectJsonpb } from './jsonpb.ts';
import type { SentSpan } from './oracle.ts';
import { stepEnd, trimmedTraceId } from './oracle.ts';

/** A label as protobuf JSON writes it. */
export interface Label {
  key: string;
  value: Record<string, unknown>;
}

/** A range series. */
export interface RangeSeries {
  labels: Label[];
  samples?: { timestampMs: string; value?: number }[];
  exemplars?: { labels?: Label[]; value?: number; timestampMs?: string }[];
}

/** An instant series. */
export interface InstantSeries {
  labels: Label[];
  value?: number;
}

const LABEL_VALUE = /^(stringValue|intValue|doubleValue|boolValue)$/;

/** The one typed member of a label value; fails on anything Grafana would show as empty. */
export function labelValue(l: Label): string | number | boolean {
  const keys = Object.keys(l.value);
  expect(keys, `label ${l.key} holds exactly one scalar value`).toHaveLength(1);
  expect(keys[0]).toMatch(LABEL_VALUE);
  const v = l.value[keys[0]];
  if (keys[0] === 'intValue') expect(v, `${l.key}: int64 as a decimal string`).toMatch(/^-?\d+$/);
  else expect(typeof v).toBe(keys[0] === 'stringValue' ? 'string' : keys[0] === 'boolValue' ? 'boolean' : 'number');
  return v as string | number | boolean;
}

/** The series name Grafana shows in the legend. */
export function grafanaSeriesName(labels: readonly Label[]): string {
  const text = (l: Label, quoted: boolean) => {
    const v = labelValue(l);
    return typeof v === 'string' && 'stringValue' in l.value && quoted ? `"${v}"` : String(v);
  };
  if (labels.length === 1) return text(labels[0], false);
  const parts = [...labels].sort((a, b) => (a.key < b.key ? -1 : 1)).map((l) => `${l.key}=${text(l, true)}`);
  return `{${parts.join(', ')}}`;
}

/** The answer is complete and parses in Grafana; returns its series. */
function complete(body: unknown, typeName: string): Record<string, unknown> {
  expectJsonpb(typeName, body);
  expectProtoJson(body);
  const b = body as Record<string, unknown>;
  expect(b.status, `a complete answer (${String(b.message)})`).toBeUndefined();
  return b;
}

/**
 * Asserts a QueryRangeResponse Grafana plots: complete, series with labels, samples oldest first
 * on the step grid, one per step across the whole range (a step without spans is a sample
 * without value, never a gap) unless `sparse` (functions with no value for empty steps).
 */
export function expectQueryRange(body: unknown, fx: Fixture, stepS: number, sparse = false): RangeSeries[] {
  const series = (complete(body, 'QueryRangeResponse').series ?? []) as RangeSeries[];
  const stepMs = stepS * 1000;
  for (const s of series) {
    expect(s.labels.length, 'every series has labels').toBeGreaterThan(0);
    s.labels.forEach(labelValue);
    const ts = (s.samples ?? []).map((x) => Number(x.timestampMs));
    for (const t of ts) expect(t % stepMs, `sample at ${t} on the ${stepS}s grid`).toBe(0);
    for (let i = 1; i < ts.length; i++) {
      if (sparse) expect(ts[i]).toBeGreaterThan(ts[i - 1]);
      else expect(ts[i] - ts[i - 1], `samples of ${grafanaSeriesName(s.labels)} one step apart`).toBe(stepMs);
    }
    if (!sparse) {
      expect(ts[0], 'the first sample covers the range start').toBeLessThanOrEqual(Number(fx.vars.start) * 1000 + stepMs);
      expect(ts[ts.length - 1], 'the last sample covers the range end').toBeGreaterThanOrEqual(Number(fx.vars.end) * 1000);
    }
  }
  const names = series.map((s) => grafanaSeriesName(s.labels));
  expect(new Set(names).size, `series names are distinct: ${names.join(' | ')}`).toBe(names.length);
  return series;
}

/** Asserts a QueryInstantResponse Grafana shows as a table; returns its series. */
export function expectQueryInstant(body: unknown): InstantSeries[] {
  const series = (complete(body, 'QueryInstantResponse').series ?? []) as InstantSeries[];
  for (const s of series) s.labels.forEach(labelValue);
  return series;
}

/** The label keys of a series, in order. */
export function labelKeys(s: { labels: Label[] }): string[] {
  return s.labels.map((l) => l.key);
}

/** The label values of a series by key. */
export function labelMap(s: { labels: Label[] }): Record<string, string | number | boolean> {
  return Object.fromEntries(s.labels.map((l) => [l.key, labelValue(l)]));
}

/** A series' non-empty samples: timestampMs → value. */
export function sampleValues(s: RangeSeries): Map<string, number> {
  return new Map((s.samples ?? []).filter((x) => x.value !== undefined).map((x) => [x.timestampMs, x.value!]));
}

/** Sum of a series' sample values. */
export function sampleSum(s: RangeSeries): number {
  return (s.samples ?? []).reduce((a, x) => a + (x.value ?? 0), 0);
}

/**
 * Asserts each exemplar points at a span the client sent (so Grafana's link opens its trace):
 * labels start with `trace:id` (hex without leading zeros) and `span:id`, then `fields` at most;
 * stamped with the span's start; the span belongs to the series (`belongs`). Returns the spans.
 */
export function expectExemplars(s: RangeSeries, fx: Fixture, fields: readonly string[], belongs: (span: SentSpan) => boolean): SentSpan[] {
  const byId = new Map(fx.sent.map((x) => [x.spanId, x]));
  return (s.exemplars ?? []).map((e) => {
    const keys = (e.labels ?? []).map((l) => l.key);
    expect(keys.slice(0, 2)).toEqual(['trace:id', 'span:id']);
    for (const k of keys.slice(2)) expect(fields, `exemplar label ${k} is a field of the query`).toContain(k);
    const [traceId, spanId] = (e.labels ?? []).map(labelValue);
    const span = byId.get(String(spanId));
    expect(span, `exemplar span ${String(spanId)} was sent`).toBeDefined();
    expect(traceId).toBe(trimmedTraceId(span!.traceId));
    expect(e.timestampMs).toBe(String(span!.startNs / 1_000_000n));
    expect(belongs(span!), `exemplar ${span!.name} belongs to ${grafanaSeriesName(s.labels)}`).toBe(true);
    return span!;
  });
}

/** Expected per-step values of a count (`scale` 1) or rate (`scale` = step seconds). */
export function expectedPerStep(spans: readonly SentSpan[], stepS: number, scale: number): Map<string, number> {
  const out = new Map<string, number>();
  const stepNs = BigInt(stepS) * 1_000_000_000n;
  for (const s of spans) {
    const t = String(stepEnd(s.startNs, stepNs) / 1_000_000n);
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  for (const [t, n] of out) out.set(t, n / scale);
  return out;
}

/** A step option (`84s`) in seconds. */
export function stepSeconds(step: string): number {
  const m = /^(\d+)s$/.exec(step);
  expect(m, `step ${step}`).not.toBeNull();
  return Number(m![1]);
}
