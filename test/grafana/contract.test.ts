// Grafana's Tempo datasource, replayed request for request against a real Spanbase fed by the
// OpenTelemetry exporter: every row of requests*.ts runs under each datasource setup (with and
// without a tenant header), with the data still in the ingester's memory and after it was
// flushed into blocks, and checks every field Grafana reads. Rows whose endpoint is not built
// yet are listed as todos with the exact request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_STATES, SETUPS, createFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { describeRequest } from './request-row.ts';
import { REQUESTS } from './requests.ts';
import { contentTypeOf, decodeBody, replay } from './replay.ts';

const where = (state: string) => `data ${state === 'live' ? 'in memory' : 'in blocks'}`;
// The single binary under every setup; and a cluster (ingesters, distributor, queriers, and the
// query-frontend Grafana points at) under the setup with a tenant header.
const RUNS = [
  ...SETUPS.flatMap((setup) => DATA_STATES.map((state) => ({ setup, state, topology: 'single' as const, name: `${setup.name}, ${where(state)}` }))),
  ...DATA_STATES.map((state) => ({ setup: SETUPS[1], state, topology: 'cluster' as const, name: `query-frontend of a cluster, ${SETUPS[1].name}, ${where(state)}` })),
];

/** Where the ingester's /metrics says the tenant's data is. */
async function dataState(fx: Fixture): Promise<{ memoryBytes: number; blocks: number }> {
  const m = await fx.sb.metricsText();
  const memoryBytes = [...m.matchAll(/spanbase_ingester_memory_bytes (\d+)/g)].reduce((a, x) => a + Number(x[1]), 0);
  const blocks = [...m.matchAll(/spanbase_blocklist_blocks\{tenant="[^"]+"\} (\d+)/g)].reduce((a, x) => a + Number(x[1]), 0);
  return { memoryBytes, blocks };
}

describe.each(RUNS)('Grafana → Spanbase ($name)', ({ setup, state, topology }) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await createFixture(setup, state, topology);
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

  // Last in the block, so it holds for every request above.
  it(`answered every request from data ${state === 'live' ? 'in memory, none of it in blocks' : 'in blocks, none of it in memory'}`, async () => {
    const now = await dataState(fx);
    if (state === 'live') expect(now).toMatchObject({ blocks: 0 });
    else expect(now).toMatchObject({ memoryBytes: 0 });
    expect(state === 'live' ? now.memoryBytes : now.blocks).toBeGreaterThan(0);
  });
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
