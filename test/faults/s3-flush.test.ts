// Fault suite, S3: head blocks flushed while the object store fails. Spanbase runs in this process
// on s3rver with the fault-injecting store turned on for every store it builds (the block writer's
// thread included) through SPANBASE_STORE_FAULTS. While block writes fail, nothing acknowledged
// is let go (memory and WAL keep it, queries still find it), flushes back off instead of asking
// the store every tick, and once the store heals every acknowledged span is in the blocks exactly
// once, also when a write took effect although its reply was lost.
import { afterAll, describe, expect, it } from 'vitest';
import { FAULTS_ENV } from '@spanbase/backend';
import type { FaultKind, FaultRule } from '@spanbase/backend';
import { ack, batch, expectAllOnce, httpLookup, send, spanCount } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { FAST_FLUSH } from '../src/flush.ts';
import { spawnSpanbase, startTestSpanbase, tempDir } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { FaultSwitch, asFlags, countedSpans, metric, s3Storage, waitFor } from '../src/store-faults.ts';

const faults = new FaultSwitch();
process.env[FAULTS_ENV] = faults.file;
afterAll(() => faults.heal());

async function start(): Promise<TestSpanbase> {
  return startTestSpanbase({ ...s3Storage(), ...FAST_FLUSH, 'query.workers': 1, 'storage.blocklist-poll': 500 });
}

/** Sends `n` acknowledged requests of 20 spans. */
async function ingest(sb: Pick<TestSpanbase, 'otlpHttp'>, acked: SentSpans, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const b = batch(acked, 20);
    expect(await send(sb, b.body)).toBe(200);
    ack(acked, b.spans);
  }
}

const flushed = (sb: TestSpanbase) => async () => (await metric(sb.api, 'spanbase_ingester_memory_bytes')) === 0 && (await metric(sb.api, 'spanbase_blocklist_blocks')) > 0;

describe('flush on a failing S3 store', () => {
  const kinds: [FaultKind, Partial<FaultRule>][] = [
    ['server-error', { status: 503 }],
    ['timeout', { delayMs: 100 }],
    ['reset', {}],
    ['lost-reply', {}],
    ['slow', { delayMs: 300 }],
  ];
  for (const [fault, extra] of kinds) {
    it(`every put: ${fault}; nothing acknowledged is let go, and after healing each span is stored once`, async () => {
      faults.set([{ fault, ops: ['put'], ...extra }]);
      const sb = await start();
      try {
        const acked: SentSpans = new Map();
        await ingest(sb, acked, 10);
        if (fault === 'slow') {
          await waitFor('the slow flush', flushed(sb));
        } else {
          await waitFor('a failed flush', async () => (await metric(sb.api, 'spanbase_ingester_flush_failures_total')) >= 1);
          // The failed writes count as failed requests of this process's store.
          expect(await metric(sb.api, 'spanbase_store_requests_total', 'op="put"', 'outcome="error"')).toBeGreaterThan(0);
          expect(await metric(sb.api, 'spanbase_ingester_memory_bytes')).toBeGreaterThan(0);
          expect(await metric(sb.api, 'spanbase_wal_bytes')).toBeGreaterThan(0);
          // Still answered from memory while the store is down.
          expect(await expectAllOnce(httpLookup(sb), acked)).toBe(spanCount(acked));
          await ingest(sb, acked, 5);
          faults.heal();
          await waitFor('the flush after healing', flushed(sb), 90_000);
        }
        expect(await expectAllOnce(httpLookup(sb), acked)).toBe(spanCount(acked));
        expect(await countedSpans(sb.api)).toBe(spanCount(acked));
      } finally {
        faults.heal();
        await sb.stop();
      }
    }, 120_000);
  }

  it('a meta.json stored although every attempt saw an error is kept, not written a second time', async () => {
    // Every retry of the first meta.json is stored and its reply lost; later ones go through.
    faults.set([{ fault: 'lost-reply', ops: ['put'], key: '/meta\\.json$', times: 5 }]);
    const sb = await start();
    try {
      const acked: SentSpans = new Map();
      await ingest(sb, acked, 10);
      await waitFor('the flush', flushed(sb));
      expect(await metric(sb.api, 'spanbase_store_requests_total', 'op="put"', 'outcome="error"')).toBe(5);
      expect(await metric(sb.api, 'spanbase_ingester_flush_failures_total')).toBe(0);
      expect(await countedSpans(sb.api)).toBe(spanCount(acked));
      expect(await expectAllOnce(httpLookup(sb), acked)).toBe(spanCount(acked));
    } finally {
      faults.heal();
      await sb.stop();
    }
  });

  it('backs off between failed flushes instead of asking the store every tick', async () => {
    // Refused at once (a 403 is not retried), so only the ingester's own backoff spaces attempts.
    faults.set([{ fault: 'server-error', ops: ['put'], key: '/data\\.parquet$', status: 403 }]);
    const sb = await start();
    try {
      const acked: SentSpans = new Map();
      await ingest(sb, acked, 5);
      await waitFor('a failed flush', async () => (await metric(sb.api, 'spanbase_ingester_flush_failures_total')) >= 1);
      const before = await metric(sb.api, 'spanbase_store_requests_total', 'op="put"', 'outcome="error"');
      await new Promise((r) => setTimeout(r, 4000));
      const tries = (await metric(sb.api, 'spanbase_store_requests_total', 'op="put"', 'outcome="error"')) - before;
      // Waits of 1 s, 2 s, 4 s (± 25%): at most 3 more attempts in 4 s; a 50 ms tick would make 80.
      expect(tries).toBeGreaterThanOrEqual(1);
      expect(tries).toBeLessThanOrEqual(3);
      faults.heal();
      await waitFor('the flush after healing', flushed(sb), 30_000);
      expect(await expectAllOnce(httpLookup(sb), acked)).toBe(spanCount(acked));
    } finally {
      faults.heal();
      await sb.stop();
    }
  });
});

describe('WAL replay when the store cannot say which blocks exist', () => {
  it('replays the spans of a block it cannot confirm, never skips them', async () => {
    const dir = tempDir('sb-s3-replay-');
    const flags = [...asFlags(s3Storage()), '--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=200ms', '--ingester.flush-check-period=50ms'];
    // The first block is written whole, then the process is killed before its WAL records are released.
    faults.heal();
    const sb = await spawnSpanbase(dir, flags, { SPANBASE_FAULT: 'flush-after-meta', [FAULTS_ENV]: '' });
    const acked: SentSpans = new Map();
    await ingest(sb, acked, 5);
    await waitFor('the block write', async () => sb.output().includes('FAULT flush-after-meta'));
    await ingest(sb, acked, 3);
    sb.proc.kill('SIGKILL');
    await sb.exited;

    // Every existence check fails: the WAL must replay the block's spans.
    faults.set([{ fault: 'server-error', ops: ['head'], status: 503 }]);
    const again = await spawnSpanbase(dir, flags, faults.env());
    try {
      expect(again.output()).toContain('could not ask the object store whether a flushed block exists; replaying its spans');
      expect(await expectAllOnce(httpLookup(again), acked)).toBe(spanCount(acked));
      faults.heal();
      await waitFor('the flush after replay', async () => (await metric(again.api, 'spanbase_ingester_memory_bytes')) === 0, 60_000);
      expect(await expectAllOnce(httpLookup(again), acked)).toBe(spanCount(acked));
      // The first block's spans were written again (compaction merges the copies later).
      expect(await countedSpans(again.api)).toBeGreaterThan(spanCount(acked));
    } finally {
      faults.heal();
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  }, 120_000);
});
