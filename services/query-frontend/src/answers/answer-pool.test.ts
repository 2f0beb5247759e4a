// The answer pool on a real worker thread: the bytes it builds are the ones this thread would
// build, and a cancelled answer frees its caller at once.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MemoryFetcher, evaluateMetrics, executeSearch, generateTraces, partialData, planMetrics } from '@spanbase/traceql';
import { searchResponseText, spanCount } from '../search/search-json.ts';
import { AnswerPool, INLINE_SPANS } from './answer-pool.ts';
import { transferList } from './answer-jobs.ts';
import type { MetricsAnswerJob } from './metrics-answer.ts';

const BASE = 1_700_000_040n * 1_000_000_000n;
const DATA = generateTraces({ base: BASE, minutes: 10 });
const STATS = { inspectedBytes: 0, inspectedSpans: DATA.spans.length, totalBlocks: 0, totalJobs: 2, completedJobs: 2, totalBlockBytes: 0 };
const pool = new AnswerPool({ workers: 1, abortGraceMs: 500 });
afterAll(() => pool.close());

async function job(query: string, step: bigint, maxSeries = 1000): Promise<MetricsAnswerJob> {
  const request = { start: BASE, end: BASE + 600n * 1_000_000_000n, step, maxSeries };
  const plan = planMetrics(query, request);
  const halves = [0, 1].map((n) => new MemoryFetcher(DATA.traces.filter((_, i) => i % 2 === n)));
  const parts = await Promise.all(halves.map(async (f) => partialData(await evaluateMetrics(plan, f))));
  return { kind: 'metrics', query, request, parts, stats: STATS, maxSeries, maxResponseBytes: 16 << 20 };
}

