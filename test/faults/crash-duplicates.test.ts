// Twenty SIGKILLs under load, with blocks cut every few hundred milliseconds and the compactor
// running every second, so kills land in flushes, replays and merges. The client behaves as an
// OpenTelemetry exporter does: a request that was not acknowledged is sent again after the
// restart. Afterwards every acknowledged span is found exactly once by trace id; before the final
// compaction `count_over_time()` counts at most the retried requests' spans twice (spans already
// in blocks, or in a block finished just before a kill, are not replayed from the WAL: flush
// markers), and once the compactor has run over the window it counts each span once.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChildSpanbase } from '../src/harness.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import { ack, batch, expectAllOnce, httpLookup, send, spanCount } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';

const FAST = ['--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=300ms', '--ingester.flush-check-period=50ms', '--wal.segment-bytes=16KiB', '--storage.blocklist-poll=1s'];
/** For the count before compaction: what the WAL replayed shows in it. */
const NO_COMPACTION = [...FAST, '--compaction.min-input-blocks=100000', '--compaction.max-input-blocks=100000'];
/**
 * Compaction every second, so kills also land in merges; a restarted process takes over the
 * window leases its killed predecessor held, and a window quiet for two seconds merges whatever
 * the levels (a retried request's copies can sit in blocks of different levels).
 */
const COMPACTION = [...FAST, '--compaction.cycle=1s', '--compaction.settle-period=2s'];
const CYCLES = 20;
const enc = encodeURIComponent;

async function metric(sb: ChildSpanbase, name: string): Promise<number> {
  const m = await (await fetch(`${sb.api}/metrics`)).text();
  return [...m.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((n, x) => n + Number(x[1]), 0);
}

/** Blocks (live or compacted) of a compaction level above 0 under a local store's root. */
function levelsAbove0(root: string): number {
  let n = 0;
  if (!existsSync(root)) return 0;
  for (const tenant of readdirSync(root)) {
    if (tenant.startsWith('~')) continue;
    for (const block of readdirSync(join(root, tenant))) {
      for (const name of ['meta.json', 'meta.compacted.json']) {
        try {
          if ((JSON.parse(readFileSync(join(root, tenant, block, name), 'utf8')) as { compactionLevel?: number }).compactionLevel! > 0) n++;
        } catch {
          // absent, or a block still being written
        }
      }
    }
  }
  return n;
}

/** Spans counted by a single-sample count_over_time over the last hour. */
async function countedSpans(sb: ChildSpanbase): Promise<number> {
  const end = Math.ceil(Date.now() / 1000) + 60;
  const r = await fetch(`${sb.api}/api/metrics/query_range?q=${enc('{} | count_over_time()')}&start=${end - 3600}&end=${end}&step=3600s`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { series?: { samples?: { value?: number }[] }[] };
  return (body.series ?? []).flatMap((s) => s.samples ?? []).reduce((n, s) => n + (s.value ?? 0), 0);
}

describe('SIGKILL under load, twenty times', () => {
  it('keeps every acknowledged span and, after compaction, counts each once', async () => {
    const dir = tempDir('sb-crash-dups-');
    const acked: SentSpans = new Map();
    // Requests not acknowledged before a kill: sent again after the restart, as exporters do.
    let unacked: { body: Uint8Array; spans: Parameters<typeof ack>[1] }[] = [];
    let retried = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const sb = await spawnSpanbase(dir, COMPACTION);
      const retry = unacked;
      unacked = [];
      for (const r of retry) {
        retried += r.spans.length;
        const status = await send(sb, r.body);
        if (status === 200) ack(acked, r.spans);
        else unacked.push(r);
      }
      let killed = false;
      const worker = async () => {
        while (!killed) {
          const b = batch(acked, 40);
          const status = await send(sb, b.body);
          if (status === 200) ack(acked, b.spans);
          else unacked.push(b);
        }
      };
      const load = Promise.all(Array.from({ length: 4 }, worker));
      // Two runs last long enough for blocks to be written and merged before the kill (under
      // this load and the WAL the runs before left, a first block takes seconds).
      await new Promise((r) => setTimeout(r, 2000 + Math.random() * 2500 + (cycle % 7 === 6 ? 15_000 : 0)));
      killed = true;
      sb.proc.kill('SIGKILL');
      await load;
      await sb.exited;
    }
    // The compactor did run (and was killed) among the kills: some blocks are merge outputs.
    expect(levelsAbove0(join(dir, 'blocks'))).toBeGreaterThan(0);
    const flushed = await spawnSpanbase(dir, NO_COMPACTION);
    for (const r of unacked) {
      expect(await send(flushed, r.body)).toBe(200);
      retried += r.spans.length;
      ack(acked, r.spans);
    }
    const unique = spanCount(acked);
    expect(unique).toBeGreaterThan(CYCLES * 100);
    try {
      // Before any compaction: spans already in blocks were not replayed, so the only copies are
      // those of retried requests the server had written but not acknowledged.
      for (let i = 0; i < 300 && (await metric(flushed, 'spanbase_ingester_memory_bytes')) !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      const before = await countedSpans(flushed);
      expect(before).toBeGreaterThanOrEqual(unique);
      expect(before - unique).toBeLessThanOrEqual(retried);
    } finally {
      flushed.proc.kill('SIGTERM');
      await flushed.exited;
    }
    const sb = await spawnSpanbase(dir, COMPACTION);
    try {
      // Everything in blocks, and the count right once the compactor wrote nothing new for a second.
      const deadline = Date.now() + 120_000;
      let counted = -1;
      let last = -1;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        const memory = await metric(sb, 'spanbase_ingester_memory_bytes');
        const merged = await metric(sb, 'spanbase_compactor_blocks_written_total');
        counted = await countedSpans(sb);
        if (memory === 0 && counted === unique && merged === last) break;
        last = merged;
      }
      expect(counted).toBe(unique);
      // And by trace id, exactly once, for a sample of the traces (every one would take minutes).
      const sample: SentSpans = new Map([...acked].filter((_, i) => i % Math.max(1, Math.floor(acked.size / 400)) === 0));
      expect(await expectAllOnce(httpLookup(sb), sample)).toBe(spanCount(sample));
    } finally {
      sb.proc.kill('SIGTERM');
      await sb.exited;
    }
  }, 480_000);
});
