// The roles run as separate processes (--target=ingester / distributor / querier): spans sent to
// the distributor reach the ingester that owns their trace, and the querier finds them there.
import { bytesToHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const children: ChildSpanbase[] = [];
afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
});

describe('--target per role', () => {
  it('routes traces to their owning ingester and reads them back through a querier', async () => {
    const ing1 = await spawnSpanbase(tempDir(), ['--target=ingester']);
    const ing2 = await spawnSpanbase(tempDir(), ['--target=ingester']);
    children.push(ing1, ing2);
    const addrs = [ing1, ing2].map((i) => i.api.replace('http://', '')).join(',');
    const dist = await spawnSpanbase(tempDir(), ['--target=distributor', `--distributor.ingester-addresses=${addrs}`]);
    const querier = await spawnSpanbase(tempDir(), ['--target=querier', `--querier.ingester-addresses=${addrs}`]);
    children.push(dist, querier);

    const spans = Array.from({ length: 40 }, () => span());
    const r = await fetch(dist.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);

    const owners = [0, 0];
    for (const s of spans) {
      const id = bytesToHex(s.traceId);
      const viaQuerier = await fetch(`${querier.api}/api/traces/${id}`);
      expect(viaQuerier.status).toBe(200);
      // Exactly one ingester holds each trace.
      const held = await Promise.all([ing1, ing2].map(async (i) => (await fetch(`${i.api}/internal/traces/${id}`, { headers: { 'x-scope-orgid': 'single-tenant' } })).status === 200));
      expect(held.filter(Boolean)).toHaveLength(1);
      owners[held[0] ? 0 : 1]++;
    }
    // With 40 random traces both ingesters get some.
    expect(owners[0]).toBeGreaterThan(0);
    expect(owners[1]).toBeGreaterThan(0);
    // The distributor has no trace routes; the querier has no OTLP receiver traffic.
    expect((await fetch(`${dist.api}/api/traces/${bytesToHex(spans[0].traceId)}`)).status).toBe(404);
  });

  it('refuses to start a distributor without ingester addresses', async () => {
    await expect(spawnSpanbase(tempDir(), ['--target=distributor'])).rejects.toThrow(/--distributor.ingester-addresses must list at least one ingester/);
  });
});
