import type { KeyValue, Resource, SpanKind, SpanRecord } from '@spanbase/model';
import { av, compareIds } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { openBlock } from '../registry.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { DependencyBuilder, DependencyGraph, MAX_EDGES_PER_SUMMARY, latencyBucket, mergeDependencySummaries } from './dependencies.ts';

const res = (service: string): Resource => ({ attributes: [{ key: 'service.name', value: av.string(service) }], droppedAttributesCount: 0 });
const scope = { name: 'test', version: '', attributes: [], droppedAttributesCount: 0 };

/** A trace of one request through a small shop; `t` seconds after the epoch minute 1000. */
function shopTrace(n: number, t: number, failPayments = false): SpanRecord[] {
  const traceId = new Uint8Array(16);
  traceId[12] = n >> 8;
  traceId[13] = n & 255;
  traceId[15] = 1;
  const records: SpanRecord[] = [];
  const add = (id: number, parent: number, service: string, kind: SpanKind, startMs: number, durMs: number, attrs: KeyValue[] = [], error = false) => {
    const spanId = new Uint8Array(8).fill(id);
    const parentSpanId = parent ? new Uint8Array(8).fill(parent) : new Uint8Array(0);
    const start = BigInt(60_000 + t) * 1_000_000_000n + BigInt(startMs) * 1_000_000n;
    records.push({
      resource: res(service), scope, resourceSchemaUrl: '', scopeSchemaUrl: '',
      span: { traceId, spanId, parentSpanId, traceState: '', flags: 0, name: `op${id}`, kind, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(durMs) * 1_000_000n, attributes: attrs, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: error ? 2 : 0, message: '' } },
    });
  };
  add(1, 0, 'frontend', 2, 0, 100);
  add(2, 1, 'frontend', 3, 1, 80);
  add(3, 2, 'checkout', 2, 2, 70);
  add(4, 3, 'checkout', 3, 3, 30, [{ key: 'peer.service', value: av.string('payments-gateway') }], failPayments);
  add(5, 3, 'checkout', 3, 40, 3, [{ key: 'net.peer.name', value: av.string('redis') }]);
  add(6, 3, 'checkout', 4, 50, 1, [{ key: 'server.address', value: av.string('kafka') }]);
  add(7, 6, 'worker', 5, 60, 12);
  add(8, 3, 'checkout', 1, 55, 1);
  return records;
}

const edgeList = (g: DependencyGraph) => g.edges().map((e) => [e.parent, e.child, e.parentKind, e.childKind, e.remote, e.calls, e.errors]);

