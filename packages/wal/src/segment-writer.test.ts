// Appends that fail part-way, injected at the file layer (FaultDisk): the failed batch is refused,
// its bytes are rolled back before anything else is written, and every acknowledged record replays.
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { WalWriteFailed } from './errors.ts';
import { FaultDisk } from './fault-disk.ts';
import { decodeSegment } from './record.ts';
import { createSegmentFile } from './segment-file.ts';
import { Wal } from './wal.ts';
import type { WalOptions } from './wal.ts';

const RECORD = 8 + 9 + 1000;

function body(i: number): Uint8Array {
  return new Uint8Array(1000).fill(i & 0xff);
}

async function open(disk: FaultDisk, over: Partial<WalOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-walfault-'));
  const warnings: string[] = [];
  const wal = await Wal.open({ dir, fsync: 'interval', fsyncIntervalMs: 10_000, segmentBytes: 1 << 20, createFile: disk.wrap(createSegmentFile), warn: (m) => warnings.push(m), ...over });
  await wal.replay(() => {});
  return { dir, wal, warnings };
}

/** Appends record `i` and says whether it was acknowledged (a refusal must be WAL_ERR_WRITE, 503). */
async function tryAppend(wal: Wal, i: number): Promise<boolean> {
  try {
    await wal.append('t', body(i), 1000 + i);
    return true;
  } catch (err) {
    expect(isSpanbaseError(err, WalWriteFailed), String(err)).toBe(true);
    expect((err as { statusCode: number }).statusCode).toBe(503);
    return false;
  }
}

/** Record numbers a fresh WAL replays from `dir`, in order. */
async function replayed(dir: string): Promise<number[]> {
  const wal = await Wal.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 20 });
  const got: number[] = [];
  await wal.replay((_ref, r) => got.push(r.receivedAtMs - 1000));
  await wal.close();
  return got;
}

function segments(dir: string): string[] {
  return readdirSync(join(dir, 't')).sort().map((f) => join(dir, 't', f));
}

