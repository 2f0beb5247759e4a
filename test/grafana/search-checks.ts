// Checks of /api/search answers as Grafana's Go backend reads them (pkg/tsdb/tempo/search.go
// unmarshals into its own structs with encoding/json: 64-bit numbers must be JSON strings and
// 32-bit ones JSON numbers, or the whole response fails to parse).
import { expect } from 'vitest';
import { expectProtoJson } from './checks.ts';

/** A search span as Grafana's struct holds it. */
export interface GrafanaSearchSpan {
  spanID: string;
  name?: string;
  startTimeUnixNano: string;
  durationNanos: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** A search result as Grafana's struct holds it. */
export interface GrafanaSearchTrace {
  traceID: string;
  rootServiceName?: string;
  rootTraceName?: string;
  startTimeUnixNano: string;
  durationMs?: number;
  spanSet?: { spans?: GrafanaSearchSpan[]; matched?: number };
  spanSets?: { spans?: GrafanaSearchSpan[]; matched?: number }[];
  serviceStats?: Record<string, { spanCount?: number; errorCount?: number }>;
}

type Check = [field: string, type: 'string' | 'number' | 'object' | 'array'];

const TRACE_FIELDS: Check[] = [['traceID', 'string'], ['rootServiceName', 'string'], ['rootTraceName', 'string'], ['startTimeUnixNano', 'string'], ['durationMs', 'number'], ['spanSet', 'object'], ['spanSets', 'array'], ['serviceStats', 'object']];
const SPAN_FIELDS: Check[] = [['spanID', 'string'], ['name', 'string'], ['startTimeUnixNano', 'string'], ['durationNanos', 'string'], ['attributes', 'array']];

function typeOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : typeof v;
}

function expectTypes(obj: Record<string, unknown>, checks: Check[], where: string): void {
  for (const [field, type] of checks) {
    if (obj[field] !== undefined) expect(typeOf(obj[field]), `${where}.${field}`).toBe(type);
  }
}

/** Asserts a body parses into Grafana's search structs and follows protobuf-JSON. */
export function expectGrafanaSearchResponse(body: unknown): void {
  expectProtoJson(body);
  const traces = (body as { traces?: GrafanaSearchTrace[] }).traces ?? [];
  traces.forEach((t, i) => {
    const where = `traces[${i}]`;
    expectTypes(t as unknown as Record<string, unknown>, TRACE_FIELDS, where);
    expect(t.traceID, `${where}.traceID: hex without leading zeros`).toMatch(/^[1-9a-f][0-9a-f]{0,31}$/);
    expect(t.startTimeUnixNano, `${where}.startTimeUnixNano`).toMatch(/^\d+$/);
    for (const [j, set] of [...(t.spanSet ? [t.spanSet] : []), ...(t.spanSets ?? [])].entries()) {
      for (const [k, s] of (set.spans ?? []).entries()) {
        expectTypes(s as unknown as Record<string, unknown>, SPAN_FIELDS, `${where}.spanSets[${j}].spans[${k}]`);
        expect(s.spanID).toMatch(/^[0-9a-f]{16}$/);
      }
    }
  });
  // Grafana sorts by startTimeUnixNano itself, but Tempo answers newest first; so do we.
  const starts = traces.map((t) => BigInt(t.startTimeUnixNano));
  expect(starts).toEqual([...starts].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
}

/** The result for a trace id (32 hex), which search writes without leading zeros. */
export function findTrace(body: unknown, traceIdHex: string): GrafanaSearchTrace {
  const want = traceIdHex.replace(/^0+/, '');
  const t = ((body as { traces?: GrafanaSearchTrace[] }).traces ?? []).find((x) => x.traceID === want);
  expect(t, `search results hold trace ${want}`).toBeDefined();
  return t!;
}

/** Members of an attribute value Grafana's search struct reads; anything else comes out empty. */
const SCALAR_MEMBERS: Record<string, string> = { stringValue: 'string', intValue: 'string', doubleValue: 'number', boolValue: 'boolean', bytesValue: 'string' };

/**
 * Asserts every span attribute holds exactly one value Grafana's search struct can read (a list
 * value, say, would show as an empty cell, and an int64 as a JSON number would fail the parse).
 */
export function expectScalarAttributes(body: unknown): void {
  for (const { span } of searchSpans(body)) {
    for (const a of span.attributes ?? []) {
      const members = Object.keys(a.value);
      expect(members, `${span.name}: attribute ${a.key} holds one scalar value`).toHaveLength(1);
      expect(SCALAR_MEMBERS[members[0]], `${span.name}: ${a.key} is ${members[0]}`).toBe(typeof a.value[members[0]]);
    }
  }
}

/** Every span of every spanset, with its trace. */
export function searchSpans(body: unknown): { trace: GrafanaSearchTrace; span: GrafanaSearchSpan }[] {
  return ((body as { traces?: GrafanaSearchTrace[] }).traces ?? []).flatMap((trace) => (trace.spanSets ?? []).flatMap((set) => (set.spans ?? []).map((span) => ({ trace, span }))));
}

/** A search span's attributes by key, each as its one value. */
export function attributeMap(span: GrafanaSearchSpan): Record<string, unknown> {
  return Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
}
