import { describe, expect, it } from 'vitest';
import type { BlockMeta } from './meta.ts';
import { compactedMeta, crcHex, parseBlockMeta, rfc3339FromNanos, serializeBlockMeta } from './meta.ts';

const meta: BlockMeta = {
  format: 'sb1', blockID: '0b9c6f2e-8d1a-4c3b-9e7f-123456789abc', tenantID: 'single-tenant',
  startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:00:10.001Z', totalObjects: 3, size: 1000, compactionLevel: 0,
  bloomShards: 1, footerSize: 200, dedicatedColumns: [{ s: 'resource', n: 'team' }, { n: 'tenant.id', t: 'int' }], spanCount: 10, rowGroups: 1,
  checksums: { 'data.parquet': { size: 1000, crc32c: '0badf00d' } }, createdAt: '2026-01-01T00:01:00.000Z',
  startUnixNano: '1767225600000000000', endUnixNano: '1767225610000500000', minTraceID: '0'.repeat(32), maxTraceID: 'f'.repeat(32), bloomFalsePositive: 0.01,
};

describe('meta.json', () => {
  it('round-trips through its serialized form and keeps unknown keys', () => {
    expect(parseBlockMeta(serializeBlockMeta(meta))).toEqual(meta);
    expect(parseBlockMeta({ ...meta, futureKey: 1 })).toMatchObject({ futureKey: 1 });
    expect(parseBlockMeta(compactedMeta(meta, new Date(0))).compactedAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('names the first bad key', () => {
    const bad: [Partial<Record<keyof BlockMeta, unknown>>, RegExp][] = [
      [{ format: '' }, /format/], [{ blockID: 'not-a-uuid' }, /blockID/], [{ blockID: meta.blockID.toUpperCase() }, /blockID/],
      [{ startTime: 'yesterday' }, /startTime/], [{ totalObjects: -1 }, /totalObjects/], [{ size: 1.5 }, /size/],
      [{ startUnixNano: '12a' }, /startUnixNano/], [{ startUnixNano: '2', endUnixNano: '1' }, /after/], [{ minTraceID: 'ab' }, /minTraceID/],
      [{ minTraceID: 'f'.repeat(32), maxTraceID: '0'.repeat(32) }, /above/], [{ bloomFalsePositive: 1 }, /bloomFalsePositive/],
      [{ dedicatedColumns: [{ n: 'x', t: 'float' }] }, /dedicated/], [{ checksums: { x: { size: 1, crc32c: 'XYZ' } } }, /checksum entry for x/],
      [{ compactedAt: 'later' }, /compactedAt/],
    ];
    for (const [patch, re] of bad) expect(() => parseBlockMeta({ ...meta, ...patch }), JSON.stringify(patch)).toThrow(re);
    expect(() => parseBlockMeta('{not json')).toThrow(/not JSON/);
    expect(() => parseBlockMeta([])).toThrow(/object/);
  });

  it('rounds times outward to the millisecond', () => {
    expect(rfc3339FromNanos(1_767_225_600_000_000_001n)).toBe('2026-01-01T00:00:00.000Z');
    expect(rfc3339FromNanos(1_767_225_600_000_000_001n, true)).toBe('2026-01-01T00:00:00.001Z');
    expect(rfc3339FromNanos(1_767_225_600_001_000_000n, true)).toBe('2026-01-01T00:00:00.001Z');
    expect(crcHex(0xe3069283)).toBe('e3069283');
    expect(crcHex(5)).toBe('00000005');
  });
});
