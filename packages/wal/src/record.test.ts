import { describe, expect, it } from 'vitest';
import { WalUnknownFormat } from './errors.ts';
import { RecordType, SEGMENT_MAGIC, decodeSegment, encodeRecordHeader } from './record.ts';

/** A segment of `n` records; record i has a body of `size(i)` bytes filled with i. */
function segment(n: number, size: (i: number) => number = () => 100): { buf: Buffer; starts: number[] } {
  const parts: Uint8Array[] = [SEGMENT_MAGIC];
  const starts: number[] = [];
  let off = SEGMENT_MAGIC.length;
  for (let i = 0; i < n; i++) {
    const body = new Uint8Array(size(i)).fill(i & 0xff);
    // Bodies with a little structure, like protobuf: small varints and zero runs.
    for (let j = 0; j < body.length; j += 7) body[j] = j & 0x7f;
    const head = encodeRecordHeader(RecordType.OTLP_TRACES, 1_700_000_000_000 + i, body);
    starts.push(off);
    parts.push(head, body);
    off += head.length + body.length;
  }
  return { buf: Buffer.concat(parts), starts };
}

/** Indices of the records decoded (read from their receive times). */
function indices(buf: Uint8Array): number[] {
  return decodeSegment(buf).records.map((r) => r.receivedAtMs - 1_700_000_000_000);
}

/** A seeded generator, so a failing case can be rerun. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('decodeSegment', () => {
  it('reads every record of an undamaged segment', () => {
    const { buf } = segment(20);
    const d = decodeSegment(buf);
    expect(indices(buf)).toEqual(all(20));
    expect(d).toMatchObject({ validLength: buf.length, skipped: [] });
    expect(d.problem).toBeUndefined();
  });

  it('stores receive times as whole milliseconds, which replay recognises', () => {
    const body = new Uint8Array(10);
    const buf = Buffer.concat([SEGMENT_MAGIC, encodeRecordHeader(RecordType.OTLP_TRACES, 1234.7, body), body, encodeRecordHeader(RecordType.OTLP_TRACES, -5, body), body]);
    expect(decodeSegment(buf).records.map((r) => r.receivedAtMs)).toEqual([1234, 0]);
  });

  it('loses only the damaged record when one byte anywhere in the middle of a segment is flipped', () => {
    const n = 40;
    const { buf, starts } = segment(n, (i) => 20 + ((i * 37) % 300));
    const next = rng(7);
    const lastStart = starts[n - 1];
    for (let trial = 0; trial < 400; trial++) {
      const copy = Buffer.from(buf);
      // Every part of a record: length, checksum, type, receive time, body.
      const at = SEGMENT_MAGIC.length + Math.floor(next() * (lastStart - SEGMENT_MAGIC.length));
      copy[at] ^= 1 << Math.floor(next() * 8);
      const hit = starts.findLastIndex((s) => s <= at);
      const d = decodeSegment(copy);
      expect(indices(copy), `byte ${at} (record ${hit})`).toEqual(all(n).filter((i) => i !== hit));
      expect(d.skipped, `byte ${at}`).toHaveLength(1);
      expect(d.skipped[0].offset).toBe(starts[hit]);
      expect(d.validLength).toBe(copy.length);
    }
  });

  it('resynchronises when a length field is damaged', () => {
    const { buf, starts } = segment(10);
    // Length 0xffffff.. is impossible; 0x10000 promises more than the rest: both need a scan.
    for (const value of [0xffffffff, 0x10000, 50]) {
      const copy = Buffer.from(buf);
      copy.writeUInt32LE(value, starts[4]);
      const d = decodeSegment(copy);
      expect(indices(copy), `length ${value}`).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
      expect(d.skipped).toEqual([{ offset: starts[4], bytes: starts[5] - starts[4], problem: expect.any(String) }]);
    }
  });

  it('skips several damaged stretches and still cuts a torn tail', () => {
    const { buf, starts } = segment(12);
    const copy = Buffer.from(buf.subarray(0, buf.length - 30)); // the last record is torn
    copy[starts[2] + 40] ^= 0xff;
    copy.fill(0, starts[6], starts[8] + 5); // a zeroed stretch over two records and a bit
    const d = decodeSegment(copy);
    expect(indices(copy)).toEqual([0, 1, 3, 4, 5, 9, 10]);
    expect(d.skipped.map((s) => s.offset)).toEqual([starts[2], starts[6]]);
    expect(d.validLength).toBe(starts[11]);
    expect(d.problem).toMatch(/^torn record/);
  });

  it('treats a damaged last record as a tail to cut off', () => {
    const { buf, starts } = segment(5);
    const copy = Buffer.from(buf);
    copy[starts[4] + 30] ^= 1;
    const d = decodeSegment(copy);
    expect(indices(copy)).toEqual([0, 1, 2, 3]);
    expect(d).toMatchObject({ validLength: starts[4], skipped: [] });
    expect(d.problem).toMatch(/checksum mismatch/);
  });

  it('keeps the records after a damaged segment header', () => {
    const { buf } = segment(5);
    for (const magic of ['SBWAL0\x001', 'XXXXXXXX', 'SBWAL003']) {
      const copy = Buffer.from(buf);
      copy.write(magic, 0, 'latin1');
      const d = decodeSegment(copy);
      expect(indices(copy), magic).toEqual(all(5));
      expect(d.skipped).toEqual([{ offset: 0, bytes: 8, problem: 'bad segment header' }]);
    }
  });

  it('refuses a segment of a newer format instead of treating it as damage', () => {
    const copy = Buffer.concat([Buffer.from('SBWAL002', 'latin1'), Buffer.alloc(100, 7)]);
    expect(() => decodeSegment(copy)).toThrow(expect.objectContaining({ code: WalUnknownFormat.code, statusCode: 500 }));
    // Damage with nothing whole after it is still only damage.
    expect(decodeSegment(Buffer.concat([Buffer.from('XXXXXXXX', 'latin1'), Buffer.alloc(100, 7)]))).toMatchObject({ validLength: 0, records: [] });
  });

  it('scans megabytes of garbage in linear time', () => {
    const next = rng(3);
    const garbage = Buffer.alloc(8 << 20);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (next() * 256) | 0;
    const { buf } = segment(3);
    const damaged = Buffer.concat([buf.subarray(0, 8), garbage, buf.subarray(8)]);
    const t0 = performance.now();
    const d = decodeSegment(damaged);
    const ms = performance.now() - t0;
    expect(indices(damaged)).toEqual(all(3));
    expect(d.skipped).toEqual([{ offset: 8, bytes: garbage.length, problem: expect.any(String) }]);
    // About 8M offsets with a few comparisons each; quadratic checksum work would take minutes.
    expect(ms).toBeLessThan(5000);
  });
});
