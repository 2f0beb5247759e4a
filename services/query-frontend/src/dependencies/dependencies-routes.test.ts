// The graph route and the Jaeger and Zipkin answers over fake sources: sources are added up, a
// failing source makes the answer PARTIAL (never a 500), ranges reach the sources as given.
import type { DependencyEdge, DependencyRange } from '@spanbase/block';
import { LATENCY_BOUNDS_MS } from '@spanbase/block';
import type { DependenciesSource } from '@spanbase/query';
import { createHttpApp, silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import { dependencyQuery, jaegerDependenciesAnswer, registerDependenciesRoutes, zipkinDependenciesAnswer } from './dependencies-routes.ts';

const edge = (parent: string, child: string, calls: number, errors = 0, remote = false): DependencyEdge => ({ parent, child, parentKind: 3, childKind: remote ? 0 : 2, remote, calls, errors, latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) });

function setup(failing = false) {
  const asked: DependencyRange[] = [];
  const source = (name: string, edges: DependencyEdge[]): DependenciesSource => ({
    name,
    async edges(range) {
      asked.push(range);
      if (failing && name === 'b') throw new Error('unreachable');
      return edges;
    },
  });
  const query = dependencyQuery(() => [source('live', [edge('a', 'b', 2)]), source('b', [edge('a', 'b', 3, 1), edge('b', 'db', 4, 0, true)])]);
  const app = createHttpApp({ logger: silentLogger() });
  registerDependenciesRoutes(app, { query, multitenancy: false, defaultLookbackMs: 3_600_000, timeoutMs: 10_000, now: () => 7_200_000 });
  return { app, query, asked };
}

describe('dependency routes', () => {
  it('add the sources up', async () => {
    const { app, asked } = setup();
    const r = await app.inject({ url: '/api/spanbase/dependencies?start=60&end=120' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.edges.map((e: { parent: string; child: string; calls: number; errors: number }) => [e.parent, e.child, e.calls, e.errors])).toEqual([['a', 'b', 5, 1], ['b', 'db', 4, 0]]);
    expect(body.status).toBe('COMPLETE');
    expect(asked).toEqual([{ start: 60, end: 120 }, { start: 60, end: 120 }]);
    const dflt = await app.inject({ url: '/api/spanbase/dependencies' });
    expect(dflt.json()).toMatchObject({ start: 3600, end: 7200 });
  });

  it('answer PARTIAL when a source fails, and 400 to a bad range', async () => {
    const { app } = setup(true);
    const r = await app.inject({ url: '/api/spanbase/dependencies?start=60&end=120' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'PARTIAL', message: expect.stringContaining('b (unreachable)') });
    const bad = await app.inject({ url: '/api/spanbase/dependencies?start=120&end=60' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/end \(60\) must be after start \(120\)/);
  });

  it('answer Jaeger and Zipkin from the same edges, with their ranges', async () => {
    const { query, asked } = setup();
    const signal = new AbortController().signal;
    expect(await jaegerDependenciesAnswer(query, 't', { endTs: '120000', lookback: '60000' }, signal)).toEqual({ data: [{ parent: 'a', child: 'b', callCount: 5 }], total: 0, limit: 0, offset: 0, errors: null });
    expect(asked.at(-1)).toEqual({ start: 60, end: 120 });
    expect(await zipkinDependenciesAnswer(query, 't', { endTs: '120000' }, signal)).toEqual([{ parent: 'a', child: 'b', callCount: 5, errorCount: 1 }, { parent: 'b', child: 'db', callCount: 4 }]);
    expect(asked.at(-1)).toEqual({ start: 0, end: 120 });
    await expect(zipkinDependenciesAnswer(query, 't', {}, signal)).rejects.toMatchObject({ statusCode: 400 });
  });
});
