// The roles run as separate processes (--target=ingester / distributor / querier /
// query-frontend) talking over their internal listeners: spans sent to the distributor reach the
// ingester that owns their trace, and the frontend finds them through a querier. No role answers
// /internal on its public port, and in `all` mode nothing listens for other roles at all.
import { InternalClient, LiveService } from '@spanbase/internal-api';
import { bytesToHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSpanbase, startTestSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const children: ChildSpanbase[] = [];
const clients: InternalClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of children) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
});

/** Paths a role served under /internal on its public port before it had an internal listener. */
const OLD_INTERNAL = ['/internal/push', '/internal/search', '/internal/metrics', '/internal/tags', '/internal/traces/0123456789abcdef0123456789abcdef'];

async function internalStatuses(api: string): Promise<number[]> {
  return Promise.all(OLD_INTERNAL.map(async (p) => (await fetch(`${api}${p}`, { method: p.includes('traces') ? 'GET' : 'POST', body: p.includes('traces') ? undefined : 'x', headers: { 'x-scope-orgid': 'single-tenant' } })).status));
}

describe('--target per role', () => {
  it('routes traces to their owning ingester and reads them back through the frontend and a querier', async () => {
    const ing1 = await spawnSpanbase(tempDir(), ['--target=ingester']);
    const ing2 = await spawnSpanbase(tempDir(), ['--target=ingester']);
    children.push(ing1, ing2);
    const addrs = [ing1, ing2].map((i) => i.internal).join(',');
    const dist = await spawnSpanbase(tempDir(), ['--target=distributor', `--distributor.ingester-addresses=${addrs}`]);
    const querier = await spawnSpanbase(tempDir(), ['--target=querier', `--querier.ingester-addresses=${addrs}`]);
    children.push(dist, querier);
    const frontend = await spawnSpanbase(tempDir(), ['--target=query-frontend', `--query-frontend.querier-addresses=${querier.internal}`]);
    children.push(frontend);

    const spans = Array.from({ length: 40 }, () => span());
    const r = await fetch(dist.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);

    const live = [ing1, ing2].map((i) => new InternalClient(i.internal, { maxMessageBytes: 1 << 24 }));
    clients.push(...live);
    const owners = [0, 0];
    for (const s of spans) {
      const id = bytesToHex(s.traceId);
      expect((await fetch(`${frontend.api}/api/traces/${id}`)).status).toBe(200);
      // Exactly one ingester holds each trace.
      const held = await Promise.all(live.map(async (c) => (await c.call(LiveService, LiveService.methods.FindTrace, { traceId: s.traceId }, { tenant: 'single-tenant', timeoutMs: 5000 })).tracesData.byteLength > 0));
      expect(held.filter(Boolean)).toHaveLength(1);
      owners[held[0] ? 0 : 1]++;
    }
    // A search pinned to one trace id finds it on whichever ingester holds it.
    const pinned = bytesToHex(spans[5].traceId);
    const found = (await (await fetch(`${frontend.api}/api/search?q=${encodeURIComponent(`{ trace:id = "${pinned}" }`)}`)).json()) as { traces: { traceID: string }[] };
    expect(found.traces.map((t) => t.traceID.padStart(32, '0'))).toEqual([pinned]);
    // Autocomplete sees the ingesters' live data too: tag names by scope, and a tag's values.
    const names = (await (await fetch(`${frontend.api}/api/v2/search/tags?scope=span`)).json()) as { scopes: { name: string; tags: string[] }[] };
    expect(names.scopes.find((s) => s.name === 'span')?.tags).toContain('k');
    const values = (await (await fetch(`${frontend.api}/api/v2/search/tag/resource.service.name/values`)).json()) as { tagValues: { value: string }[] };
    expect(values.tagValues.map((v) => v.value)).toContain('svc');
    // With 40 random traces both ingesters get some.
    expect(owners[0]).toBeGreaterThan(0);
    expect(owners[1]).toBeGreaterThan(0);
    // Only the frontend serves the query API; nothing answers /internal on a public port.
    for (const role of [dist, querier]) expect((await fetch(`${role.api}/api/traces/${bytesToHex(spans[0].traceId)}`)).status).toBe(404);
    for (const role of [ing1, ing2, dist, querier, frontend]) expect(await internalStatuses(role.api)).toEqual(OLD_INTERNAL.map(() => 404));
  });

  it('searches and computes metrics over the ingesters, and finds flushed traces before the frontend polls', async () => {
    const flags = ['--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=200ms', '--ingester.flush-check-period=50ms'];
    const store = tempDir();
    const ing = await spawnSpanbase(store, ['--target=ingester', ...flags]);
    children.push(ing);
    const dist = await spawnSpanbase(tempDir(), ['--target=distributor', `--distributor.ingester-addresses=${ing.internal}`]);
    const querier = await spawnSpanbase(store, ['--target=querier', `--querier.ingester-addresses=${ing.internal}`, `--wal.path=${join(tempDir(), 'wal')}`]);
    children.push(dist, querier);
    // The frontend shares the object store; its block list poll is slow on purpose.
    const frontend = await spawnSpanbase(store, ['--target=query-frontend', `--query-frontend.querier-addresses=${querier.internal}`, '--storage.blocklist-poll=1h', `--wal.path=${join(tempDir(), 'wal')}`]);
    children.push(frontend);
    const spans = Array.from({ length: 10 }, () => span({ status: { code: 2, message: '' } }));
    const r = await fetch(dist.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, 'split')), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);
    const search = (await (await fetch(`${frontend.api}/api/search?q=${encodeURIComponent('{ status = error }')}&limit=50`)).json()) as { traces: unknown[] };
    const now = Math.floor(Date.now() / 1000);
    const metrics = (await (await fetch(`${frontend.api}/api/metrics/query?q=${encodeURIComponent('{} | count_over_time()')}&start=${now - 600}&end=${now + 60}`)).json()) as { series: { value?: number }[] };
    // Either still in memory or already in a block the ingester flushed: both are found.
    expect(search.traces.length).toBeGreaterThan(0);
    expect(metrics.series[0]?.value ?? 0).toBeGreaterThan(0);
    // Wait until the ingester has flushed everything: the frontend's block list has none of it
    // yet, the ingester names its recent blocks, and everything is still found.
    for (let i = 0; i < 200; i++) {
      const m = await (await fetch(`${ing.api}/metrics`)).text();
      if (/spanbase_ingester_memory_bytes 0\b/.test(m) && /spanbase_ingester_live_traces/.test(m)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(await (await fetch(`${frontend.api}/metrics`)).text()).not.toMatch(/spanbase_blocklist_blocks\{/);
    for (const s of spans) expect((await fetch(`${frontend.api}/api/traces/${bytesToHex(s.traceId)}`)).status).toBe(200);
    const afterFlush = (await (await fetch(`${frontend.api}/api/search?q=${encodeURIComponent('{ status = error }')}&limit=50`)).json()) as { traces: unknown[] };
    expect(afterFlush.traces).toHaveLength(10);
    const counted = (await (await fetch(`${frontend.api}/api/metrics/query?q=${encodeURIComponent('{} | count_over_time()')}&start=${now - 600}&end=${now + 60}`)).json()) as { series: { value?: number }[] };
    expect(counted.series[0]?.value).toBe(10);
  });

  it('refuses to start a role without the addresses of its peers', async () => {
    await expect(spawnSpanbase(tempDir(), ['--target=distributor'])).rejects.toThrow(/--distributor.ingester-addresses must list at least one ingester/);
    await expect(spawnSpanbase(tempDir(), ['--target=query-frontend'])).rejects.toThrow(/--query-frontend.querier-addresses must list at least one querier/);
  });
});

describe('--target=all', () => {
  it('opens no internal listener and answers nothing under /internal on its public port', async () => {
    const sb = await startTestSpanbase();
    try {
      expect(sb.running.internalPort).toBeUndefined();
      expect(await internalStatuses(sb.api)).toEqual(OLD_INTERNAL.map(() => 404));
    } finally {
      await sb.stop();
    }
  });
});
