// A worker keeps the dictionary summaries its searches make: its second pattern search over a
// block inspects only the row group that may match, where the first read every row group, and
// both answer the same.
import { MemoryStore } from '@spanbase/backend';
import { writeBlock } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import { av } from '@spanbase/model';
import { quoteString } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import { ReaderCache, runBlockJob, warmUp } from './jobs.ts';

describe('block jobs', () => {
  it('a pattern search keeps the summaries that let the next one skip row groups', async () => {
    const traces = generateRealisticTraces({ traces: 400, seed: 3 });
    traces.forEach((t, i) => {
      const path = i === 111 ? '/api/needle-42' : `/api/list/${i % 20}`;
      t[0] = { ...t[0], span: { ...t[0].span, attributes: [...t[0].span.attributes.filter((a) => a.key !== 'url.path'), { key: 'url.path', value: av.string(path) }] } };
    });
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 300 }, traces);
    const search = { kind: 'search' as const, meta, query: '{ span.url.path =~ ".*/needle-[0-9]+" }', limit: 20, spansPerSpanset: 3, start: 0n, end: 0n, maxResultBytes: 0 };
    const signal = new AbortController().signal;

    const cache = new ReaderCache(store, { chunkCacheBytes: 64 * 1024 * 1024 });
    await runBlockJob(cache, { kind: 'prefetch', meta }, signal);
    const slow = await runBlockJob(cache, search, signal);
    const fast = await runBlockJob(cache, search, signal);

    // Read ahead, the summaries serve the first search.
    const ahead = new ReaderCache(store, { chunkCacheBytes: 64 * 1024 * 1024 });
    await runBlockJob(ahead, { kind: 'prefetch', meta }, signal);
    await runBlockJob(ahead, { kind: 'prefetch', meta, summaries: true }, signal);
    expect(await runBlockJob(ahead, search, signal)).toEqual(fast);

    expect(fast.traces).toHaveLength(1);
    expect(fast.traces).toEqual(slow.traces);
    expect(fast.inspectedSpans).toBeLessThan(400);
    expect(slow.inspectedSpans).toBeGreaterThan(fast.inspectedSpans * 5);
  });

  it('a worker\'s warm-up ends with a needle that finds the block\'s newest trace', async () => {
    const traces = generateRealisticTraces({ traces: 300, seed: 5 });
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 400 }, traces);
    const signal = new AbortController().signal;
    const readers = new ReaderCache(store, { chunkCacheBytes: 64 * 1024 * 1024 });
    const newest = (await runBlockJob(readers, { kind: 'search', meta, query: '{ }', limit: 1, spansPerSpanset: 1, start: 0n, end: 0n, maxResultBytes: 0 }, signal)).traces[0];
    const ran = await warmUp(readers.get(meta), signal);
    // Every warm-up query ran without failing; the last is the needle, and it matched.
    for (const r of ran) expect(r.traces, r.query).toBeDefined();
    const needle = ran.at(-1)!;
    expect(needle.query).toBe(`{ resource.service.name = ${quoteString(newest.rootServiceName!)} && name = ${quoteString(newest.rootTraceName!)} }`);
    expect(needle.traces).toBe(1);
  });
});
