// Fault suite, S3: ingest under load while the object store misbehaves, the real binary on s3rver
// with fast block cuts and compaction every second. First a share of all store requests fails at
// random (5xx, timeouts, resets, cut bodies, lost replies, slow answers), then the store is down
// for every write, then the process is SIGKILLed and restarts on the still-flaky store (its WAL
// replay may not learn which blocks exist), and ingest goes on. The client behaves as an OTLP
// exporter: what was not acknowledged is sent again. Once the store heals, every acknowledged span
// is found by trace id exactly once, and after compaction count_over_time counts each span once.
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '@spanbase/backend';
import { ack, batch, expectAllOnce, httpLookup, send, spanCount } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { FaultSwitch, asFlags, countedSpans, metric, s3Storage } from '../src/store-faults.ts';

const FLAGS = [
  '--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=300ms', '--ingester.flush-check-period=50ms',
  '--wal.segment-bytes=16KiB', '--storage.blocklist-poll=1s', '--compaction.cycle=1s', '--query.workers=1',
  // Copies of a span are merged within a window: a day-long one keeps a run that crosses an hour
  // boundary from leaving a copy in each of two windows.
  '--compaction.window=24h',
  // Copies left in blocks of different levels meet once the window is quiet this long.
  '--compaction.settle-period=3s',
];

/** About one store request in five fails or is slow, of every kind. */
const FLAKY: FaultRule[] = [
  { fault: 'server-error', status: 503, rate: 0.05 },
  { fault: 'timeout', delayMs: 50, rate: 0.04 },
  { fault: 'reset', rate: 0.04 },
  { fault: 'short-read', rate: 0.03 },
  { fault: 'lost-reply', rate: 0.04 },
  { fault: 'slow', delayMs: 100, rate: 0.03 },
];
/** Every write and existence check fails: the store is down for writes. */
const DOWN: FaultRule[] = [{ fault: 'server-error', ops: ['put', 'delete', 'head'], status: 503 }];

type Request = { body: Uint8Array; spans: Parameters<typeof ack>[1] };

describe('ingest while the S3 store fails', () => {
  it('loses no acknowledged span and, once healed and compacted, counts each once', async () => {
    const dir = tempDir('sb-s3-ingest-');
    const faults = new FaultSwitch();
    const flags = [...asFlags(s3Storage()), ...FLAGS];
    const acked: SentSpans = new Map();
    let unacked: Request[] = [];

    /** Sends load for `ms` (about 30 requests a second); those not acknowledged are kept to send again. */
    const load = async (sb: ChildSpanbase, ms: number, stop?: Promise<void>) => {
      let done = false;
      void stop?.then(() => (done = true));
      const until = Date.now() + ms;
      const worker = async () => {
        while (!done && Date.now() < until) {
          const b = batch(acked, 10);
          const status = await send(sb, b.body);
          if (status === 200) ack(acked, b.spans);
          else unacked.push(b);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await Promise.all(Array.from({ length: 3 }, worker));
    };
    const resend = async (sb: ChildSpanbase) => {
      const again = unacked;
      unacked = [];
      for (const r of again) {
        if ((await send(sb, r.body)) === 200) ack(acked, r.spans);
        else unacked.push(r);
      }
    };

    faults.set(FLAKY);
    // The process that is killed does not compact: the window lease a killed compactor holds
    // keeps its window from being merged until the lease expires (5 minutes). Compaction under
    // faults runs after the restart.
    const first = await spawnSpanbase(dir, [...flags, '--compaction.min-input-blocks=100000', '--compaction.max-input-blocks=100000'], faults.env());
    await load(first, 5000);
    faults.set(DOWN);
    await load(first, 3000);
    expect(await metric(first.api, 'spanbase_ingester_flush_failures_total')).toBeGreaterThan(0);
    faults.set(FLAKY);
    // Killed in the middle of load (and of whatever flush or compaction is under way).
    const killed = new Promise<void>((r) => setTimeout(r, 2000 + Math.random() * 1000)).then(() => void first.proc.kill('SIGKILL'));
    await load(first, 10_000, killed);
    await first.exited;

    faults.set([...DOWN.map((r) => ({ ...r, ops: ['head' as const] })), ...FLAKY]);
    const sb = await spawnSpanbase(dir, flags, faults.env());
    try {
      faults.set(FLAKY);
      await resend(sb);
      await load(sb, 4000);
      await resend(sb);
      expect(unacked).toEqual([]);
      faults.heal();
      const unique = spanCount(acked);
      expect(unique).toBeGreaterThan(1000);
      // Healed: everything reaches blocks, compaction merges copies; wait until the count is still.
      // Merging takes several cycles of many blocks each; on a loaded machine (the whole suite on
      // two cores) that has taken over two minutes.
      const deadline = Date.now() + 240_000;
      let counted = -1;
      let last = -1;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        const memory = await metric(sb.api, 'spanbase_ingester_memory_bytes');
        const written = await metric(sb.api, 'spanbase_compactor_blocks_written_total');
        counted = await countedSpans(sb.api);
        if (memory === 0 && counted === unique && written === last) break;
        last = written;
      }
      expect(await expectAllOnce(httpLookup(sb), acked)).toBe(unique);
      expect(counted, `spans counted after compaction (blocks written by the compactor: ${last}, in memory: ${await metric(sb.api, 'spanbase_ingester_memory_bytes')} bytes)`).toBe(unique);
    } finally {
      faults.heal();
      sb.proc.kill('SIGTERM');
      await sb.exited;
    }
  }, 420_000);
});