describe('WAL appends that fail part-way', () => {
  it('rolls back an append that hits ENOSPC mid-write; appends after space is freed replay', async () => {
    const disk = new FaultDisk();
    const { dir, wal, warnings } = await open(disk);
    const acked: number[] = [];
    for (let i = 0; i < 5; i++) if (await tryAppend(wal, i)) acked.push(i);
    disk.free = 500; // the next record fits only half
    expect(await tryAppend(wal, 5)).toBe(false);
    expect(disk.raised.ENOSPC).toBe(1);
    // Rolled back: the segment ends at the last whole record, and the half record's space is back.
    const [seg] = segments(dir);
    expect(statSync(seg).size).toBe(8 + 5 * RECORD);
    expect(disk.free).toBe(500);
    expect(warnings.join('\n')).toMatch(/rolled back/);
    // Still full: refused again, nothing acknowledged.
    expect(await tryAppend(wal, 6)).toBe(false);
    disk.free = Infinity;
    for (let i = 7; i < 12; i++) if (await tryAppend(wal, i)) acked.push(i);
    await wal.close();
    expect(acked).toEqual([0, 1, 2, 3, 4, 7, 8, 9, 10, 11]);
    expect(decodeSegment(readFileSync(seg))).toMatchObject({ skipped: [], validLength: 8 + 10 * RECORD });
    expect(await replayed(dir)).toEqual(acked);
  });

  it('writes appends queued behind a failed batch at the rolled-back offset, never behind torn bytes', async () => {
    const disk = new FaultDisk();
    const { dir, wal } = await open(disk);
    // Record 0 is being written while 20 more queue up as one batch, which runs out of space in
    // its middle. As it fails, space is freed and 20 more appends queue behind it.
    disk.free = 8.5 * RECORD;
    const behind: Promise<boolean>[] = [];
    disk.onFault = () => {
      disk.free = Infinity;
      for (let i = 0; i < 20; i++) behind.push(tryAppend(wal, 200 + i));
    };
    const single = tryAppend(wal, 0);
    const failing = Array.from({ length: 20 }, (_, i) => tryAppend(wal, 100 + i));
    expect(await single).toBe(true);
    expect(await Promise.all(failing)).toEqual(Array(20).fill(false));
    expect(behind).toHaveLength(20);
    expect(await Promise.all(behind)).toEqual(Array(20).fill(true));
    await wal.close();
    const [seg] = segments(dir);
    expect(decodeSegment(readFileSync(seg))).toMatchObject({ skipped: [], validLength: 8 + 21 * RECORD });
    expect(statSync(seg).size).toBe(8 + 21 * RECORD);
    expect(await replayed(dir)).toEqual([0, ...Array.from({ length: 20 }, (_, i) => 200 + i)]);
  });

  it('rolls back after EIO part-way, after short writes that then fail, and after a failed fdatasync', async () => {
    const disk = new FaultDisk();
    const { dir, wal } = await open(disk, { fsync: 'always' });
    const acked: number[] = [];
    let i = 0;
    const append = async () => {
      if (await tryAppend(wal, i)) acked.push(i);
      i++;
    };
    // Each fault is followed by a healthy append, which must land right after the last whole record.
    const step = async (fault: () => void) => {
      fault();
      await append();
      disk.shortWrites = false;
      disk.free = Infinity;
      delete disk.failing.write;
      delete disk.failing.datasync;
      await append();
    };
    await append();
    await step(() => void (disk.failing.write = 'EIO'));
    await step(() => void (disk.shortWrites = true)); // short writes alone are not failures
    await step(() => {
      disk.shortWrites = true;
      disk.free = RECORD - 100; // short writes, then out of space
    });
    await step(() => void (disk.failing.datasync = 'EIO'));
    await wal.close();
    expect(acked).toEqual([0, 2, 3, 4, 6, 8]);
    expect(disk.raised).toEqual({ EIO: 2, ENOSPC: 1 });
    expect(decodeSegment(readFileSync(segments(dir)[0]))).toMatchObject({ skipped: [], validLength: 8 + 6 * RECORD });
    expect(await replayed(dir)).toEqual(acked);
  });

  it('seals a segment it cannot roll back, refuses appends until a new segment can be made, then recovers', async () => {
    const disk = new FaultDisk();
    const { dir, wal, warnings } = await open(disk);
    for (let i = 0; i < 3; i++) expect(await tryAppend(wal, i)).toBe(true);
    disk.free = RECORD / 3;
    disk.failing.truncate = 'EIO';
    expect(await tryAppend(wal, 3)).toBe(false);
    expect(warnings.join('\n')).toMatch(/could not be rolled back; sealing/);
    // The disk is still full: a new segment cannot even get its header, so nothing is acknowledged.
    disk.free = 4;
    for (let i = 4; i < 7; i++) expect(await tryAppend(wal, i)).toBe(false);
    // Space again: the next append goes to a fresh segment, not behind the torn bytes.
    disk.free = Infinity;
    delete disk.failing.truncate;
    for (let i = 7; i < 10; i++) expect(await tryAppend(wal, i)).toBe(true);
    await wal.close();
    const files = segments(dir);
    expect(decodeSegment(readFileSync(files[0]))).toMatchObject({ validLength: 8 + 3 * RECORD, problem: expect.stringMatching(/torn record/) });
    // Half-created segments were removed: only the sealed one and the one written after.
    expect(files).toHaveLength(2);
    expect(await replayed(dir)).toEqual([0, 1, 2, 7, 8, 9]);
  });

  it('does not leave a segment behind when its very first append fails', async () => {
    const disk = new FaultDisk();
    disk.free = 100; // room for the header, not the record
    const { dir, wal } = await open(disk);
    expect(await tryAppend(wal, 0)).toBe(false);
    await wal.close();
    await wal.settled();
    expect(readdirSync(join(dir, 't'))).toEqual([]);
  });

  it('refuses appends while segments cannot be created, and recovers', async () => {
    const disk = new FaultDisk();
    disk.failing.create = 'ENOSPC';
    const { dir, wal } = await open(disk);
    expect(await tryAppend(wal, 0)).toBe(false);
    delete disk.failing.create;
    expect(await tryAppend(wal, 1)).toBe(true);
    await wal.close();
    expect(await replayed(dir)).toEqual([1]);
  });
});
