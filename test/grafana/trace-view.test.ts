// The trace view from the user's side: Grafana's request sequence and decisions (grafana-trace-
// view.ts) against a real Spanbase, so a change of status code or body shape that would change
// what the user sees (an extra request, "not found" instead of a trace, a lost warning) fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSpans } from '../src/canonical.ts';
import { SETUPS, createFixture, sentResourceSpans } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { grafanaTraceQuery } from './grafana-trace-view.ts';
import { grafanaHeaders } from './replay.ts';

let fx: Fixture;
let headers: Record<string, string>;
beforeAll(async () => {
  fx = await createFixture(SETUPS[1]);
  headers = grafanaHeaders('backend', undefined, fx.setup.customHeaders);
});
afterAll(async () => {
  await fx?.sb.stop();
});

const range = () => ({ from: Number(fx.vars.start), to: Number(fx.vars.end) });

describe("Grafana's trace view", () => {
  it('shows every span of a trace after one v2 request, with the time range when time shift is on', async () => {
    const out = await grafanaTraceQuery(fx.sb.api, fx.vars.traceId, range(), headers);
    expect(out.kind).toBe('trace');
    if (out.kind !== 'trace') return;
    expect(out.requests).toEqual([`/api/v2/traces/${fx.vars.traceId}?start=${fx.vars.start}&end=${fx.vars.end}`]);
    expect(out.spans).toEqual(canonicalSpans(sentResourceSpans(fx.rich), 'hex'));
    expect(out.partial).toBe(false);
  });

  it('shows "not found" for an unknown id after a single v2 request (no v1 retry)', async () => {
    const out = await grafanaTraceQuery(fx.sb.api, fx.vars.unknownTraceId, { from: 0, to: 0 }, headers);
    expect(out).toEqual({ kind: 'error', status: 404, body: '', requests: [`/api/v2/traces/${fx.vars.unknownTraceId}`] });
  });

  it('shows the partial-trace warning with the message for a trace over the size limit', async () => {
    const out = await grafanaTraceQuery(fx.sb.api, fx.vars.bigTraceId, range(), headers);
    expect(out.kind).toBe('trace');
    if (out.kind !== 'trace') return;
    expect(out.partial).toBe(true);
    expect(out.message).toMatch(/^Trace exceeds maximum size of \d+ bytes, a partial trace is returned$/);
    expect(out.spans.length).toBeGreaterThan(0);
  });

  it('falls back to v1 protobuf when v2 answers 404 (a proxy or server without v2) and still shows the trace', async () => {
    const withoutV2: typeof fetch = (input, init) => (String(input).includes('/api/v2/') ? Promise.resolve(new Response('404 page not found', { status: 404 })) : fetch(input, init));
    const out = await grafanaTraceQuery(fx.sb.api, fx.vars.traceIdTrimmed, range(), headers, withoutV2);
    expect(out.kind).toBe('trace');
    if (out.kind !== 'trace') return;
    expect(out.requests).toEqual([
      `/api/v2/traces/${fx.vars.traceIdTrimmed}?start=${fx.vars.start}&end=${fx.vars.end}`,
      `/api/traces/${fx.vars.traceIdTrimmed}?start=${fx.vars.start}&end=${fx.vars.end}`,
    ]);
    expect(out.spans).toEqual(canonicalSpans(sentResourceSpans(fx.rich), 'hex'));
  });

  it('shows an error with the status for an unknown id on v1 (after a v2 404)', async () => {
    const withoutV2: typeof fetch = (input, init) => (String(input).includes('/api/v2/') ? Promise.resolve(new Response('', { status: 404 })) : fetch(input, init));
    const out = await grafanaTraceQuery(fx.sb.api, fx.vars.unknownTraceId, { from: 0, to: 0 }, headers, withoutV2);
    expect(out.kind).toBe('error');
    if (out.kind === 'error') expect([out.status, out.requests.length]).toEqual([404, 2]);
  });
});
