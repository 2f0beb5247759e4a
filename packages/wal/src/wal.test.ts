import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSegment } from './record.ts';
import { Wal } from './wal.ts';
import type { RecordRef, WalOptions } from './wal.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'sb-wal-'));
}

function opts(dir: string, over: Partial<WalOptions> = {}): WalOptions {
  return { dir, fsync: 'interval', fsyncIntervalMs: 20, segmentBytes: 1 << 20, ...over };
}

function body(i: number, size = 100): Uint8Array {
  return new Uint8Array(size).fill(i & 0xff);
}

async function replayAll(dir: string, over: Partial<WalOptions> = {}) {
  const wal = await Wal.open(opts(dir, over));
  const got: { ref: RecordRef; body: Uint8Array; at: number }[] = [];
  const stats = await wal.replay((ref, r) => got.push({ ref, body: r.body.slice(), at: r.receivedAtMs }));
  return { wal, got, stats };
}

describe('Wal', () => {
  it('replays every appended record per tenant, in order', async () => {
    const dir = tmp();
    const wal = await Wal.open(opts(dir, { fsync: 'always' }));
    await wal.replay(() => {});
    await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append(i % 2 ? 'a' : 'b', body(i), 1000 + i)));
    await wal.close();
    const { got, stats } = await replayAll(dir);
    expect(stats.records).toBe(50);
    expect(stats.truncatedBytes).toBe(0);
    const a = got.filter((g) => g.ref.tenant === 'a');
    expect(a).toHaveLength(25);
    expect(a.map((g) => g.body[0])).toEqual(Array.from({ length: 25 }, (_, i) => (2 * i + 1) & 0xff));
    expect(a.map((g) => g.at)).toEqual(Array.from({ length: 25 }, (_, i) => 1000 + 2 * i + 1));
  });

  it('cuts off a torn last record and keeps every whole one', async () => {
    const dir = tmp();
    const wal = await Wal.open(opts(dir));
    await wal.replay(() => {});
    for (let i = 0; i < 10; i++) await wal.append('t', body(i, 1000));
    await wal.close();
    const seg = join(dir, 't', readdirSync(join(dir, 't'))[0]);
    const whole = readFileSync(seg);
    // Append half of a copy of the last record: what a crash mid-write leaves behind.
    const recordBytes = 8 + 9 + 1000;
    const torn = whole.subarray(whole.length - recordBytes, whole.length - 400);
    appendFileSync(seg, torn);
    const { got, stats, wal: w2 } = await replayAll(dir);
    expect(got).toHaveLength(10);
    expect(stats.truncatedBytes).toBe(torn.length);
    expect(statSync(seg).size).toBe(whole.length);
    // Appending after a repaired replay goes to a new segment and replays cleanly.
    await w2.append('t', body(99));
    await w2.close();
    const third = await replayAll(dir);
    expect(third.got.map((g) => g.body[0])).toEqual([...Array.from({ length: 10 }, (_, i) => i), 99]);
    await third.wal.close();
  });

  it('skips a record whose checksum does not match and replays the ones after it', async () => {
    const dir = tmp();
    const wal = await Wal.open(opts(dir));
    await wal.replay(() => {});
    for (let i = 0; i < 5; i++) await wal.append('t', body(i, 64));
    await wal.close();
    const seg = join(dir, 't', readdirSync(join(dir, 't'))[0]);
    const buf = readFileSync(seg);
    const recordBytes = 8 + 9 + 64;
    buf[8 + 3 * recordBytes + 30] ^= 0x01; // flip one bit inside the 4th record's body
    writeFileSync(seg, buf);
    const decoded = decodeSegment(buf);
    expect(decoded.records.map((r) => r.body[0])).toEqual([0, 1, 2, 4]);
    expect(decoded.skipped).toEqual([{ offset: 8 + 3 * recordBytes, bytes: recordBytes, problem: 'checksum mismatch' }]);
    const warnings: string[] = [];
    const { got, stats, wal: w2 } = await replayAll(dir, { warn: (msg) => warnings.push(msg) });
    expect(got.map((g) => g.body[0])).toEqual([0, 1, 2, 4]);
    expect(stats).toMatchObject({ records: 4, skippedBytes: recordBytes, skippedRecords: 1, truncatedBytes: 0 });
    expect(warnings.join('\n')).toMatch(/damaged records; skipped/);
    // The damaged bytes stay (the file is not rewritten); the next start skips them again.
    await w2.close();
    expect(statSync(seg).size).toBe(buf.length);
  });

  it('deletes a segment once every record in it is released', async () => {
    const dir = tmp();
    const wal = await Wal.open(opts(dir, { segmentBytes: 2000 }));
    await wal.replay(() => {});
    const refs: RecordRef[] = [];
    for (let i = 0; i < 10; i++) refs.push(await wal.append('t', body(i, 500)));
    const segments = new Set(refs.map((r) => r.segment));
    expect(segments.size).toBeGreaterThan(2);
    // Release everything but the last record: all segments but the last one go away.
    for (const r of refs.slice(0, -1)) wal.release(r);
    await wal.settled();
    const files = readdirSync(join(dir, 't'));
    expect(files).toHaveLength(1);
    wal.release(refs[refs.length - 1]);
    // The active segment is sealed and deleted too once it holds nothing unreleased.
    for (let i = 0; i < 100 && readdirSync(join(dir, 't')).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await wal.settled();
    }
    expect(readdirSync(join(dir, 't'))).toHaveLength(0);
    await wal.append('t', body(1));
    await wal.close();
    const { got } = await replayAll(dir);
    expect(got).toHaveLength(1);
  });

  it('keeps unreleased records across restarts, and releases replayed ones', async () => {
    const dir = tmp();
    const wal = await Wal.open(opts(dir));
    await wal.replay(() => {});
    for (let i = 0; i < 3; i++) await wal.append('t', body(i));
    await wal.close();
    const first = await replayAll(dir);
    expect(first.got).toHaveLength(3);
    for (const g of first.got) first.wal.release(g.ref);
    await first.wal.settled();
    await first.wal.close();
    const second = await replayAll(dir);
    expect(second.got).toHaveLength(0);
  });

  it('keeps a replayed segment while later records of it are unreleased, even if an earlier one is released at once', async () => {
    const dir = tmp();
    const wal = await Wal.open(opts(dir));
    await wal.replay(() => {});
    for (let i = 0; i < 3; i++) await wal.append('t', body(i));
    await wal.close();
    // The first record is released as soon as it is replayed (an ingester does that for a
    // request without spans); the other two are still only in the WAL.
    const first = await Wal.open(opts(dir));
    await first.replay((ref, r) => {
      if (r.body[0] === 0) first.release(ref);
    });
    await first.settled();
    await first.close();
    // The segment is kept whole (the released record comes back too; replay is at least once).
    const { got } = await replayAll(dir);
    expect(got.map((g) => g.body[0])).toEqual([0, 1, 2]);
  });
});
