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
