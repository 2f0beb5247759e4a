import { parseOrThrow } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import type { TempoApi, TempoResponse } from './compat/tempo-api.ts';
import { WARM_UP_HEADER, warmUpQueries, warmUpTarget } from './warm-up.ts';

interface Call {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

/** An API that records calls and answers searches with `traces`. */
function fakeApi(traces: object[], status = 200): { api: TempoApi; calls: Call[] } {
  const calls: Call[] = [];
  const api: TempoApi = {
    async get(path, query, headers): Promise<TempoResponse> {
      calls.push({ path, query, headers });
      const body = path === '/api/search' ? JSON.stringify({ traces }) : '{}';
      return { status, body: Buffer.from(body) };
    },
  };
  return { api, calls };
}

const TARGET = { tenant: 'acme', start: 1_700_000_000, end: 1_700_000_360 };

describe('warmUpTarget', () => {
  const block = (tenantID: string, startS: number, endS: number) => ({ tenantID, startUnixNano: `${startS}000000000`, endUnixNano: `${endS}000000500` });

  it('takes the newest block of any tenant, its range widened to whole seconds', () => {
    const t = warmUpTarget([block('a', 100, 200), block('b', 300, 400), block('a', 150, 250)], 1_000_000, undefined);
    expect(t).toEqual({ tenant: 'b', start: 300, end: 401 });
  });

  it('without blocks asks the last five minutes of the given tenant, or nothing', () => {
    expect(warmUpTarget([], 1_000_000_400, 'single-tenant')).toEqual({ tenant: 'single-tenant', start: 1_000_000 - 300 + 1, end: 1_000_001 });
    expect(warmUpTarget([], 1_000_000_000, undefined)).toBeUndefined();
  });
});

describe('warmUpQueries', () => {
  it('looks for the newest trace, then a needle of its own service and name, and looks it up', async () => {
    const { api, calls } = fakeApi([{ traceID: 'abc123', rootServiceName: 'pay"ments\\svc', rootTraceName: 'POST /charge' }]);
    const r = await warmUpQueries(api, TARGET, true, () => false);
    expect(r.requests).toBe(calls.length);
    expect(r.failed).toBe(0);
    const searches = calls.filter((c) => c.path === '/api/search');
    expect(searches[0].query).toMatchObject({ q: '{}', limit: '1', start: String(TARGET.start), end: String(TARGET.end) });
    // The needle holds the values as they are, quotes and backslashes escaped: it parses, and to them.
    const needle = parseOrThrow(searches[1].query.q);
    expect(JSON.stringify(needle)).toContain(JSON.stringify('pay"ments\\svc'));
    expect(JSON.stringify(needle)).toContain(JSON.stringify('POST /charge'));
    for (const s of searches) expect(() => parseOrThrow(s.query.q)).not.toThrow();
    expect(calls.map((c) => c.path)).toEqual(expect.arrayContaining(['/api/v2/traces/abc123', '/api/metrics/query_range', '/api/v2/search/tags']));
    // Every request carries the warm-up mark and the block's tenant.
    for (const c of calls) expect(c.headers).toMatchObject({ [WARM_UP_HEADER]: '1', 'x-scope-orgid': 'acme' });
  });

  it('with nothing found, sends no trace lookup and no tenant header when tenancy is off', async () => {
    const { api, calls } = fakeApi([]);
    await warmUpQueries(api, TARGET, false, () => false);
    expect(calls.some((c) => c.path.startsWith('/api/v2/traces/'))).toBe(false);
    for (const c of calls) expect(c.headers['x-scope-orgid']).toBeUndefined();
  });

  it('counts answers other than 200 and goes on', async () => {
    const { api, calls } = fakeApi([], 429);
    const r = await warmUpQueries(api, TARGET, false, () => false);
    expect(calls.length).toBeGreaterThan(5);
    expect(r.failed).toBe(calls.length);
  });

  it('sends nothing more once the process is stopping', async () => {
    const { api, calls } = fakeApi([{ traceID: 'abc123', rootServiceName: 's', rootTraceName: 'n' }]);
    let n = 0;
    const r = await warmUpQueries(api, TARGET, false, () => ++n > 2);
    expect(calls).toHaveLength(2);
    expect(r.requests).toBe(2);
  });

  it('ends quietly when the routes close under it as the process stops, and fails otherwise', async () => {
    let stopping = false;
    const closing: TempoApi = {
      async get() {
        stopping = true;
        throw new Error('fastify closed');
      },
    };
    await expect(warmUpQueries(closing, TARGET, false, () => stopping)).resolves.toMatchObject({ requests: 1, failed: 0 });
    const broken: TempoApi = {
      async get() {
        throw new Error('boom');
      },
    };
    await expect(warmUpQueries(broken, TARGET, false, () => false)).rejects.toThrow('boom');
  });
});