describe('AnswerPool', () => {
  it('builds on its worker the same answer as in this thread, from both sources', async () => {
    const j = await job('{} | quantile_over_time(duration, .5, .99) by (resource.service.name)', 60n * 1_000_000_000n);
    const here = Buffer.from(await new AnswerPool({ workers: 0 }).build(j, new AbortController().signal)).toString();
    const series = j.parts.flatMap((p) => p.states.flatMap((st) => (st.kind === 'leaf' ? st.series : [])));
    expect(series.length).toBeGreaterThan(0);
    const there = Buffer.from(await pool.build(j, new AbortController().signal)).toString();
    expect(there).toBe(here);
    // The numbers moved to the worker rather than being copied there.
    for (const sd of series) for (const [, counts] of sd.hist!) expect(counts.length).toBe(0);
    const body = JSON.parse(there) as { series: unknown[]; metrics: { inspectedSpans: string } };
    expect(body.series).toHaveLength(6);
    expect(body.metrics.inspectedSpans).toBe(String(DATA.spans.length));
  });

  it('says the answer is partial when a function reached the series limit', async () => {
    const j = await job('{} | rate() by (span:id)', 1_000_000_000n, 50);
    const body = JSON.parse(Buffer.from(await pool.build(j, new AbortController().signal)).toString()) as { series: unknown[]; status: string; message: string };
    expect(body.series).toHaveLength(50);
    expect(body.status).toBe('PARTIAL');
    expect(body.message).toMatch(/--query.max-series/);
  });

  it('rejects at once when the query is cancelled, and keeps answering', async () => {
    const j = await job('{} | rate() by (span:id)', 1_000_000_000n, 100_000);
    const ac = new AbortController();
    const running = pool.build(j, ac.signal);
    ac.abort(new Error('client went away'));
    await expect(running).rejects.toThrow('client went away');
    const next = await job('{} | count_over_time()', 60n * 1_000_000_000n);
    expect(JSON.parse(Buffer.from(await pool.build(next, new AbortController().signal)).toString()).series).toHaveLength(1);
  });

  it('moves only arrays that own their whole buffer', async () => {
    const j = await job('{} | count_over_time() by (resource.service.name)', 60n * 1_000_000_000n);
    const leaf = j.parts[0].states[0];
    if (leaf.kind !== 'leaf') throw new Error('expected a leaf');
    const slab = new ArrayBuffer(leaf.series[0].a.byteLength * 2);
    const view = new Float64Array(slab, leaf.series[0].a.byteLength, leaf.series[0].a.length);
    leaf.series[0] = { ...leaf.series[0], a: view };
    const shared = new Float64Array(new SharedArrayBuffer(view.byteLength));
    leaf.series[1] = { ...leaf.series[1], a: shared };
    const moved = transferList(j);
    expect(moved).not.toContain(slab);
    expect(moved).toContain(leaf.series[2].a.buffer);
    expect(moved.length).toBe(j.parts.reduce((n, p) => n + (p.states[0].kind === 'leaf' ? p.states[0].series.length : 0), 0) - 2);
  });

  it('writes a search answer on its worker, a slice of traces per job, as this thread would', async () => {
    const many = generateTraces({ base: BASE, minutes: 60 });
    const result = await executeSearch('{}', new MemoryFetcher(many.traces), { limit: 1000, spansPerSpanset: 5 });
    // More spans than one slice holds: the answer is written by several jobs and joined.
    expect(result.traces.reduce((n, t) => n + t.spansets.reduce((m, ss) => m + ss.spans.length + 1, 0), 0)).toBeGreaterThan(2000);
    const metrics = { inspectedTraces: 7, inspectedBytes: 1234, inspectedSpans: 99, totalBlocks: 2, completedJobs: 3, totalJobs: 3, totalBlockBytes: 4321 };
    const expected = await searchResponseText(result, metrics);
    expect((await pool.searchAnswer(result, metrics, new AbortController().signal)).toString()).toBe(expected);
    expect((await new AnswerPool({ workers: 0 }).searchAnswer(result, metrics, new AbortController().signal)).toString()).toBe(expected);
    const none = { ...result, traces: [] };
    expect((await pool.searchAnswer(none, metrics, new AbortController().signal)).toString()).toBe(await searchResponseText(none, metrics));
  });

  it('writes a needle\'s small search answer in this thread, and a larger one on its worker', async () => {
    const found = await executeSearch('{}', new MemoryFetcher(DATA.traces), { limit: 100, spansPerSpanset: 3 });
    const small = { ...found, traces: found.traces.slice(0, 2) };
    expect(small.traces.reduce((n, t) => n + spanCount(t), 0)).toBeLessThanOrEqual(INLINE_SPANS);
    expect(found.traces.reduce((n, t) => n + spanCount(t), 0)).toBeGreaterThan(INLINE_SPANS);
    const metrics = { inspectedTraces: 2, inspectedBytes: 10, inspectedSpans: 20, totalBlocks: 1, completedJobs: 1, totalJobs: 1, totalBlockBytes: 100 };
    const handedOver = vi.spyOn(pool, 'build');
    try {
      expect((await pool.searchAnswer(small, metrics, new AbortController().signal)).toString()).toBe(await searchResponseText(small, metrics));
      expect(handedOver).not.toHaveBeenCalled();
      expect((await pool.searchAnswer(found, metrics, new AbortController().signal)).toString()).toBe(await searchResponseText(found, metrics));
      expect(handedOver).toHaveBeenCalled();
    } finally {
      handedOver.mockRestore();
    }
  });

  it('gathers a metrics answer\'s partials one by one on its worker and finishes it as one job would', async () => {
    const j = await job('{} | quantile_over_time(duration, .5, .99) by (resource.service.name)', 60n * 1_000_000_000n);
    const whole = Buffer.from(await new AnswerPool({ workers: 0 }).build(j, new AbortController().signal)).toString();
    for (const p of [pool, new AnswerPool({ workers: 0 })]) {
      const again = await job('{} | quantile_over_time(duration, .5, .99) by (resource.service.name)', 60n * 1_000_000_000n);
      const g = p.metricsGathering(again.query, again.request);
      for (const part of again.parts) g.add(part);
      const body = Buffer.from(await g.finish({ ...again, parts: [] }, new AbortController().signal)).toString();
      g.close();
      expect(body).toBe(whole);
    }
  });

  it('waits for partials posted straight to its worker on ports, even after the answer is asked for', async () => {
    const j = await job('{} | quantile_over_time(duration, .5, .99) by (resource.service.name)', 60n * 1_000_000_000n);
    const whole = Buffer.from(await new AnswerPool({ workers: 0 }).build(j, new AbortController().signal)).toString();
    const again = await job('{} | quantile_over_time(duration, .5, .99) by (resource.service.name)', 60n * 1_000_000_000n);
    const g = pool.metricsGathering(again.query, again.request);
    const ports = again.parts.map(() => g.open());
    // A source whose job failed closes its port without a part; the answer does not wait for it.
    g.open().close();
    const finishing = g.finish({ ...again, parts: [] }, new AbortController().signal);
    let finished = false;
    void finishing.then(() => (finished = true), () => (finished = true));
    ports[0].postMessage({ part: again.parts[0] });
    await new Promise((r) => setTimeout(r, 100));
    expect(finished).toBe(false);
    ports[1].postMessage({ part: again.parts[1] });
    ports.forEach((p) => p.close());
    expect(Buffer.from(await finishing).toString()).toBe(whole);
    g.close();
  });

  it('stops waiting for a posted partial when the query is cancelled, and keeps answering', async () => {
    const j = await job('{} | count_over_time()', 60n * 1_000_000_000n);
    const g = pool.metricsGathering(j.query, j.request);
    const port = g.open();
    const ac = new AbortController();
    const finishing = g.finish({ ...j, parts: [] }, ac.signal);
    setTimeout(() => ac.abort(new Error('client went away')), 50);
    await expect(finishing).rejects.toThrow('client went away');
    g.close();
    port.close();
    const next = await job('{} | count_over_time()', 60n * 1_000_000_000n);
    expect(JSON.parse(Buffer.from(await pool.build(next, new AbortController().signal)).toString()).series).toHaveLength(1);
  });

  it('fails an answer whose handed-over partials were lost rather than answering without them', async () => {
    const j = await job('{} | count_over_time()', 60n * 1_000_000_000n);
    const g = pool.metricsGathering(j.query, j.request);
    g.add(j.parts[0]);
    // Forgotten on the worker, as when a replaced worker took them along.
    g.close();
    const err = await g.finish({ ...j, parts: [j.parts[1]] }, new AbortController().signal).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('WRK_ERR_FAILED');
    expect((err as Error).message).toMatch(/lost 1 of this answer's 1 partial/);
  });

  it('fails an answer one of whose handed-over partials does not fit its plan', async () => {
    const j = await job('{} | count_over_time()', 60n * 1_000_000_000n);
    // Ten-second steps: sixty intervals where the plan has ten.
    const other = await job('{} | count_over_time()', 10n * 1_000_000_000n);
    for (const p of [pool, new AnswerPool({ workers: 0 })]) {
      const g = p.metricsGathering(j.query, j.request);
      g.add(other.parts[0]);
      const err = await g.finish({ ...j, parts: [] }, new AbortController().signal).catch((e: unknown) => e);
      g.close();
      expect((err as Error).message).toMatch(/does not fit/);
    }
  });
});
