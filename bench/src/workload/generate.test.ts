import { describe, expect, it } from 'vitest';
import { bytesToHex, serviceNameOf } from '@spanbase/model';
import type { AnyValue, KeyValue, Span, TracesData } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { DEFAULT_WORKLOAD_START_UNIX_NANO, generateTraces, spanCountOf } from './generate.ts';
import { SERVICES } from './service-graph.ts';

const TRACES = 1500;
const batches = generateTraces(7, TRACES, { windowSeconds: 3600 });
const spans: Span[] = batches.flatMap((b) => b.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));

function valueTypes(kvs: readonly KeyValue[], into: Set<string>): void {
  const visit = (v: AnyValue): void => {
    into.add(v.type);
    if (v.type === 'array') v.value.forEach(visit);
    if (v.type === 'kvlist') v.value.forEach((kv) => visit(kv.value));
  };
  kvs.forEach((kv) => visit(kv.value));
}

describe('workload generator', () => {
  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const encode = (seed: number): Buffer => Buffer.concat(generateTraces(seed, 50).map(encodeTracesData));
    const a = encode(3);
    expect(a.length).toBeGreaterThan(10_000);
    expect(encode(3).equals(a)).toBe(true);
    expect(encode(4).equals(a)).toBe(false);
  });

  it('produces the requested number of traces, each with a single root and resolvable parents', () => {
    const byTrace = new Map<string, Span[]>();
    for (const s of spans) {
      const k = bytesToHex(s.traceId);
      byTrace.set(k, [...(byTrace.get(k) ?? []), s]);
    }
    expect(byTrace.size).toBe(TRACES);
    for (const trace of byTrace.values()) {
      const ids = new Set(trace.map((s) => bytesToHex(s.spanId)));
      expect(trace.filter((s) => s.parentSpanId.length === 0)).toHaveLength(1);
      expect(trace.filter((s) => s.parentSpanId.length > 0 && !ids.has(bytesToHex(s.parentSpanId)))).toEqual([]);
    }
    const sizes = [...byTrace.values()].map((t) => t.length).sort((x, y) => x - y);
    expect(sizes[0]).toBeGreaterThanOrEqual(1);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(50); // batch jobs make a few large traces
  });

  it('spreads trace starts over the window and keeps every span well formed', () => {
    const windowEnd = DEFAULT_WORKLOAD_START_UNIX_NANO + 3600n * 1_000_000_000n;
    const roots = spans.filter((s) => s.parentSpanId.length === 0);
    const starts = roots.map((s) => s.startTimeUnixNano).sort((x, y) => (x < y ? -1 : 1));
    expect(starts[0] >= DEFAULT_WORKLOAD_START_UNIX_NANO).toBe(true);
    expect(starts[starts.length - 1] < windowEnd).toBe(true);
    expect(Number(starts[starts.length - 1] - starts[0])).toBeGreaterThan(0.9 * 3600e9);
    const malformed = spans.filter((s) => s.traceId.length !== 16 || s.spanId.length !== 8 || s.endTimeUnixNano < s.startTimeUnixNano);
    expect(malformed).toEqual([]);
  });

  it('covers about 20 services with per-service span names', () => {
    const services = new Set(batches.map((b) => serviceNameOf(b.resourceSpans[0].resource)));
    expect(services.size).toBe(SERVICES.length);
    expect(SERVICES.length).toBeGreaterThanOrEqual(18);
    expect(new Set(spans.map((s) => s.name)).size).toBeGreaterThan(40);
  });

  it('fails about 1% of spans, concentrated on a few operations', () => {
    const errors = spans.filter((s) => s.status.code === 2);
    expect(errors.length / spans.length).toBeGreaterThan(0.004);
    expect(errors.length / spans.length).toBeLessThan(0.025);
    const byName = new Map<string, number>();
    for (const s of errors) byName.set(s.name, (byName.get(s.name) ?? 0) + 1);
    const top3 = [...byName.values()].sort((x, y) => y - x).slice(0, 3).reduce((x, y) => x + y, 0);
    expect(top3 / errors.length).toBeGreaterThan(0.4);
    expect(errors.some((s) => s.events.some((e) => e.name === 'exception'))).toBe(true);
  });

  it('has lognormal durations with a slow tail', () => {
    const db = spans.filter((s) => s.name === 'SELECT catalog.products').map((s) => Number(s.endTimeUnixNano - s.startTimeUnixNano)).sort((x, y) => x - y);
    const p50 = db[Math.floor(db.length * 0.5)];
    const p99 = db[Math.floor(db.length * 0.99)];
    expect(p99 / p50).toBeGreaterThan(3);
  });

  it('uses every OTLP attribute value type, high-cardinality ids, events and links', () => {
    const types = new Set<string>();
    for (const b of batches) valueTypes(b.resourceSpans[0].resource!.attributes, types);
    for (const s of spans) valueTypes(s.attributes, types);
    expect([...types].sort()).toEqual(['array', 'bool', 'bytes', 'double', 'int', 'kvlist', 'string']);
    const users = new Set(spans.flatMap((s) => s.attributes.filter((a) => a.key === 'enduser.id').map((a) => (a.value as { value: string }).value)));
    expect(users.size).toBeGreaterThan(200);
    expect(spans.filter((s) => s.events.length > 0).length).toBeGreaterThan(spans.length * 0.01);
    const linked = spans.filter((s) => s.links.length > 0);
    expect(linked.length).toBeGreaterThan(0);
    expect(linked.every((s) => s.links.every((l) => bytesToHex(l.traceId) !== bytesToHex(s.traceId)))).toBe(true);
  });

  it('batches like an SDK exporter: one resource per request, at most maxBatchSpans spans', () => {
    const small = generateTraces(9, 400, { maxBatchSpans: 64, windowSeconds: 10 });
    for (const b of small as TracesData[]) {
      expect(b.resourceSpans).toHaveLength(1);
      expect(spanCountOf(b)).toBeLessThanOrEqual(64);
    }
    expect(spanCountOf({ resourceSpans: small.flatMap((b) => b.resourceSpans) })).toBeGreaterThan(400);
  });

  it('stops after maxSpans', () => {
    const total = generateTraces(1, 10_000, { maxSpans: 500 }).reduce((n, b) => n + spanCountOf(b), 0);
    expect(total).toBeGreaterThanOrEqual(500);
    expect(total).toBeLessThan(1000);
  });
});
