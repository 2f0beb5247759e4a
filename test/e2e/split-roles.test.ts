// The roles run as separate processes (--target=ingester / distributor / querier): spans sent to
// the distributor reach the ingester that owns their trace, and the querier finds them there.
import { bytesToHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { join } from 'node:path';
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
    // A search pinned to one trace id finds it on whichever ingester holds it.
    const pinned = bytesToHex(spans[5].traceId);
    const found = (await (await fetch(`${querier.api}/api/search?q=${encodeURIComponent(`{ trace:id = "${pinned}" }`)}`)).json()) as { traces: { traceID: string }[] };
    expect(found.traces.map((t) => t.traceID.padStart(32, '0'))).toEqual([pinned]);
    // Autocomplete sees the ingesters' live data too: tag names by scope, and a tag's values.
    const names = (await (await fetch(`${querier.api}/api/v2/search/tags?scope=span`)).json()) as { scopes: { name: string; tags: string[] }[] };
    expect(names.scopes.find((s) => s.name === 'span')?.tags).toContain('k');
    const values = (await (await fetch(`${querier.api}/api/v2/search/tag/resource.service.name/values`)).json()) as { tagValues: { value: string }[] };
    expect(values.tagValues.map((v) => v.value)).toContain('svc');
    // With 40 random traces both ingesters get some.
    expect(owners[0]).toBeGreaterThan(0);
    expect(owners[1]).toBeGreaterThan(0);
    // The distributor has no trace routes; the querier has no OTLP receiver traffic.
    expect((await fetch(`${dist.api}/api/traces/${bytesToHex(spans[0].traceId)}`)).status).toBe(404);
  });

  it('searches and computes metrics over the ingesters, and finds flushed traces before the querier polls', async () => {
    const flags = ['--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=200ms', '--ingester.flush-check-period=50ms'];
    const store = tempDir();
    const ing = await spawnSpanbase(store, ['--target=ingester', ...flags]);
    children.push(ing);
    const addr = ing.api.replace('http://', '');
    const dist = await spawnSpanbase(tempDir(), ['--target=distributor', `--distributor.ingester-addresses=${addr}`]);
    // The querier shares the object store; its block list poll is slow on purpose.
    const querier = await spawnSpanbase(store, ['--target=querier', `--querier.ingester-addresses=${addr}`, '--storage.blocklist-poll=1h', `--wal.path=${join(tempDir(), 'wal')}`]);
    children.push(dist, querier);
    const spans = Array.from({ length: 10 }, () => span({ status: { code: 2, message: '' } }));
    const r = await fetch(dist.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, 'split')), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);
    const search = (await (await fetch(`${querier.api}/api/search?q=${encodeURIComponent('{ status = error }')}&limit=50`)).json()) as { traces: unknown[] };
    const now = Math.floor(Date.now() / 1000);
    const metrics = (await (await fetch(`${querier.api}/api/metrics/query?q=${encodeURIComponent('{} | count_over_time()')}&start=${now - 600}&end=${now + 60}`)).json()) as { series: { value?: number }[] };
    // Either still in memory or already in a block the ingester flushed: both are found.
    expect(search.traces.length).toBeGreaterThan(0);
    expect(metrics.series[0]?.value ?? 0).toBeGreaterThan(0);
    // Wait until the ingester has flushed everything, then look up each trace through the querier.
    for (let i = 0; i < 200; i++) {
      const m = await (await fetch(`${ing.api}/metrics`)).text();
      if (/spanbase_ingester_memory_bytes 0\b/.test(m) && /spanbase_ingester_live_traces/.test(m)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    for (const s of spans) expect((await fetch(`${querier.api}/api/traces/${bytesToHex(s.traceId)}`)).status).toBe(200);
  });

  it('refuses to start a distributor without ingester addresses', async () => {
    await expect(spawnSpanbase(tempDir(), ['--target=distributor'])).rejects.toThrow(/--distributor.ingester-addresses must list at least one ingester/);
  });
});
