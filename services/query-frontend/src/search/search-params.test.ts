import { describe, expect, it } from 'vitest';
import { parseSearchParams } from './search-params.ts';
import type { SearchParamLimits } from './search-params.ts';

const NOW_MS = 1_767_225_600_000;
const MS = 1_000_000n;
const limits: SearchParamLimits = { defaultLimit: 20, maxLimit: 100, defaultSpss: 3, maxSpss: 10, defaultLookbackMs: 3_600_000, timeRangeSlackMs: 120_000, maxQueryBytes: 1024, now: () => NOW_MS };

describe('search parameters', () => {
  it('search the last lookback up to now plus the slack when start and end are absent', () => {
    const p = parseSearchParams({ q: '{}' }, limits);
    expect(p.start).toBe(BigInt(NOW_MS - 3_600_000) * MS);
    // Spans dated past this were stamped by a clock that is off: they must not crowd out the newest real traces.
    expect(p.end).toBe(BigInt(NOW_MS + 120_000) * MS);
    expect(parseSearchParams({ q: '{}', start: '0', end: '0' }, limits).end).toBe(BigInt(NOW_MS + 120_000) * MS);
    expect(parseSearchParams({ q: '{}' }, { ...limits, timeRangeSlackMs: undefined }).end).toBe(0n);
  });

  it('take an explicit range as given, into the future too', () => {
    const p = parseSearchParams({ q: '{}', start: '1767225600', end: '16725225600' }, limits);
    expect([p.start, p.end]).toEqual([1_767_225_600_000_000_000n, 16_725_225_600_000_000_000n]);
  });
});
