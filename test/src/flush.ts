// Making an in-process Spanbase move traces into blocks quickly, and waiting until it has.
import type { Config } from '@spanbase/config';
import type { TestSpanbase } from './harness.ts';

/** Flush quickly: traces idle for 100ms are sealed, head blocks cut every 200ms. */
export const FAST_FLUSH: Partial<Config> = {
  'ingester.trace-idle-period': 100,
  'ingester.max-block-duration': 200,
  'ingester.flush-check-period': 50,
};

/** Waits until the ingester holds nothing in memory and at least one block is listed. */
export async function waitForFlush(sb: TestSpanbase, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await sb.metricsText();
    // Every ingester's memory, and the block list of whoever serves queries (sums over a cluster's roles).
    const mem = [...m.matchAll(/spanbase_ingester_memory_bytes (\d+)/g)].map((x) => Number(x[1]));
    const blocks = [...m.matchAll(/spanbase_blocklist_blocks\{tenant="[^"]+"\} (\d+)/g)].reduce((a, x) => a + Number(x[1]), 0);
    if (mem.length > 0 && mem.every((x) => x === 0) && blocks > 0) return;
    if (Date.now() > deadline) throw new Error(`traces were not flushed in time:\n${m.split('\n').filter((l) => /memory_bytes|blocklist|live_traces/.test(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
