// Spanbase as a cluster: a distributor, two ingesters, a query-frontend, two queriers and a
// compactor, each its own process on loopback, sharing a bucket of the S3 test server. What goes
// in through the distributor is found through the frontend while it is in the ingesters'
// memory, once flushed into blocks, and once those blocks were compacted: every trace once, every
// span once, every span counted once. A querier killed in the middle of a query costs a retry,
// not the answer; with retries off, the answer says it is partial; never a hang.
import { bytesToHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3TestConfig } from '../setup/s3.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const s3 = s3TestConfig();
const STORAGE = ['--storage.backend=s3', `--storage.s3.bucket=${s3.bucket}`, `--storage.s3.endpoint=${s3.endpoint}`, `--storage.s3.region=${s3.region}`, `--storage.s3.prefix=${s3.prefix}`, '--storage.s3.force-path-style', `--storage.s3.access-key-id=${s3.accessKeyId}`, `--storage.s3.secret-access-key=${s3.secretAccessKey}`];
// Traces stay in memory for a few seconds (the live checks run meanwhile), then are flushed fast.
const INGESTER = ['--ingester.trace-idle-period=4s', '--ingester.max-block-duration=1s', '--ingester.flush-check-period=100ms', '--storage.blocklist-poll=1s'];
const SERVICE = 'cluster-e2e';
const TRACES_PER_BATCH = 20;
const SPANS_PER_TRACE = 3;

const children: ChildSpanbase[] = [];
let ingesters: ChildSpanbase[];
let queriers: ChildSpanbase[];
let dist: ChildSpanbase;
let frontend: ChildSpanbase;
let compactor: ChildSpanbase;
const sent: Uint8Array[] = [];
const started = Math.floor(Date.now() / 1000) - 60;

async function role(flags: string[], env: Record<string, string> = {}): Promise<ChildSpanbase> {
  const c = await spawnSpanbase(tempDir('sb-cluster-'), [...STORAGE, ...flags], env);
  children.push(c);
  return c;
}

async function sendBatch(): Promise<void> {
  const spans = [];
  for (let t = 0; t < TRACES_PER_BATCH; t++) {
    const first = span({ status: { code: t % 2 === 0 ? 2 : 0, message: '' } });
    sent.push(first.traceId);
    spans.push(first, ...Array.from({ length: SPANS_PER_TRACE - 1 }, () => span({ traceId: first.traceId })));
  }
  const r = await fetch(dist.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans, SERVICE)), headers: { 'content-type': 'application/x-protobuf' } });
  expect(r.status).toBe(200);
}

async function metricsOf(c: ChildSpanbase): Promise<string> {
  return (await fetch(`${c.api}/metrics`)).text();
}

function sum(text: string, re: RegExp): number {
  return [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const memoryBytes = async () => sum((await Promise.all(ingesters.map(metricsOf))).join('\n'), /spanbase_ingester_memory_bytes (\d+)/g);

interface Search {
  traces: { traceID: string; spanSets?: { matched?: number }[] }[];
  metrics: { completedJobs?: number; totalJobs?: number };
}

async function search(api: string, q: string): Promise<Search> {
  const r = await fetch(`${api}/api/search?q=${encodeURIComponent(q)}&limit=1000&spss=10&start=${started}&end=${started + 3600}`);
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as Search;
}

async function spanCount(api: string, q: string): Promise<{ value: number; status?: string; message?: string }> {
  const r = await fetch(`${api}/api/metrics/query?q=${encodeURIComponent(q)}&start=${started}&end=${started + 3600}`);
  expect(r.status, await r.clone().text()).toBe(200);
  const body = (await r.json()) as { series?: { value?: number }[]; status?: string; message?: string };
  return { value: (body.series ?? []).reduce((a, s) => a + (s.value ?? 0), 0), status: body.status, message: body.message };
}

/** Every trace sent is found whole (all its spans, each once) and every span is counted once. */
async function everythingOnce(api: string): Promise<void> {
  const found = await search(api, `{ resource.service.name = "${SERVICE}" }`);
  expect(found.traces.map((t) => t.traceID.padStart(32, '0')).sort()).toEqual(sent.map(bytesToHex).sort());
  for (const id of sent) {
    const r = await fetch(`${api}/api/traces/${bytesToHex(id)}`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { batches: { scopeSpans: { spans: unknown[] }[] }[] };
    expect(body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans))).toHaveLength(SPANS_PER_TRACE);
  }
  expect((await spanCount(api, `{ resource.service.name = "${SERVICE}" } | count_over_time()`)).value).toBe(sent.length * SPANS_PER_TRACE);
  const errors = await search(api, `{ resource.service.name = "${SERVICE}" && status = error }`);
  expect(errors.traces).toHaveLength(sent.length / 2);
}

beforeAll(async () => {
  ingesters = await Promise.all([role(['--target=ingester', ...INGESTER]), role(['--target=ingester', ...INGESTER])]);
  const ingesterList = ingesters.map((i) => i.internal).join(',');
  queriers = await Promise.all([role(['--target=querier', `--querier.ingester-addresses=${ingesterList}`, '--query.workers=1']), role(['--target=querier', `--querier.ingester-addresses=${ingesterList}`, '--query.workers=1'])]);
  [dist, frontend, compactor] = await Promise.all([
    role(['--target=distributor', `--distributor.ingester-addresses=${ingesterList}`]),
    role(['--target=query-frontend', `--query-frontend.querier-addresses=${queriers.map((q) => q.internal).join(',')}`, '--storage.blocklist-poll=500ms']),
    role(['--target=compactor', '--compaction.cycle=1s']),
  ]);
}, 120_000);

afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
});

