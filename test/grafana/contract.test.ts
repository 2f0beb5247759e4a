// Grafana's Tempo datasource, replayed request for request against a real Spanbase fed by the
// OpenTelemetry exporter: every row of requests.ts runs under each datasource setup (with and
// without a tenant header) and checks every field Grafana reads. Rows whose endpoint is not
// built yet are listed as todos with the exact request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUPS, createFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { REQUESTS, describeRequest } from './requests.ts';
import { contentTypeOf, decodeBody, replay } from './replay.ts';

describe.each(SETUPS)('Grafana → Spanbase ($name)', (setup) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await createFixture(setup);
  });
  afterAll(async () => {
    await fx?.sb.stop();
  });

  for (const r of REQUESTS) {
    const title = `${r.feature}: ${r.does} — ${describeRequest(r)}`;
    const want = r.expect;
    if (!want) {
      it.todo(title);
      continue;
    }
    it(title, async () => {
      const res = await replay(fx, r.sender, r.path, r.accept, r.query);
      const text = () => new TextDecoder().decode(res.bytes).slice(0, 500);
      expect(res.status, `${res.url} answered ${res.status}: ${text()}`).toBe(want.status);
      expect(res.contentType, res.url).toMatch(contentTypeOf(want.body));
      want.check(decodeBody(want.body, res.bytes) as never, fx);
    });
  }
});

describe('the tenant header', () => {
  it('is required when multitenancy is on: a datasource without it gets 401 on queries, not on Save & test', async () => {
    const fx = await createFixture(SETUPS[1]);
    try {
      const bare = { ...fx, setup: { ...fx.setup, customHeaders: {} } };
      expect((await replay(bare, 'proxy', '/api/echo')).status).toBe(200);
      const r = await replay(bare, 'backend', '/api/v2/traces/${traceId}', 'application/protobuf');
      expect(r.status).toBe(401);
      const other = { ...fx, setup: { ...fx.setup, customHeaders: { 'X-Scope-OrgID': 'another-team' } } };
      const res = await replay(other, 'backend', '/api/v2/traces/${traceId}', 'application/protobuf');
      expect(res.status, new TextDecoder().decode(res.bytes)).toBe(200);
      const v2 = decodeBody('protobuf:TraceByIDResponse', res.bytes);
      expect(v2.trace?.resourceSpans ?? [], "another tenant's trace is not found").toEqual([]);
    } finally {
      await fx.sb.stop();
    }
  });
});
