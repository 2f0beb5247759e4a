import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics.ts';
import { registerProcessMetrics } from './process-metrics.ts';

describe('process metrics', () => {
  it('report memory, CPU, event-loop delay and garbage collection', async () => {
    const registry = new MetricsRegistry();
    const stop = registerProcessMetrics(registry);
    try {
      // Hold the event loop for a while and make garbage, so both have something to report.
      const until = Date.now() + 60;
      while (Date.now() < until) void new Array(1000).fill({});
      await new Promise((r) => setTimeout(r, 30));
      const text = registry.render();
      const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      expect(value(/^spanbase_process_resident_memory_bytes (\S+)$/m)).toBeGreaterThan(10 * 2 ** 20);
      expect(value(/^spanbase_process_heap_bytes\{state="used"\} (\S+)$/m)).toBeGreaterThan(0);
      expect(value(/^spanbase_process_cpu_seconds\{mode="user"\} (\S+)$/m)).toBeGreaterThan(0);
      const blocked = value(/^spanbase_process_event_loop_delay_seconds\{quantile="max"\} (\S+)$/m);
      expect(blocked).toBeGreaterThan(0.01);
      // A read starts the window over: a second read before the loop has turned again has no
      // samples at all, so it reports nothing (without the reset it would repeat the same max).
      // Read synchronously so a loaded machine cannot add delay in between.
      const again = registry.render();
      expect(again).not.toMatch(/^spanbase_process_event_loop_delay_seconds\{/m);
    } finally {
      stop();
    }
  });
});
