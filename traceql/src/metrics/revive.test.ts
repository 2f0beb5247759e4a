import { describe, expect, it } from 'vitest';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { evaluateMetrics, finishMetrics, mergeMetrics } from './engine.ts';
import { planMetrics } from './plan.ts';
import { generateTraces } from './generate.ts';
import { revivePartial } from './revive.ts';

describe('revivePartial', () => {
  it('merges a structured-cloned partial exactly like the original', async () => {
    const base = 1_700_000_000_000_000_000n;
    const { traces } = generateTraces({ minutes: 10, base });
    const half = Math.floor(traces.length / 2);
    const start = base - 1n;
    const end = base + 11n * 60_000_000_000n;
    for (const q of ['{} | rate() by(resource.service.name)', '{} | quantile_over_time(duration, .5, .99)', '{} | compare({status=error}, 5)', '{} | avg_over_time(duration) with(exemplars=5)']) {
      const plan = planMetrics(q, { start, end, step: 60_000_000_000n });
      const direct = await evaluateMetrics(plan, new MemoryColumnFetcher(traces.slice(0, half)));
      mergeMetrics(direct, await evaluateMetrics(plan, new MemoryColumnFetcher(traces.slice(half))));
      const viaClone = await evaluateMetrics(plan, new MemoryColumnFetcher(traces.slice(0, half)));
      mergeMetrics(viaClone, revivePartial(structuredClone(await evaluateMetrics(plan, new MemoryColumnFetcher(traces.slice(half))))));
      const expected = finishMetrics(plan, direct);
      expect(expected.series.length).toBeGreaterThan(0);
      expect(finishMetrics(plan, viaClone)).toEqual(expected);
    }
  });
});
