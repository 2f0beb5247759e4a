import { describe, expect, it } from 'vitest';
import { profileMarkdown, summarizeCpuProfile } from './cpu-profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('cpu profile summary', () => {
  // (root) → push (services/ingester) → crc32c (packages/model); (root) → (idle); (root) → (garbage collector)
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
      { id: 2, callFrame: frame('push', 'file:///repo/services/ingester/src/ingester.ts', 113), children: [3] },
      { id: 3, callFrame: frame('crc32c', 'file:///repo/packages/model/src/crc32c.ts', 17) },
      { id: 4, callFrame: frame('(idle)') },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    // Each sample stands for the next delta: 3 → 30 ms, 2 → 10 ms, 4 → 50 ms, 5 → 10 ms.
    samples: [3, 2, 4, 5],
    timeDeltas: [0, 30_000, 10_000, 50_000, 10_000],
  };

  it('splits busy time by area and function, idle excluded', () => {
    const s = summarizeCpuProfile(profile);
    expect(s.totalMs).toBe(100);
    expect(s.busyMs).toBe(50);
    expect(s.byArea).toEqual([
      { name: 'packages/model', ms: 30, percent: 60 },
      { name: 'services/ingester', ms: 10, percent: 20 },
      { name: 'GC', ms: 10, percent: 20 },
    ]);
    expect(s.topSelf[0].name).toBe('crc32c (packages/model/src/crc32c.ts:18)');
    expect(s.topInclusive).toEqual([
      { name: 'push (services/ingester/src/ingester.ts:114)', ms: 40, percent: 80 },
      { name: 'crc32c (packages/model/src/crc32c.ts:18)', ms: 30, percent: 60 },
    ]);
    expect(profileMarkdown(s)).toContain('| packages/model | 30 | 60.0 |');
  });
});
