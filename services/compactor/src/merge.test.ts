import { MemoryStore } from '@spanbase/backend';
import { openBlock, writeBlock } from '@spanbase/block';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { dedupeTrace, isStored, mergeTraces } from './merge.ts';
import { sortTraces, spanKeys, testTrace } from './testing/traces.ts';

const T0 = 1_700_000_000_000_000_000n;

async function* source(traces: SpanRecord[][]): AsyncIterable<SpanRecord[]> {
  for (const t of traces) yield t.slice();
}

async function collect(sources: SpanRecord[][][], filter?: (t: readonly SpanRecord[][]) => Promise<boolean[]>) {
  const out: SpanRecord[][] = [];
  const stats = await mergeTraces(sources.map(source), async (t) => void out.push(isStored(t) ? t.flatMap((p) => p.records()) : t), { filter, batchTraces: 3 });
  return { out, stats };
}

describe('mergeTraces', () => {
  it('joins traces split across inputs, removes repeated spans and keeps id order', async () => {
    const all = sortTraces(Array.from({ length: 40 }, (_, n) => testTrace(n, { startNs: T0, spans: 6 })));
    // Input a: even traces whole and the first half of odd ones; b: odd traces whole (so half of
    // each odd trace is in both); c: every third trace's root span again (a client retry).
    const a = all.map((t, i) => (i % 2 === 0 ? t : t.slice(0, 3)));
    const b = all.filter((_, i) => i % 2 === 1);
    const c = all.filter((_, i) => i % 3 === 0).map((t) => [t[0]]);
    const { out, stats } = await collect([a, b, c]);
    expect(spanKeys(out)).toEqual(spanKeys(all));
    expect(out.map((t) => bytesToHex(t[0].span.traceId))).toEqual(all.map((t) => bytesToHex(t[0].span.traceId)));
    expect(stats.tracesOut).toBe(40);
    expect(stats.spansDeduped).toBe(20 * 3 + 14);
    expect(stats.spansIn - stats.spansDeduped).toBe(stats.spansOut);
    expect(stats.partsIn).toBe(40 + 20 + 14);
  });

  it('passes stored parts on as they came when they repeat no span and nothing filters them', async () => {
    const all = sortTraces(Array.from({ length: 30 }, (_, n) => testTrace(n, { startNs: T0, spans: 4 })));
    // a: traces 0-19, with trace 4's root span twice; b: traces 15-29, of 15-19 the last two
    // spans (their first two are in a alone).
    const a = all.slice(0, 20).map((t, i) => (i === 4 ? [...t, t[0]] : i >= 15 ? t.slice(0, 2) : t));
    const b = all.slice(15).map((t, i) => (i < 5 ? t.slice(2) : t));
    const store = new MemoryStore();
    const stored = async (traces: SpanRecord[][]) => openBlock(store, await writeBlock(store, { tenant: 't', rowGroupSpans: 16 }, traces)).iterateStoredTraces();
    const passed: string[] = [];
    const out: SpanRecord[][] = [];
    const stats = await mergeTraces([await stored(a), await stored(b)], async (t) => {
      if (isStored(t)) passed.push(`${bytesToHex(t[0].traceId)}/${t.length}`);
      out.push(isStored(t) ? t.flatMap((p) => p.records()) : t);
    });
    expect(passed).toEqual(all.flatMap((t, i) => (i === 4 ? [] : [`${bytesToHex(t[0].span.traceId)}/${i >= 15 && i < 20 ? 2 : 1}`])));
    expect(spanKeys(out)).toEqual(spanKeys(all));
    expect(stats.spansDeduped).toBe(1);
    // With a filter every trace is made into records, for the filter to see.
    const filtered: unknown[] = [];
    await mergeTraces([await stored(a)], async (t) => void filtered.push(t), { filter: async (ts) => ts.map(() => true) });
    expect(filtered.length).toBe(20);
    expect(filtered.every((t) => !isStored(t as SpanRecord[]))).toBe(true);
  });

  it('keeps a span whose id repeats with another kind', () => {
    const [r] = testTrace(1, { startNs: T0, spans: 1 });
    const other = { ...r, span: { ...r.span, kind: 3 as const } };
    const trace = [r, other, r];
    expect(dedupeTrace(trace)).toBe(1);
    expect(trace.map((x) => x.span.kind)).toEqual([r.span.kind, 3]);
  });

  it('drops the traces the filter rejects, whole, in batches', async () => {
    const all = sortTraces(Array.from({ length: 10 }, (_, n) => testTrace(n, { startNs: T0, error: n % 3 === 0 })));
    const batches: number[] = [];
    const { out, stats } = await collect([all], async (ts) => {
      batches.push(ts.length);
      return ts.map((t) => t[0].span.status.code === 2);
    });
    expect(out.length).toBe(4);
    expect(out.every((t) => t[0].span.status.code === 2)).toBe(true);
    expect(spanKeys(out)).toEqual(spanKeys(all.filter((t) => t[0].span.status.code === 2)));
    expect(batches).toEqual([3, 3, 3, 1]);
    expect(stats.tracesDropped).toBe(6);
    expect(stats.spansDropped + stats.spansOut).toBe(stats.spansIn);
  });

  it('refuses inputs out of trace-id order', async () => {
    const all = sortTraces(Array.from({ length: 3 }, (_, n) => testTrace(n, { startNs: T0 })));
    await expect(collect([[all[1], all[0]]])).rejects.toThrow(/ascending trace-id order/);
  });

  it('closes every input when the sink fails', async () => {
    let closed = 0;
    const src = (traces: SpanRecord[][]): AsyncIterable<SpanRecord[]> => ({
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => (i < traces.length ? { value: traces[i++], done: false } : { value: undefined, done: true }),
          return: async () => {
            closed++;
            return { value: undefined, done: true };
          },
        };
      },
    });
    const all = sortTraces(Array.from({ length: 4 }, (_, n) => testTrace(n, { startNs: T0 })));
    await expect(mergeTraces([src(all), src(all)], async () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    expect(closed).toBe(2);
  });
});
