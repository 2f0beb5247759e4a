// The README's local S3 recipe, `npm run start:s3`: a local S3 server and Spanbase against it in
// one command. Traces sent, flushed into blocks in the bucket and looked up; then both stopped
// and started again: every trace is still found by id and by search, read from the bucket (the
// restarted WAL holds nothing). With stock s3rver, whose listings leave out tenant prefixes, the
// restarted Spanbase finds no blocks and every lookup is a 404.
import { describe, expect, it } from 'vitest';
import { ack, batch, expectAllOnce, httpLookup, send } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { tempDir } from '../src/harness.ts';
import type { NpmRun } from '../src/npm-run.ts';
import { FREE_PORTS, gone, killRun, npmRun } from '../src/npm-run.ts';

const FAST_FLUSH = ['--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=200ms', '--ingester.flush-check-period=50ms'];

/** Waits until every accepted span is in a block in the bucket and the WAL is empty. */
async function waitForBlocks(run: NpmRun): Promise<void> {
  for (const end = Date.now() + 30_000; ; ) {
    const m = await (await fetch(`${run.api}/metrics`)).text();
    const memory = /spanbase_ingester_memory_bytes (\d+)/.exec(m)?.[1];
    const segments = /spanbase_wal_segments\{tenant="single-tenant"\} (\d+)/.exec(m)?.[1];
    const blocks = Number(/spanbase_blocklist_blocks\{tenant="single-tenant"\} (\d+)/.exec(m)?.[1] ?? 0);
    if (memory === '0' && segments === '0' && blocks > 0) return;
    if (Date.now() > end) throw new Error(`traces did not reach the bucket:\n${m.split('\n').filter((l) => /memory_bytes|blocklist|wal_segments/.test(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(run: NpmRun): Promise<void> {
  run.npm.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  expect(await gone(run.started.pid)).toBe(true);
}

async function searchIds(run: NpmRun): Promise<Set<string>> {
  const r = await fetch(`${run.api}/api/search?${new URLSearchParams({ q: '{ }', limit: '1000' })}`);
  expect(r.status).toBe(200);
  return new Set(((await r.json()) as { traces: { traceID: string }[] }).traces.map((t) => t.traceID));
}

describe('npm run start:s3', () => {
  it('keeps every trace across a restart', { timeout: 180_000 }, async () => {
    const dir = tempDir('sb-local-s3-');
    const args = [`--data-dir=${dir}`, '--local-s3.port=0', ...FREE_PORTS, ...FAST_FLUSH];
    const acked: SentSpans = new Map();
    const first = await npmRun('start:s3', args);
    try {
      expect(first.started.blocks).toMatch(/^s3:\/\/spanbase\/ at http:\/\/127\.0\.0\.1:\d+$/);
      for (let i = 0; i < 10; i++) {
        const { body, spans } = batch(acked, 20);
        expect(await send(first, body)).toBe(200);
        ack(acked, spans);
      }
      await waitForBlocks(first);
      await expectAllOnce(httpLookup(first), acked);
      await stop(first);
    } finally {
      killRun(first);
    }

    const again = await npmRun('start:s3', args);
    try {
      const replayed = JSON.parse(again.output().split('\n').find((l) => l.includes('"msg":"WAL replayed"'))!) as { spans: number };
      expect(replayed.spans, 'the traces must come from the bucket, not the WAL').toBe(0);
      expect(await expectAllOnce(httpLookup(again), acked)).toBeGreaterThanOrEqual(200);
      const found = await searchIds(again);
      for (const id of acked.keys()) expect(found, `search finds ${id}`).toContain(id.replace(/^0+/, ''));
      await stop(again);
    } finally {
      killRun(again);
    }
  });
});
