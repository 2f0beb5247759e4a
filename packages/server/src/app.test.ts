import { createError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from './app.ts';
import { silentLogger } from './logger.ts';
import { MetricsRegistry } from './metrics.ts';
import { tenantFromHeader } from './tenant.ts';

const Limited = createError('TEST_ERR_LIMITED', 429);

describe('createHttpApp', () => {
  it('maps named errors to their status, message and Retry-After', async () => {
    const app = createHttpApp({ logger: silentLogger() });
    app.get('/limited', async () => {
      throw Limited('slow down', { retryAfterSeconds: 5 });
    });
    app.get('/boom', async () => {
      throw new Error('secret detail');
    });
    const r = await app.inject({ method: 'GET', url: '/limited' });
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.body).toBe('slow down\n');
    const b = await app.inject({ method: 'GET', url: '/boom' });
    expect(b.statusCode).toBe(500);
    expect(b.body).not.toContain('secret');
    const n = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(n.statusCode).toBe(404);
    expect(n.body).toContain('GET /nope');
  });

  it('answers 413 for bodies over the limit', async () => {
    const app = createHttpApp({ logger: silentLogger(), bodyLimit: 10 });
    app.post('/in', async () => 'ok');
    const r = await app.inject({ method: 'POST', url: '/in', payload: 'x'.repeat(11), headers: { 'content-type': 'text/plain' } });
    expect(r.statusCode).toBe(413);
    expect(r.body).toContain('10 bytes');
  });
});

describe('tenants', () => {
  it('uses single-tenant when multitenancy is off, and validates ids when on', () => {
    expect(tenantFromHeader(undefined, false)).toBe('single-tenant');
    expect(tenantFromHeader('team-a', true)).toBe('team-a');
    expect(() => tenantFromHeader(undefined, true)).toThrow(/X-Scope-OrgID/);
    expect(() => tenantFromHeader('..', true)).toThrow(/invalid tenant/);
    expect(() => tenantFromHeader('a/b', true)).toThrow(/invalid tenant/);
    expect(() => tenantFromHeader('x'.repeat(151), true)).toThrow(/invalid tenant/);
    expect(tenantFromHeader("a!-_.*'()Z9", true)).toBe("a!-_.*'()Z9");
    // gRPC metadata keeps surrounding spaces that Node's HTTP parser drops from headers.
    expect(tenantFromHeader(' tenantB', true)).toBe('tenantB');
    expect(tenantFromHeader('\ttenantB  ', true)).toBe('tenantB');
    expect(() => tenantFromHeader('   ', true)).toThrow(/X-Scope-OrgID/);
    expect(() => tenantFromHeader('a b', true)).toThrow(/invalid tenant/);
  });
});

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the text format', () => {
    const r = new MetricsRegistry();
    r.counter('spanbase_spans_received_total', 'Spans received.', ['tenant']).inc({ tenant: 'a"b' }, 3);
    r.gauge('spanbase_live_traces', 'Live traces.').collect(() => [[{}, 7]]);
    r.histogram('spanbase_req_seconds', 'Latency.', ['route'], [0.1, 1]).observe({ route: '/x' }, 0.5);
    const text = r.render();
    expect(text).toContain('spanbase_spans_received_total{tenant="a\\"b"} 3');
    expect(text).toContain('spanbase_live_traces 7');
    expect(text).toContain('spanbase_req_seconds_bucket{route="/x",le="0.1"} 0');
    expect(text).toContain('spanbase_req_seconds_bucket{route="/x",le="1"} 1');
    expect(text).toContain('spanbase_req_seconds_count{route="/x"} 1');
  });
});
