import { describe, expect, it } from 'vitest';
import { parseDurationText } from './duration.ts';
import { formatDuration, staticFromAnyValue } from './static.ts';
import { av } from '@spanbase/model';

describe('durations', () => {
  it('formats every value so that it parses back', () => {
    let x = 12345n;
    for (let i = 0; i < 2000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % (1n << 62n);
      const ns = x >> BigInt(i % 60);
      expect(parseDurationText(formatDuration(ns))).toBe(ns);
    }
  });

  it.each<[bigint, string]>([
    [0n, '0s'],
    [7n, '7ns'],
    [1_500n, '1.5us'],
    [250_000_000n, '250ms'],
    [1_500_000_000n, '1.5s'],
    [5_400_000_000_000n, '1h30m'],
    [90_061_500_000_000n, '25h1m1.5s'],
  ])('formats %s as %s', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });

  it('rejects what is not a duration or overflows', () => {
    expect(parseDurationText('1.5d')).toBeUndefined();
    expect(parseDurationText('1x')).toBeUndefined();
    expect(parseDurationText('9999999999h')).toBeUndefined();
    expect(parseDurationText('1d12h')).toBe(129_600_000_000_000n);
  });
});

describe('attribute values', () => {
  it('converts OTLP values, keeping types and dropping what is not queryable', () => {
    expect(staticFromAnyValue(av.int(3))).toEqual({ type: 'int', value: 3n });
    expect(staticFromAnyValue(av.double(1.5))).toEqual({ type: 'float', value: 1.5 });
    expect(staticFromAnyValue(av.array([av.string('a'), av.bytes(new Uint8Array(1)), av.bool(true)]))).toEqual({
      type: 'array',
      value: [{ type: 'string', value: 'a' }, { type: 'bool', value: true }],
    });
    expect(staticFromAnyValue(av.kvlist([]))).toEqual({ type: 'nil' });
  });
});
