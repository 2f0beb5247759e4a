// One corrupt byte in a WAL record in the middle of a segment (in its payload, its length or its
// checksum) loses that record only: the restarted binary replays every record after it, says in
// its log and metrics what it skipped, and returns every other acknowledged span exactly once.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '@spanbase/model';
import { decodeSegment } from '@spanbase/wal';
import { describe, expect, it } from 'vitest';
import { ack, batch, expectAllOnce, expectNone, httpLookup, send, spanCount } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';

/** Blocks are not cut during the test: the WAL alone holds the data. */
const FLAGS = ['--ingester.max-block-duration=1h'];
const REQUESTS = 30;
const DAMAGED = 15;
/** Record header (length, checksum) and payload prefix (type, receive time). */
const HEADER = 8;
const PREFIX = 9;

/** Where in a record the byte is flipped, as an offset from the record's start. */
const where: Record<string, (bodyBytes: number) => number> = {
  payload: (bodyBytes) => HEADER + PREFIX + Math.floor(bodyBytes / 2),
  length: () => 2, // the third byte of the length: it now promises 64 KiB more or less
  checksum: () => 5,
};

describe.each(Object.keys(where))('a corrupt byte in the %s of a WAL record mid-segment', (part) => {
  it('loses only that record', async () => {
    const dir = tempDir('sb-wal-corrupt-');
    const sb = await spawnSpanbase(dir, FLAGS);
    const all: SentSpans = new Map();
    const requests: Span[][] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const { body, spans } = batch(all, 40);
      expect(await send(sb, body)).toBe(200);
      ack(all, spans);
      requests.push(spans);
    }
    sb.proc.kill('SIGTERM');
    expect(await sb.exited).toBe(0);

    const tenantDir = join(dir, 'wal', 'single-tenant');
    const files = readdirSync(tenantDir);
    expect(files).toHaveLength(1);
    const path = join(tenantDir, files[0]);
    const buf = readFileSync(path);
    const { records } = decodeSegment(buf);
    expect(records).toHaveLength(REQUESTS);
    const victim = records[DAMAGED];
    const start = victim.body.byteOffset - buf.byteOffset - HEADER - PREFIX;
    const recordBytes = HEADER + PREFIX + victim.body.length;
    buf[start + where[part](victim.body.length)] ^= 0x01;
    writeFileSync(path, buf);

    const again = await spawnSpanbase(dir, FLAGS);
    try {
      expect(again.output()).toMatch(/damaged records; skipped them/);
      const kept: SentSpans = new Map();
      const lost: SentSpans = new Map();
      requests.forEach((spans, i) => ack(i === DAMAGED ? lost : kept, spans));
      expect(await expectAllOnce(httpLookup(again), kept)).toBe((REQUESTS - 1) * 40);
      expect(await expectNone(httpLookup(again), lost)).toBe(40);
      expect(spanCount(kept) + spanCount(lost)).toBe(spanCount(all));
      const metrics = await (await fetch(`${again.api}/metrics`)).text();
      expect(metrics).toMatch(/^spanbase_wal_replay_skipped_records_total 1$/m);
      expect(metrics).toMatch(new RegExp(`^spanbase_wal_replay_skipped_bytes_total ${recordBytes}$`, 'm'));
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  });
});
