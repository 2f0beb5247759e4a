// The shapes are written from the published APIs, not from our output: Jaeger's query service
// answers /api/dependencies with its structuredResponse {data, total, limit, offset, errors} and
// data a list of ui.DependencyLink {parent, child, callCount}; Zipkin's /api/v2/dependencies is a
// list of DependencyLink {parent, child, callCount, errorCount} (zipkin-api.yaml), and Zipkin's
// JSON encoder writes errorCount only when it is above 0. Jaeger's endTs defaults to now and its
// lookback to 24 h; Zipkin's endTs is required and its lookback defaults to endTs.
import type { DependencyEdge } from '@spanbase/block';
import { LATENCY_BOUNDS_MS, latencyBucket } from '@spanbase/block';
import { describe, expect, it } from 'vitest';
import { histogramQuantile, jaegerDependencies, jaegerDependencyRange, spanbaseDependencies, spanbaseDependencyRange, zipkinDependencies, zipkinDependencyRange } from './dependency-json.ts';

function edge(parent: string, child: string, calls: number, errors: number, o: Partial<DependencyEdge> = {}): DependencyEdge {
  const latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  latency[latencyBucket(15)] = calls;
  return { parent, child, parentKind: 3, childKind: 2, remote: false, calls, errors, latency, ...o };
}

const edges = [
  edge('checkout', 'payments', 4, 1),
  edge('checkout', 'postgres', 9, 2, { remote: true, childKind: 0 }),
  edge('frontend', 'checkout', 10, 0),
  edge('frontend', 'checkout', 3, 1, { parentKind: 4, childKind: 5 }),
];

describe('dependency answers', () => {
  it('Jaeger: structuredResponse with links between instrumented services, span kinds added up', () => {
    expect(jaegerDependencies(edges)).toEqual({
      data: [
        { parent: 'checkout', child: 'payments', callCount: 4 },
        { parent: 'frontend', child: 'checkout', callCount: 13 },
      ],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });
    expect(jaegerDependencies(edges, 'payments').data).toEqual([{ parent: 'checkout', child: 'payments', callCount: 4 }]);
    expect(JSON.stringify(jaegerDependencies([]))).toBe('{"data":[],"total":0,"limit":0,"offset":0,"errors":null}');
  });

  it('Zipkin: DependencyLink list, remote services included, errorCount only when above 0', () => {
    const answer = zipkinDependencies([...edges, edge('worker', 'queue', 2, 0, { remote: true })]);
    expect(JSON.stringify(answer)).toBe(
      '[{"parent":"checkout","child":"payments","callCount":4,"errorCount":1},' +
        '{"parent":"checkout","child":"postgres","callCount":9,"errorCount":2},' +
        '{"parent":"frontend","child":"checkout","callCount":13,"errorCount":1},' +
        '{"parent":"worker","child":"queue","callCount":2}]',
    );
  });

  it('Spanbase: edges with span kinds, remote services apart, quantiles, and PARTIAL when a source failed', () => {
    const a = spanbaseDependencies(edges, { start: 100, end: 200 });
    expect(a).toMatchObject({ start: 100, end: 200, services: ['checkout', 'frontend', 'payments'], remoteServices: ['postgres'], status: 'COMPLETE' });
    expect(a.edges.find((e) => e.parent === 'frontend')).toEqual({
      parent: 'frontend', child: 'checkout', remote: false, calls: 13, errors: 1,
      latencyMs: { p50: 15, p90: 19, p99: 19.9 },
      spanKinds: [{ parent: 'client', child: 'server', calls: 10, errors: 0 }, { parent: 'producer', child: 'consumer', calls: 3, errors: 1 }],
    });
    const partial = spanbaseDependencies(edges, { start: 100, end: 200 }, [{ source: 'block x', error: new Error('checksum') }]);
    expect(partial.status).toBe('PARTIAL');
    expect(partial.message).toContain('block x (checksum)');
  });

  it('quantiles interpolate within a histogram bucket and stop at the last bound', () => {
    const h = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
    expect(histogramQuantile(h, 0.5)).toBe(0);
    h[0] = 10; // ten calls of at most 1 ms
    expect(histogramQuantile(h, 0.5)).toBe(0.5);
    h[h.length - 1] = 90; // ninety beyond the last bound
    expect(histogramQuantile(h, 0.99)).toBe(LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]);
  });
});

describe('dependency ranges', () => {
  const now = () => 1_700_000_000_500;

  it('Jaeger: endTs and lookback in ms, defaulting to now and 24 h', () => {
    expect(jaegerDependencyRange({}, now)).toEqual({ start: 1_700_000_000 - 86_400, end: 1_700_000_001 });
    expect(jaegerDependencyRange({ endTs: '1700000000000', lookback: '3600000' }, now)).toEqual({ start: 1_699_996_400, end: 1_700_000_000 });
    for (const q of [{ endTs: 'x' }, { lookback: '-1' }, { lookback: '0' }, { endTs: '1.5' }, { endTs: '0' }]) expect(() => jaegerDependencyRange(q, now), JSON.stringify(q)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });

  it('Zipkin: endTs required, lookback defaulting to everything before it', () => {
    expect(zipkinDependencyRange({ endTs: '1700000000000' })).toEqual({ start: 0, end: 1_700_000_000 });
    expect(zipkinDependencyRange({ endTs: '1700000000000', lookback: '60000' })).toEqual({ start: 1_699_999_940, end: 1_700_000_000 });
    expect(() => zipkinDependencyRange({})).toThrow(expect.objectContaining({ statusCode: 400, message: expect.stringContaining('endTs') }));
    expect(() => zipkinDependencyRange({ endTs: '1700000000000', lookback: 'day' })).toThrow(expect.objectContaining({ statusCode: 400 }));
  });

  it('Spanbase: start and end in seconds, both or neither', () => {
    expect(spanbaseDependencyRange({}, 3_600_000, now)).toEqual({ start: 1_700_000_001 - 3600, end: 1_700_000_001 });
    expect(spanbaseDependencyRange({ start: '10', end: '70' }, 0, now)).toEqual({ start: 10, end: 70 });
    for (const q of [{ start: '10' }, { start: '70', end: '10' }, { start: 'a', end: '10' }, { start: '1e3', end: '2e3' }]) expect(() => spanbaseDependencyRange(q, 0, now), JSON.stringify(q)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
