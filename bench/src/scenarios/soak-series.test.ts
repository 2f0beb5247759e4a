import { describe, expect, it } from 'vitest';
import { backlogGrew, blockGauges, windowed } from './soak-series.ts';
import type { GaugeSample } from './soak-series.ts';

describe('soak series', () => {
  it('reads level 0 and all levels from the block gauges, over tenants', () => {
    const text = [
      '# HELP spanbase_blocklist_level_blocks Blocks',
      'spanbase_blocklist_level_blocks{tenant="a",level="0"} 3',
      'spanbase_blocklist_level_blocks{tenant="a",level="10"} 1',
      'spanbase_blocklist_level_blocks{tenant="b",level="0"} 2',
      'spanbase_blocklist_level_bytes{tenant="a",level="0"} 300',
      'spanbase_blocklist_level_bytes{tenant="a",level="10"} 5000',
      'spanbase_blocklist_blocks{tenant="a"} 4',
    ].join('\n');
    expect(blockGauges(text)).toEqual({ level0Blocks: 5, level0Bytes: 300, blocks: 6, bytes: 5300 });
  });

  it('summarises ack latency and throughput per window, empty windows included', () => {
    const w = windowed(Float64Array.from([500, 900, 2500, 9000]), Float64Array.from([10, 30, 5, 7]), Float64Array.from([100, 100, 50, 20]), 2);
    expect(w.map((x) => x.t)).toEqual([2, 4, 6, 8, 10]);
    expect(w.map((x) => x.spansPerSecond)).toEqual([100, 25, 0, 0, 10]);
    expect(w[0].p99).toBeGreaterThan(10);
    expect(w[2].p99).toBe(0);
  });

  it('calls a backlog that sets new highs in the last third growing, one that comes and goes bounded', () => {
    const run = (f: (t: number) => number): GaugeSample[] => Array.from({ length: 90 }, (_, t) => ({ t, level0Blocks: f(t), level0Bytes: 0, blocks: 0, bytes: 0 }));
    expect(backlogGrew(run((t) => t % 7)).grew).toBe(false);
    expect(backlogGrew(run((t) => Math.floor(t / 5) + (t % 3)))).toMatchObject({ grew: true });
    // A fill at the start (the first third) is not growth.
    expect(backlogGrew(run((t) => (t < 20 ? t : 4 + (t % 3)))).grew).toBe(false);
  });
});
