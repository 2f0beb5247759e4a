// Flush markers: what a marker says survives its encoding, bitmaps of several markers add up,
// replay skips what blocks that exist hold (and only that), and a segment is never deleted before
// the older segments its markers speak for.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addFlushed, decodeFlushed, encodeFlushed, isFlushed } from './flushed.ts';
import type { FlushedSpans } from './flushed.ts';
import { Wal } from './wal.ts';
import type { RecordRef } from './wal.ts';

const ID = '0b5e5b6a-58c4-4e5a-9a34-2b7c1b3c4d5e';

function bits(n: number, on: number[]): Uint8Array {
  const b = new Uint8Array(Math.ceil(n / 8));
  for (const i of on) b[i >> 3] |= 1 << (i & 7);
  return b;
}

describe('flush markers', () => {
  it('round-trip and add up', () => {
    const m = decodeFlushed(encodeFlushed(ID, [{ segment: 3, offset: 8, spans: 'all' }, { segment: 4, offset: 120, spans: bits(10, [0, 9]), spanCount: 10 }]))!;
    expect(m.blockId).toBe(ID);
    expect(m.entries[0]).toEqual({ segment: 3, offset: 8, spans: 'all' });
    expect(m.entries[1].spanCount).toBe(10);
    const into = new Map<string, FlushedSpans>();
    addFlushed(m, into);
    addFlushed(decodeFlushed(encodeFlushed(ID, [{ segment: 4, offset: 120, spans: bits(10, [3]), spanCount: 10 }]))!, into);
    expect([0, 3, 9].every((i) => isFlushed(into.get('4:120'), i))).toBe(true);
    expect(isFlushed(into.get('4:120'), 1)).toBe(false);
    expect(isFlushed(into.get('3:8'), 7)).toBe(true);
    expect(decodeFlushed(new Uint8Array([40, 1, 2]))).toBeUndefined();
  });

  it('let replay skip what an existing block holds, and hand over the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wal-flushed-'));
    const wal = await Wal.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 20 });
    await wal.replay(() => {});
    const refs: RecordRef[] = [];
    for (let i = 0; i < 4; i++) refs.push(await wal.append('t', new Uint8Array(50).fill(i)));
    await wal.markFlushing('t', ID, [{ segment: refs[0].segment, offset: refs[0].offset, spans: 'all' }, { segment: refs[1].segment, offset: refs[1].offset, spans: bits(5, [1]), spanCount: 5 }]);
    await wal.markFlushing('t', 'never-finished', [{ segment: refs[2].segment, offset: refs[2].offset, spans: 'all' }]);
    await wal.close();

    const replay = async (exists: (id: string) => boolean) => {
      const again = await Wal.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 1 << 20 });
      const got: { first: number; flushed?: FlushedSpans }[] = [];
      const stats = await again.replay((_ref, r, flushed) => got.push({ first: r.body[0], flushed }), { blockExists: async (_t, id) => exists(id) });
      await again.close();
      return { got, stats };
    };
    const withBlock = await replay((id) => id === ID);
    expect(withBlock.got.map((g) => g.first)).toEqual([1, 2, 3]);
    expect(isFlushed(withBlock.got[0].flushed, 1)).toBe(true);
    expect(isFlushed(withBlock.got[0].flushed, 0)).toBe(false);
    expect(withBlock.got[1].flushed).toBeUndefined();
    expect(withBlock.stats.flushedRecords).toBe(1);
    const without = await replay(() => false);
    expect(without.got.map((g) => g.first)).toEqual([0, 1, 2, 3]);
    expect(without.got.every((g) => g.flushed === undefined)).toBe(true);
  });

  it('delete a released segment only after the older ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wal-order-'));
    // One record per segment.
    const wal = await Wal.open({ dir, fsync: 'never', fsyncIntervalMs: 1000, segmentBytes: 10 });
    await wal.replay(() => {});
    const refs: RecordRef[] = [];
    for (let i = 0; i < 3; i++) refs.push(await wal.append('t', new Uint8Array(50).fill(i)));
    const files = () => readdirSync(join(dir, 't')).length;
    expect(files()).toBe(3);
    wal.release(refs[1]);
    wal.release(refs[2]);
    await wal.settled();
    expect(files()).toBe(3);
    wal.release(refs[0]);
    for (let i = 0; i < 100 && files() > 0; i++) {
      await wal.settled();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(files()).toBe(0);
    await wal.close();
  });
});
