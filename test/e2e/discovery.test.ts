// dns+ discovery with a resolver the test controls: a query-frontend finds its queriers through
// `dns+<name>:<port>`, and as the name's addresses change (a querier joins, one leaves and is
// stopped, the name fails to resolve for a while) queries keep being answered in full, with no
// restart. The queriers listen on one port of different loopback addresses, as pods behind a
// headless Service do.
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnSpanbase, startTestSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase, TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const NAME = 'queriers.spanbase.test';
let answer: string[] | Error = [];
const resolved: string[] = [];
const children: ChildSpanbase[] = [];
let frontend: TestSpanbase;
let queriers: Map<string, ChildSpanbase>;

async function metric(api: string, name: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function searchAll(): Promise<number> {
  const r = await fetch(`${frontend.api}/api/search?q=${encodeURIComponent('{ resource.service.name = "dns" }')}&limit=100`);
  expect(r.status, await r.clone().text()).toBe(200);
  return ((await r.json()) as { traces: unknown[] }).traces.length;
}

beforeAll(async () => {
  const ingester = await spawnSpanbase(tempDir(), ['--target=ingester']);
  children.push(ingester);
  const port = await freePort('127.0.0.2');
  await freePort('127.0.0.3', port);
  queriers = new Map();
  for (const ip of ['127.0.0.2', '127.0.0.3']) {
    const q = await spawnSpanbase(tempDir(), ['--target=querier', `--querier.ingester-addresses=${ingester.internal}`, `--internal.listen-address=${ip}`, `--internal.listen-port=${port}`, '--query.workers=1']);
    children.push(q);
    queriers.set(ip, q);
  }
  const dist = await spawnSpanbase(tempDir(), ['--target=distributor', `--distributor.ingester-addresses=${ingester.internal}`]);
  children.push(dist);
  const spans = Array.from({ length: 30 }, () => span());
  expect((await fetch(dist.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, 'dns')), headers: { 'content-type': 'application/x-protobuf' } })).status).toBe(200);
  answer = ['127.0.0.2'];
  frontend = await startTestSpanbase({ target: 'query-frontend', 'query-frontend.querier-addresses': [`dns+${NAME}:${port}`], 'internal.dns-refresh-period': 100 }, {
    resolve: async (name) => {
      resolved.push(name);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
}, 120_000);

afterAll(async () => {
  await frontend?.stop();
  for (const c of children) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
});

describe('dns+ address entries', () => {
  it('follow the name as queriers join and leave, without a restart', async () => {
    expect(resolved[0]).toBe(NAME);
    expect(await metric(frontend.api, 'spanbase_query_frontend_queriers')).toBe(1);
    expect(await searchAll()).toBe(30);
    const [first, second] = [queriers.get('127.0.0.2')!, queriers.get('127.0.0.3')!];
    expect(await metric(first.api, 'spanbase_querier_jobs_total')).toBeGreaterThan(0);
    expect(await metric(second.api, 'spanbase_querier_jobs_total')).toBe(0);

    // A querier joins: jobs reach it.
    answer = ['127.0.0.2', '127.0.0.3'];
    await until('the frontend sees two queriers', async () => (await metric(frontend.api, 'spanbase_query_frontend_queriers')) === 2);
    for (let i = 0; i < 4; i++) expect(await searchAll()).toBe(30);
    expect(await metric(second.api, 'spanbase_querier_jobs_total')).toBeGreaterThan(0);

    // One leaves the name, then stops: queries go on in full without a single retry.
    answer = ['127.0.0.3'];
    await until('the frontend sees one querier', async () => (await metric(frontend.api, 'spanbase_query_frontend_queriers')) === 1);
    first.proc.kill('SIGKILL');
    await first.exited;
    for (let i = 0; i < 3; i++) expect(await searchAll()).toBe(30);

    // The name fails to resolve for a while: the last members stay.
    answer = new Error('SERVFAIL');
    const before = resolved.length;
    await until('the frontend tried again', async () => resolved.length > before + 2);
    expect(await metric(frontend.api, 'spanbase_query_frontend_queriers')).toBe(1);
    expect(await searchAll()).toBe(30);
    expect(await metric(frontend.api, 'spanbase_query_frontend_retries_total')).toBe(0);
  }, 60_000);
});
