import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adjustedCountOf, formatThreshold, keptAt, probabilityOf, randomnessOf, thresholdInTraceState, thresholdOf, withThreshold } from './consistent-sampling.ts';

const id = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('consistent probability sampling', () => {
  it('takes randomness from the last 7 bytes of the trace id, or a valid rv', () => {
    expect(randomnessOf(id('0123456789abcdef00f0e0d0c0b0a090'))).toBe(0xf0e0d0c0b0a090n);
    expect(randomnessOf(id('0123456789abcdef00f0e0d0c0b0a090'), 'ot=rv:00000000000001')).toBe(1n);
    expect(randomnessOf(id('0123456789abcdef00f0e0d0c0b0a090'), 'ot=rv:zz')).toBe(0xf0e0d0c0b0a090n);
  });

  it('encodes thresholds as the specification examples do', () => {
    expect(formatThreshold(thresholdOf(1))).toBe('0');
    expect(formatThreshold(thresholdOf(0.5))).toBe('8');
    expect(formatThreshold(thresholdOf(0.25))).toBe('c');
    expect(formatThreshold(thresholdOf(0.1))).toBe('e6666666666666');
    expect(thresholdInTraceState('vendor=x,ot=th:c;rv:00000000000001')).toBe(0xc0000000000000n);
    expect(thresholdInTraceState('ot=th:not-hex')).toBeUndefined();
    expect(probabilityOf(thresholdOf(0.25))).toBe(0.25);
    expect(adjustedCountOf(thresholdOf(0.25))).toBe(4);
    expect(adjustedCountOf(0n)).toBe(1);
  });

  it('keeps a nested set: whatever is kept at 1% is kept at 5%, and the shares are right', () => {
    let at1 = 0;
    let at5 = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const r = randomnessOf(randomBytes(16));
      const k1 = keptAt(r, thresholdOf(0.01));
      const k5 = keptAt(r, thresholdOf(0.05));
      if (k1) expect(k5).toBe(true);
      at1 += k1 ? 1 : 0;
      at5 += k5 ? 1 : 0;
    }
    // Five standard deviations of a binomial.
    expect(Math.abs(at5 - 0.05 * n)).toBeLessThan(5 * Math.sqrt(n * 0.05 * 0.95));
    expect(Math.abs(at1 - 0.01 * n)).toBeLessThan(5 * Math.sqrt(n * 0.01 * 0.99));
  });

  it('records a threshold in the ot entry and keeps the rest of the tracestate', () => {
    expect(withThreshold('', thresholdOf(0.5))).toBe('ot=th:8');
    expect(withThreshold('', 0n)).toBe('');
    expect(withThreshold('a=b,ot=rv:00000000000001;th:c', thresholdOf(0.125))).toBe('ot=rv:00000000000001;th:e,a=b');
  });
});
