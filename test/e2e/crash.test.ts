// Acceptance (#2): the binary is killed with SIGKILL in the middle of a stream of acknowledged
// batches, restarted on the same data directory, and every acknowledged span comes back exactly
// once. Then a WAL whose last record is torn in half: the process starts and keeps every whole
// record.
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ack, batch, expectAllOnce as expectAllOnceBy, httpLookup, send } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';

async function expectAllOnce(sb: ChildSpanbase, traces: SentSpans): Promise<void> {
  await expectAllOnceBy(httpLookup(sb), traces);
}

describe('crash safety', () => {
  it('keeps every acknowledged span across SIGKILL, exactly once', async () => {
    const dir = tempDir('sb-crash-');
    const sb = await spawnSpanbase(dir, ['--wal.fsync=interval']);
    const acked: SentSpans = new Map();
    for (let i = 0; i < 30; i++) {
      const { body, spans } = batch(acked, 40);
      if ((await send(sb, body)) === 200) ack(acked, spans);
    }
    // A burst of concurrent requests; kill the process while they are in flight.
    const inflight = Array.from({ length: 20 }, () => batch(acked, 40)).map(async ({ body, spans }) => {
      if ((await send(sb, body)) === 200) ack(acked, spans);
    });
    await new Promise((r) => setTimeout(r, 5));
    sb.proc.kill('SIGKILL');
    await Promise.all(inflight);
    await sb.exited;
    expect(acked.size).toBeGreaterThan(100);

    const again = await spawnSpanbase(dir);
    try {
      await expectAllOnce(again, acked);
      // And the restarted process keeps accepting.
      const { body, spans } = batch(acked, 10);
      expect(await send(again, body)).toBe(200);
      ack(acked, spans);
      await expectAllOnce(again, acked);
    } finally {
      again.proc.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    }
  });

  it('starts with a torn last WAL record and keeps every whole one', async () => {
    const dir = tempDir('sb-torn-');
    const sb = await spawnSpanbase(dir);
    const acked: SentSpans = new Map();
    for (let i = 0; i < 10; i++) {
      const { body, spans } = batch(acked, 20);
      expect(await send(sb, body)).toBe(200);
      ack(acked, spans);
    }
    sb.proc.kill('SIGKILL');
    await sb.exited;
    const tenantDir = join(dir, 'wal', 'single-tenant');
    const segments = readdirSync(tenantDir).sort();
    const last = join(tenantDir, segments[segments.length - 1]);
    const bytes = readFileSync(last);
    // Half of a record: a length that promises more than the file holds.
    appendFileSync(last, bytes.subarray(8, 8 + Math.floor((bytes.length - 8) / 20)));
    const again = await spawnSpanbase(dir);
    try {
      expect(again.output()).toMatch(/torn or corrupt tail/);
      await expectAllOnce(again, acked);
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  });
});
