import { describe, expect, it } from 'vitest';
import { executeSearch } from './engine.ts';
import { MemoryFetcher } from './memory-fetcher.ts';
import type { FetchedSpanset, FetchSpansRequest, SpansetFetcher } from './storage.ts';
import { T0, TRACES } from './test-traces.ts';

const HOUR = 3_600_000_000_000n;

describe('executeSearch', () => {
  it('orders traces newest first and stops at the limit', async () => {
    const all = await executeSearch('{ }', new MemoryFetcher(TRACES));
    expect(all.traces.map((t) => t.traceId)).toEqual(['c', 'b', 'a']);
    const first = await executeSearch('{ }', new MemoryFetcher(TRACES), { limit: 1 });
    expect(first.traces.map((t) => t.traceId)).toEqual(['a']);
    expect(first.inspectedTraces).toBe(1);
  });

  it('keeps the newest traces with most_recent', async () => {
    const hinted = await executeSearch('{ } with(most_recent=true)', new MemoryFetcher(TRACES), { limit: 2 });
    expect(hinted.traces.map((t) => t.traceId)).toEqual(['c', 'b']);
    const option = await executeSearch('{ }', new MemoryFetcher(TRACES), { limit: 1, mostRecent: true });
    expect(option.traces.map((t) => t.traceId)).toEqual(['c']);
  });

  it('cuts spans per spanset but counts them all', async () => {
    const r = await executeSearch('{ }', new MemoryFetcher(TRACES), { spansPerSpanset: 2 });
    const a = r.traces.find((t) => t.traceId === 'a')!;
    expect(a.spansets[0].matched).toBe(6);
    expect(a.spansets[0].spans.map((s) => s.name)).toEqual(['GET /', 'auth']);
    expect(a).toMatchObject({ rootServiceName: 'frontend', rootTraceName: 'GET /', startTimeUnixNano: T0, durationNanos: 1_000_000_000n });
    const c = r.traces.find((t) => t.traceId === 'c')!;
    expect([c.rootServiceName, c.rootTraceName]).toEqual([undefined, undefined]);
  });

  it('keeps to the time range, even when storage returns more', async () => {
    const range = { start: T0 + HOUR, end: T0 + HOUR + 1n };
    const pruned = await executeSearch('{ }', new MemoryFetcher(TRACES), range);
    expect(pruned.traces.map((t) => t.traceId)).toEqual(['b']);
    const everything: SpansetFetcher = {
      fetch: (req: FetchSpansRequest, signal?: AbortSignal) => new MemoryFetcher(TRACES).fetch({ ...req, startTimeUnixNano: 0n, endTimeUnixNano: 0n }, signal),
    };
    expect((await executeSearch('{ }', everything, range)).traces.map((t) => t.traceId)).toEqual(['b']);
  });

  it('lets storage prune by conditions', async () => {
    const fetcher = new MemoryFetcher(TRACES);
    await executeSearch('{ name = "auth" && kind = client }', fetcher);
    expect(fetcher.lastFetchedSpans).toBe(1);
    await executeSearch('{ name = "auth" } >> { }', fetcher);
    expect(fetcher.lastFetchedSpans).toBe(12);
  });

  it('merges spansets of one trace that storage returns in parts', async () => {
    const split: SpansetFetcher = {
      async *fetch(req: FetchSpansRequest) {
        for await (const ss of new MemoryFetcher(TRACES).fetch(req)) {
          const half = Math.ceil(ss.spans.length / 2);
          yield { ...ss, spans: ss.spans.slice(0, half) } satisfies FetchedSpanset;
          yield { ...ss, spans: ss.spans.slice(half) };
        }
      },
    };
    const r = await executeSearch('{ status = error }', split, { spansPerSpanset: 0 });
    expect(r.traces.find((t) => t.traceId === 'a')!.spansets.map((s) => s.spans.map((x) => x.name))).toEqual([['db.query'], ['pg.exec']]);
  });

  it('does not fetch for queries that cannot match', async () => {
    const never: SpansetFetcher = {
      fetch() {
        throw new Error('fetched');
      },
    };
    expect((await executeSearch('{ false }', never)).traces).toEqual([]);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(executeSearch('{ }', new MemoryFetcher(TRACES), { signal: ac.signal })).rejects.toThrow('stop');
  });

  it('rejects bad, unsupported and metrics queries with named errors', async () => {
    await expect(executeSearch('{ .a = }', new MemoryFetcher(TRACES))).rejects.toMatchObject({ code: 'TQL_ERR_PARSE', statusCode: 400 });
    await expect(executeSearch('{ 1 = "a" }', new MemoryFetcher(TRACES))).rejects.toMatchObject({ code: 'TQL_ERR_TYPE' });
    await expect(executeSearch('{ parent.a = 1 }', new MemoryFetcher(TRACES))).rejects.toMatchObject({ code: 'TQL_ERR_UNSUPPORTED' });
    await expect(executeSearch('{ } | rate()', new MemoryFetcher(TRACES))).rejects.toMatchObject({ code: 'TQL_ERR_UNSUPPORTED' });
  });
});