describe('dependency summary', () => {
  it('counts calls between services and to remote services that sent no spans', () => {
    const b = new DependencyBuilder();
    for (let i = 0; i < 10; i++) b.addTraceRecords(shopTrace(i, i * 10, i % 5 === 0));
    const g = new DependencyGraph();
    g.addSummary(b.summary(), { start: 0, end: 0 });
    expect(edgeList(g)).toEqual([
      ['checkout', 'payments-gateway', 3, 0, true, 10, 2],
      ['checkout', 'redis', 3, 0, true, 10, 0],
      ['checkout', 'worker', 4, 5, false, 10, 0],
      ['frontend', 'checkout', 3, 2, false, 10, 0],
    ]);
    expect(g.edges()[3].latency[latencyBucket(70)]).toBe(10);
  });

  it('answers a range from the minute buckets that start in it', () => {
    const b = new DependencyBuilder();
    // Minutes 1000 and 1001 (t = 0..50 and 60..110 s after minute 1000).
    for (let i = 0; i < 12; i++) b.addTraceRecords(shopTrace(i, i * 10));
    const s = b.summary();
    expect([s.from, s.to]).toEqual([60_000, 60_060]);
    const calls = (start: number, end: number) => {
      const g = new DependencyGraph();
      g.addSummary(s, { start, end });
      return g.edges().find((e) => e.parent === 'frontend')?.calls ?? 0;
    };
    expect(calls(60_000, 60_060)).toBe(6);
    expect(calls(60_060, 60_120)).toBe(6);
    expect(calls(60_000, 60_120)).toBe(12);
    expect(calls(59_000, 60_000)).toBe(0);
  });

  it('written with a block is what the span records give, whatever the row groups', async () => {
    const realistic = generateRealisticTraces({ traces: 300, seed: 9 });
    const shop = Array.from({ length: 40 }, (_, i) => shopTrace(i, i * 7, i % 3 === 0));
    const traces = [...realistic, ...shop].sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 97 });
    const direct = new DependencyBuilder();
    for (const t of traces) direct.addTraceRecords(t);
    const stored = await openBlock(store, meta).dependencies();
    const a = new DependencyGraph();
    a.addSummary(stored, { start: 0, end: 0 });
    const b = new DependencyGraph();
    b.addSummary(direct.summary(), { start: 0, end: 0 });
    expect(a.edges()).toEqual(b.edges());
    expect(a.edges().length).toBeGreaterThan(5);
    expect(a.edges().find((e) => e.child === 'redis')?.calls).toBe(40);
    expect((await openBlock(store, meta).verify()).ok).toBe(true);
  });

  it('of a damaged block is empty and noted once; a block written before it existed gives an empty one', async () => {
    const traces = Array.from({ length: 5 }, (_, i) => shopTrace(i, i));
    const { store, meta } = await writeTestBlock('sb1', traces);
    const key = `${meta.tenantID}/${meta.blockID}/dependencies`;
    const bytes = (await store.get(key))!;
    bytes[bytes.length >> 1] ^= 0xff;
    await store.put(key, bytes);
    const damaged = openBlock(store, meta);
    expect((await damaged.dependencies()).edges).toEqual([]);
    expect((await damaged.dependencies()).edges).toEqual([]);
    expect(damaged.damage().map((d) => [d.object, d.fallback])).toEqual([['dependencies', 'dependencies-skipped']]);
    const { dependencies: _, ...older } = meta.checksums;
    expect((await openBlock(store, { ...meta, checksums: older }).dependencies()).edges).toEqual([]);
  });

  it('keeps at most MAX_EDGES_PER_SUMMARY edges and counts the calls of the others', () => {
    const b = new DependencyBuilder();
    for (let i = 0; i < MAX_EDGES_PER_SUMMARY + 5; i++) b.add('api', `10.0.${i >> 8}.${i & 255}`, 3, 0, true, 60, 1, false);
    b.add('api', '10.0.0.0', 3, 0, true, 60, 1, false);
    const s = b.summary();
    expect(s.edges).toHaveLength(MAX_EDGES_PER_SUMMARY);
    expect(s.droppedCalls).toBe(5);
    expect(s.totals[0][0]).toBe(2);
    const merged = new DependencyBuilder();
    merged.addSummary(s);
    merged.addSummary(s);
    expect(merged.summary().droppedCalls).toBe(10);
  });

  it('given to the writer (merged from other blocks\' summaries) is stored as given', async () => {
    const a = new DependencyBuilder();
    for (let i = 0; i < 3; i++) a.addTraceRecords(shopTrace(i, i));
    const b = new DependencyBuilder();
    for (let i = 3; i < 5; i++) b.addTraceRecords(shopTrace(i, 100 + i));
    const merged = mergeDependencySummaries([a.summary(), b.summary()]);
    const direct = new DependencyBuilder();
    for (let i = 0; i < 5; i++) direct.addTraceRecords(shopTrace(i, i < 3 ? i : 100 + i));
    expect(merged).toEqual(direct.summary());
    const { store, meta } = await writeTestBlock('sb1', [shopTrace(9, 0)], { dependencies: merged });
    expect(await openBlock(store, meta).dependencies()).toEqual(merged);
  });
});

