// After a restart over blocks, the query frontend warms the query path up by itself: searches
// that find the newest trace and a needle of it, its lookup, a metrics query and autocomplete,
// run on the query workers before any user asks, and left out of the request metrics.
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestSpanbase, tempDir } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter, recordRichTrace } from '../src/otel.ts';
import { join } from 'node:path';
import type { Config } from '@spanbase/config';

let running: TestSpanbase | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Jobs the querier ran, by kind. */
function jobs(metrics: string): Record<string, number> {
  return Object.fromEntries([...metrics.matchAll(/spanbase_querier_jobs_total\{kind="(\w+)"\} (\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

/** Writes traces of `tenant` into blocks, stops, and starts again over the same data with `cfg`. */
async function restartOverBlocks(cfg: Partial<Config>, tenant?: string): Promise<TestSpanbase> {
  const dir = tempDir();
  const paths: Partial<Config> = { 'wal.path': join(dir, 'wal'), 'storage.local.path': join(dir, 'blocks'), 'multitenancy.enabled': tenant !== undefined };
  const first = await startTestSpanbase({ ...FAST_FLUSH, ...paths, 'query.warm-up': false });
  try {
    const exporter = makeExporter('proto', first, tenant ? { 'x-scope-orgid': tenant } : {});
    expect((await exportSpans(exporter, [...recordRichTrace('checkout'), ...recordRichTrace('payments')])).code).toBe(0);
    await exporter.shutdown();
    await waitForFlush(first);
  } finally {
    await first.stop();
  }
  return (running = await startTestSpanbase({ ...paths, ...cfg }));
}

/** Polls /metrics until `done` holds for it. */
async function metricsUntil(sb: TestSpanbase, done: (m: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await sb.metricsText();
    if (done(m) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('query warm-up after a start', () => {
  it('runs searches, a lookup of the newest trace, metrics and tags on the querier, not counted as API requests', async () => {
    const sb = await restartOverBlocks({});
    const m = await metricsUntil(sb, (t) => (jobs(t).tags ?? 0) > 0);
    const ran = jobs(m);
    // The lookup is only sent when the first search found the newest trace in the blocks.
    expect(ran.search).toBeGreaterThanOrEqual(5);
    expect(ran.trace).toBeGreaterThanOrEqual(1);
    expect(ran.metrics).toBeGreaterThanOrEqual(1);
    expect(m).not.toMatch(/spanbase_request_duration_seconds_count\{route="\/api\/(search|v2\/traces|metrics)/);
    // A user's request is counted, even one that carries the warm-up's mark.
    expect((await fetch(`${sb.api}/api/search?q=${encodeURIComponent('{}')}`, { headers: { 'x-spanbase-warm-up': '1' } })).status).toBe(200);
    expect(await sb.metricsText()).toMatch(/spanbase_request_duration_seconds_count\{route="\/api\/search",status_code="200"\} 1\n/);
  });

  it('asks the newest block\'s tenant when tenants are kept apart', async () => {
    const sb = await restartOverBlocks({}, 'acme');
    const ran = jobs(await metricsUntil(sb, (t) => (jobs(t).tags ?? 0) > 0));
    expect(ran.trace).toBeGreaterThanOrEqual(1);
  });

  it('does nothing with --query.warm-up=false', async () => {
    const sb = await restartOverBlocks({ 'query.warm-up': false });
    await new Promise((r) => setTimeout(r, 1500));
    expect(jobs(await sb.metricsText())).toEqual({});
  });
});
