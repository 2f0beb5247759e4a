// Fault suite, S3: queries while the object store fails to return blocks. Spanbase runs in this
// process on s3rver, its blocks read by query worker threads with their own stores; the faults
// reach every one of them through SPANBASE_STORE_FAULTS. For each fault on block reads, every
// query kind answers in bounded time and never with a 500: trace by id (v2) and metrics say
// PARTIAL with a message naming what could not be read, trace by id (v1) is a 404 that says so,
// search and tags answer from what could be read (as documented). Slow reads answer in full.
// A block-list poll that fails keeps every block queryable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS_ENV } from '@spanbase/backend';
import type { FaultKind, FaultRule } from '@spanbase/backend';
import { ack, batch, send, spanCount } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { FAST_FLUSH } from '../src/flush.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import type { Config } from '@spanbase/config';
import { FaultSwitch, metric, s3Storage, waitFor } from '../src/store-faults.ts';

const faults = new FaultSwitch();
process.env[FAULTS_ENV] = faults.file;
afterAll(() => faults.heal());

const QUERY_TIMEOUT_MS = 20_000;
const storage = s3Storage();
const acked: SentSpans = new Map();
const enc = encodeURIComponent;
/** Objects of blocks, not their metas (read once when the block list is polled). */
const BLOCK_DATA = '/[0-9a-f-]{36}/(?!meta)';

function start(over: Partial<Config> = {}): Promise<TestSpanbase> {
  return startTestSpanbase({ ...storage, ...FAST_FLUSH, 'query.workers': 1, 'query.timeout': QUERY_TIMEOUT_MS, 'storage.blocklist-poll': 3_600_000, ...over });
}

beforeAll(async () => {
  faults.heal();
  const sb = await start();
  try {
    for (let i = 0; i < 20; i++) {
      const b = batch(acked, 25);
      expect(await send(sb, b.body)).toBe(200);
      ack(acked, b.spans);
    }
    await waitFor('the flush', async () => (await metric(sb.api, 'spanbase_ingester_memory_bytes')) === 0 && (await metric(sb.api, 'spanbase_blocklist_blocks')) > 0);
  } finally {
    await sb.stop();
  }
}, 60_000);

/** GET with a deadline past the query timeout: a hang fails the test instead of stalling it. */
async function get(sb: TestSpanbase, path: string): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${sb.api}${path}`, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS + 5000) });
  const text = await r.text();
  const ms = performance.now() - t0;
  expect(r.status, `${path}: ${text}`).not.toBe(500);
  expect(ms).toBeLessThan(QUERY_TIMEOUT_MS);
  return { status: r.status, text, ms };
}

const range = () => {
  const end = Math.ceil(Date.now() / 1000) + 60;
  return `start=${end - 3600}&end=${end}`;
};

/** Every query kind; `broken` says whether block reads fail (else they are only slow). */
async function queryAll(sb: TestSpanbase, broken: boolean): Promise<void> {
  const ids = [...acked.keys()].slice(0, 2);
  for (const id of ids) {
    const v2 = await get(sb, `/api/v2/traces/${id}`);
    expect(v2.status).toBe(200);
    const body = JSON.parse(v2.text) as { status?: string; message?: string; trace: { resourceSpans?: unknown[] } };
    if (broken) {
      expect(body.status).toBe('PARTIAL');
      expect(body.message).toMatch(/some blocks could not be read/);
    } else {
      expect(body.status).toBeUndefined();
      expect(body.trace.resourceSpans?.length).toBeGreaterThan(0);
    }
    const v1 = await get(sb, `/api/traces/${id}`);
    if (broken) {
      expect(v1.status).toBe(404);
      expect(v1.text).toMatch(/could not be read.*try again/);
    } else {
      expect(v1.status).toBe(200);
    }
  }

  const search = await get(sb, `/api/search?q=${enc('{}')}&limit=1000&${range()}`);
  expect(search.status).toBe(200);
  const found = (JSON.parse(search.text) as { traces: unknown[] }).traces.length;
  // Documented: a search answers from the sources it could read.
  expect(found).toBe(broken ? 0 : acked.size);

  const metrics = await get(sb, `/api/metrics/query_range?q=${enc('{} | count_over_time()')}&${range()}&step=3600s`);
  expect(metrics.status).toBe(200);
  const m = JSON.parse(metrics.text) as { status?: string; message?: string; series?: { samples?: { value?: number }[] }[] };
  const counted = (m.series ?? []).flatMap((s) => s.samples ?? []).reduce((n, s) => n + (s.value ?? 0), 0);
  if (broken) {
    expect(m.status).toBe('PARTIAL');
    expect(m.message).toMatch(/could not be read and were left out/);
  } else {
    expect(m.status).toBeUndefined();
    expect(counted).toBe(spanCount(acked));
  }

  const tags = await get(sb, `/api/v2/search/tags?${range()}`);
  expect(tags.status).toBe(200);
  const values = await get(sb, `/api/v2/search/tag/resource.service.name/values?${range()}`);
  expect(values.status).toBe(200);
  if (!broken) expect(values.text).toContain('svc');
}

describe('queries on a failing S3 store', { timeout: 180_000 }, () => {
  const kinds: [FaultKind, Partial<FaultRule>][] = [
    ['server-error', { status: 503 }],
    ['timeout', { delayMs: 100 }],
    ['reset', {}],
    ['short-read', {}],
    ['lost-reply', {}],
  ];
  for (const [fault, extra] of kinds) {
    it(`block reads fail (${fault}): PARTIAL with a message, or the documented answer; never a 500 or a hang`, async () => {
      const sb = await start();
      try {
        faults.set([{ fault, ops: ['get', 'getRange', 'head'], key: BLOCK_DATA, ...extra }]);
        await queryAll(sb, true);
        expect(await metric(sb.api, 'spanbase_querier_source_failures_total')).toBeGreaterThan(0);
        faults.heal();
        // Nothing is remembered of the failure: once the store answers, the answers are whole.
        await queryAll(sb, false);
      } finally {
        faults.heal();
        await sb.stop();
      }
    });
  }

  it('slow block reads: whole answers, only later', async () => {
    const sb = await start();
    try {
      faults.set([{ fault: 'slow', ops: ['get', 'getRange', 'head'], key: BLOCK_DATA, delayMs: 150 }]);
      await queryAll(sb, false);
    } finally {
      faults.heal();
      await sb.stop();
    }
  });

  it('a block-list poll that fails keeps every block queryable', async () => {
    const sb = await start({ 'storage.blocklist-poll': 300 });
    try {
      const blocks = await metric(sb.api, 'spanbase_blocklist_blocks');
      faults.set([{ fault: 'server-error', ops: ['list'], status: 503 }]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await metric(sb.api, 'spanbase_store_requests_total', 'op="list"', 'outcome="error"')).toBeGreaterThan(0);
      expect(await metric(sb.api, 'spanbase_blocklist_blocks')).toBe(blocks);
      await queryAll(sb, false);
    } finally {
      faults.heal();
      await sb.stop();
    }
  });
});