describe('a cluster of separate processes on S3', () => {
  it('finds what the distributor took while it is in the ingesters\' memory', async () => {
    await sendBatch();
    expect(await memoryBytes()).toBeGreaterThan(0);
    await everythingOnce(frontend.api);
    // Still live: nothing of it was in a block yet.
    expect(await memoryBytes()).toBeGreaterThan(0);
    expect(await metricsOf(frontend)).not.toMatch(/spanbase_blocklist_blocks\{/);
  }, 60_000);

  it('finds it once flushed into blocks in the bucket', async () => {
    await until('the first batch is flushed', async () => (await memoryBytes()) === 0);
    await sendBatch();
    await until('the second batch is flushed', async () => (await memoryBytes()) === 0);
    await everythingOnce(frontend.api);
  }, 90_000);

  it('finds everything once after the compactor merged the blocks', async () => {
    await until('the compactor merged blocks', async () => sum(await metricsOf(compactor), /spanbase_compactor_blocks_compacted_total\{[^}]*\} (\d+)/g) >= 2, 90_000);
    // The frontend's next polls list the merged block in place of its inputs.
    await new Promise((r) => setTimeout(r, 2_000));
    const listed = sum(await metricsOf(frontend), /spanbase_blocklist_blocks\{[^}]*\} (\d+)/g);
    expect(listed).toBeGreaterThan(0);
    await everythingOnce(frontend.api);
    // Both queriers took part.
    for (const q of queriers) expect(sum(await metricsOf(q), /spanbase_querier_jobs_total\{[^}]*\} (\d+)/g)).toBeGreaterThan(0);
  }, 150_000);

  it('answers in full when a querier is killed in the middle of a query (the job runs again elsewhere)', async () => {
    const stuck = await role(['--target=querier', `--querier.ingester-addresses=${ingesters.map((i) => i.internal).join(',')}`, '--query.workers=1'], { SPANBASE_FAULT: 'querier-job' });
    const fe = await role(['--target=query-frontend', `--query-frontend.querier-addresses=${stuck.internal},${queriers[0].internal}`, '--storage.blocklist-poll=500ms']);
    const t0 = Date.now();
    const answer = search(fe.api, `{ resource.service.name = "${SERVICE}" }`);
    await until('the querier holds a job', async () => stuck.output().includes('FAULT querier-job'), 30_000);
    stuck.proc.kill('SIGKILL');
    const r = await answer;
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.traces).toHaveLength(sent.length);
    expect(r.metrics.completedJobs).toBe(r.metrics.totalJobs);
    expect(await metricsOf(fe)).toMatch(/spanbase_query_frontend_retries_total [1-9]/);
  }, 90_000);

  it('marks the answer PARTIAL when the job of a killed querier may not run again', async () => {
    const stuck = await role(['--target=querier', `--querier.ingester-addresses=${ingesters.map((i) => i.internal).join(',')}`, '--query.workers=1'], { SPANBASE_FAULT: 'querier-job' });
    const fe = await role(['--target=query-frontend', `--query-frontend.querier-addresses=${stuck.internal},${queriers[1].internal}`, '--storage.blocklist-poll=500ms', '--query-frontend.max-retries=0']);
    const t0 = Date.now();
    const answer = spanCount(fe.api, `{ resource.service.name = "${SERVICE}" } | count_over_time()`);
    await until('the querier holds a job', async () => stuck.output().includes('FAULT querier-job'), 30_000);
    stuck.proc.kill('SIGKILL');
    const r = await answer;
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.status).toBe('PARTIAL');
    expect(r.message).toMatch(/could not be read and were left out/);
    expect(r.value).toBeLessThanOrEqual(sent.length * SPANS_PER_TRACE);
  }, 90_000);
});
