// The metrics executor's two ways of combining sources: merging their partials in this thread, or
// collecting them as data for another thread to merge (the query-frontend's answer worker).
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MemoryFetcher, emptyPartial, evaluateMetrics, finishMetrics, generateTraces, mergeMetrics, partialData, partialFromData, planMetrics } from '@spanbase/traceql';
import type { MetricsPartialData } from '@spanbase/traceql';
import { executeMetricsOver } from './metrics-executor.ts';
import { startMetrics } from './metrics-source.ts';
import type { MetricsSource } from './metrics-source.ts';

const BASE = 1_700_000_040n * 1_000_000_000n;
const DATA = generateTraces({ base: BASE, minutes: 10 });
const plan = planMetrics('{} | count_over_time() by (resource.service.name)', { start: BASE, end: BASE + 600n * 1_000_000_000n, step: 60n * 1_000_000_000n });

function source(name: string, nth: number, asData: boolean): MetricsSource & { merged: number; asked: number } {
  const fetcher = new MemoryFetcher(DATA.traces.filter((_, i) => i % 2 === nth));
  const s = {
    name, timeRange: undefined, bytes: 0, isBlock: false, merged: 0, asked: 0,
    evaluate: async () => {
      s.merged++;
      s.asked++;
      return evaluateMetrics(plan, fetcher);
    },
    evaluateData: asData ? async () => {
      s.asked++;
      return { parts: [partialData(await evaluateMetrics(plan, fetcher))] };
    } : undefined,
  };
  return s;
}

describe('executeMetricsOver', () => {
  it('collects the sources\' partials as data without merging them here, and they merge to the same result', async () => {
    const sources = [source('a', 0, true), source('b', 1, false)];
    const collect: MetricsPartialData[] = [];
    const run = await executeMetricsOver(sources, plan, { concurrency: 2, signal: new AbortController().signal, collect: (d) => collect.push(d) });
    expect(collect).toHaveLength(2);
    // Nothing merged in this thread: the returned partial is empty.
    expect(run.partial.states[0].spans).toBe(0);
    expect(run.stats.inspectedSpans).toBe(DATA.spans.length);
    // A source that gives data is not asked for states.
    expect(sources[0].merged).toBe(0);
    const sum = emptyPartial(plan);
    for (const d of collect) mergeMetrics(sum, partialFromData(plan, d));
    const merged = await executeMetricsOver([source('a', 0, false), source('b', 1, false)], plan, { concurrency: 2, signal: new AbortController().signal });
    expect(finishMetrics(plan, sum)).toEqual(finishMetrics(plan, merged.partial));
    expect(merged.stats.inspectedSpans).toBe(DATA.spans.length);
  });

  it('asks a live source once, before the blocks, whether the answer merges its data here or elsewhere', async () => {
    for (const collect of [undefined, (d: MetricsPartialData) => void d]) {
      const live = source('live', 0, true);
      const block = { ...source('block', 1, false), isBlock: true };
      const sources = startMetrics({ live: () => [live], blocks: () => [block] }, 'single-tenant', plan, new AbortController().signal);
      // Started already, before the block list was read.
      expect(live.asked).toBe(1);
      const run = await executeMetricsOver(sources, plan, { concurrency: 2, signal: new AbortController().signal, collect });
      expect(live.asked).toBe(1);
      expect(run.stats.inspectedSpans).toBe(DATA.spans.length);
    }
  });

  it('lets a source post its part on the channel it is given, live ones from the start, and counts the spans they sent', async () => {
    const opened: MessagePort[] = [];
    const received: Promise<MetricsPartialData>[] = [];
    const channel = {
      open: () => {
        const { port1, port2 } = new MessageChannel();
        received.push(new Promise((resolve) => port1.once('message', (m: { part: MetricsPartialData }) => {
          port1.close();
          resolve(m.part);
        })));
        opened.push(port2);
        return port2;
      },
    };
    const posting = (name: string, nth: number): MetricsSource => ({
      ...source(name, nth, false),
      evaluateData: async (p, _signal, ch) => {
        const port = ch?.open();
        const data = partialData(await evaluateMetrics(p, new MemoryFetcher(DATA.traces.filter((_, i) => i % 2 === nth))));
        if (!port) return { parts: [data] };
        port.postMessage({ part: data });
        return { parts: [], sentSpans: data.states[0].spans };
      },
    });
    const collected: MetricsPartialData[] = [];
    const sources = startMetrics({ live: () => [posting('live', 0)], blocks: () => [{ ...posting('block', 1), isBlock: true }] }, 'single-tenant', plan, new AbortController().signal, channel);
    // The live source was asked with the channel before the blocks were listed.
    expect(opened).toHaveLength(1);
    const run = await executeMetricsOver(sources, plan, { concurrency: 2, signal: new AbortController().signal, collect: (d) => collected.push(d), channel });
    expect(collected).toHaveLength(0);
    expect(opened).toHaveLength(2);
    expect(run.stats.inspectedSpans).toBe(DATA.spans.length);
    const sum = emptyPartial(plan);
    for (const d of await Promise.all(received)) mergeMetrics(sum, partialFromData(plan, d));
    const merged = await executeMetricsOver([source('a', 0, false), source('b', 1, false)], plan, { concurrency: 2, signal: new AbortController().signal });
    expect(finishMetrics(plan, sum)).toEqual(finishMetrics(plan, merged.partial));
  });
});
