import { describe, expect, it } from 'vitest';
import { parseMetricsParams, parseTimestamp } from './metrics-params.ts';

const NOW_MS = 1_700_000_000_123;
const limits = { maxRangeMs: 24 * 3600_000, maxQueryBytes: 1000, now: () => NOW_MS };
const S = 1_000_000_000n;

describe('parseTimestamp', () => {
  it('reads seconds (≤ 10 digits), nanoseconds, fractional seconds and RFC 3339', () => {
    expect(parseTimestamp('start', '1700000000')).toBe(1_700_000_000n * S);
    expect(parseTimestamp('start', '1700000000123456789')).toBe(1_700_000_000_123_456_789n);
    expect(parseTimestamp('start', '1700000000.5')).toBe(1_700_000_000_500_000_000n);
    expect(parseTimestamp('start', '1700000000.1234')).toBe(1_700_000_000_123_000_000n); // to the millisecond, as Tempo
    expect(parseTimestamp('start', '2023-11-14T22:13:20Z')).toBe(1_700_000_000n * S);
    expect(parseTimestamp('start', '2023-11-14T22:13:20.000000123Z')).toBe(1_700_000_000_000_000_123n);
    expect(parseTimestamp('start', '2023-11-15T00:13:20+02:00')).toBe(1_700_000_000n * S);
    expect(() => parseTimestamp('start', 'yesterday')).toThrow(/could not parse 'start'/);
    // 11 to 18 digits as nanoseconds would be 1970 to 2001: a unit mistake, not a range to answer empty.
    expect(() => parseTimestamp('end', '99999999999')).toThrow(/11 digits are neither unix seconds/);
    expect(() => parseTimestamp('end', '1700000000123')).toThrow(/looks like milliseconds/);
    expect(() => parseTimestamp('start', '-5')).toThrow(/before 1970/);
    expect(() => parseTimestamp('start', '-5.5')).toThrow(/could not parse 'start'/);
    expect(parseTimestamp('start', '0')).toBe(0n);
  });
});

describe('parseMetricsParams', () => {
  it('takes q or query (q wins), and defaults to the last hour', () => {
    expect(parseMetricsParams({ query: '{} | rate()' }, limits, false).query).toBe('{} | rate()');
    expect(parseMetricsParams({ query: 'a', q: '{} | rate()' }, limits, false).query).toBe('{} | rate()');
    const p = parseMetricsParams({ q: '{} | rate()' }, limits, false);
    expect(p.end).toBe(BigInt(NOW_MS) * 1_000_000n);
    expect(p.end - p.start).toBe(3600n * S);
    expect(p.step).toBeUndefined();
    expect(p.exemplars).toBe(0);
  });

  it('counts since back from the end (or now, when the end is later)', () => {
    const p = parseMetricsParams({ q: 'x', since: '15m', end: '1690000000' }, limits, false);
    expect(p.start).toBe(1_690_000_000n * S - 900n * S);
    const future = parseMetricsParams({ q: 'x', since: '1h', end: String(Math.floor(NOW_MS / 1000) + 3600) }, limits, false);
    expect(future.start).toBe(BigInt(NOW_MS) * 1_000_000n - 3600n * S);
  });

  it('reads step as seconds or a duration, and exemplars', () => {
    expect(parseMetricsParams({ q: 'x', step: '30s' }, limits, false).step).toBe(30n * S);
    expect(parseMetricsParams({ q: 'x', step: '15' }, limits, false).step).toBe(15n * S);
    expect(parseMetricsParams({ q: 'x', step: '0.5' }, limits, false).step).toBe(S / 2n);
    expect(parseMetricsParams({ q: 'x', step: '1m30s' }, limits, false).step).toBe(90n * S);
    expect(parseMetricsParams({ q: 'x', step: '30s' }, limits, true).step).toBeUndefined();
    expect(parseMetricsParams({ q: 'x', exemplars: '7' }, limits, false).exemplars).toBe(7);
    expect(() => parseMetricsParams({ q: 'x', step: '-5' }, limits, false)).toThrow(/positive/);
    expect(() => parseMetricsParams({ q: 'x', step: 'soon' }, limits, false)).toThrow(/could not parse 'step'/);
  });

  it('answers 400 for a missing query, a backwards or too long range, and an oversized query', () => {
    for (const [q, re] of [
      [{}, /missing q/],
      [{ q: 'x', start: '1700000100', end: '1700000000' }, /end must be greater/],
      [{ q: 'x', start: '1600000000', end: '1700000000' }, /over the limit/],
      [{ q: 'x', start: '0', end: '99999999999' }, /neither unix seconds \(at most 10 digits\) nor unix nanoseconds/],
      [{ q: 'x'.repeat(1001) }, /bytes, over the limit/],
    ] as const) {
      let err: unknown;
      try {
        parseMetricsParams(q as Record<string, string>, limits, false);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ statusCode: 400, message: expect.stringMatching(re) });
    }
  });
});
