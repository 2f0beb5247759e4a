import { MemoryStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { compareIds } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import type { BlockWriterOptions, StoredTrace } from '../format.ts';
import type { DedicatedColumnJson } from './dedicated.ts';
import { createBlockWriter, openBlock, writeBlock } from '../registry.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { corpusTraces } from './fetch-test-corpus.ts';

/** Traces of every shape the writer stores: conformance, realistic, the fetchers' corpus, and repeated spans. */
function corpus(): SpanRecord[][] {
  const traces = [...conformanceTraces({ traces: 40, bigTraceSpans: 300 }), ...generateRealisticTraces({ traces: 150, seed: 9 }), ...corpusTraces(3, 120)];
  // A trace holding a span twice (as a retried export leaves it).
  traces.push([...traces[5], traces[5][0]].map((r) => r));
  const seen = new Set<string>();
  return traces.sort((x, y) => compareIds(x[0].span.traceId, y[0].span.traceId)).filter((t) => {
    const k = Buffer.from(t[0].span.traceId).toString('hex');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function storedTraces(traces: SpanRecord[][], dedicatedColumns: DedicatedColumnJson[]): Promise<StoredTrace[]> {
  const store = new MemoryStore();
  const meta = await writeBlock(store, { tenant: 'in', rowGroupSpans: 500, dedicatedColumns }, traces);
  const out: StoredTrace[] = [];
  for await (const t of openBlock(store, meta).iterateStoredTraces()) out.push(t);
  return out;
}

/**
 * The corpus's traces as parts from two blocks: every third trace split (alternate spans, so the
 * parts interleave in time, or halves), the others in one block or the other.
 */
async function splitTraces(dedicated: DedicatedColumnJson[]): Promise<StoredTrace[][]> {
  const a: SpanRecord[][] = [];
  const b: SpanRecord[][] = [];
  for (const [i, t] of corpus().entries()) {
    if (i % 3 !== 0 || t.length < 2) (i % 2 === 0 ? a : b).push(t);
    else if (i % 2 === 0) {
      a.push(t.filter((_, k) => k % 2 === 0));
      b.push(t.filter((_, k) => k % 2 === 1));
    } else {
      a.push(t.slice(0, t.length >> 1));
      b.push(t.slice(t.length >> 1));
    }
  }
  const [x, y] = [await storedTraces(a, dedicated), await storedTraces(b, dedicated)];
  const out: StoredTrace[][] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const c = i === x.length ? 1 : j === y.length ? -1 : compareIds(x[i].traceId, y[j].traceId);
    out.push(c < 0 ? [x[i++]] : c > 0 ? [y[j++]] : [x[i++], y[j++]]);
  }
  return out;
}

/** Every object of a block written from `traces` one way, by key. */
async function written(traces: readonly (StoredTrace | StoredTrace[])[], add: 'records' | 'stored', dedicatedColumns: DedicatedColumnJson[]): Promise<Map<string, Buffer>> {
  const store = new MemoryStore();
  const opts: BlockWriterOptions = { tenant: 't', blockId: '00000000-0000-4000-8000-000000000002', compactionLevel: 1, rowGroupSpans: 700, pageSizeBytes: 4096, dedicatedColumns, now: () => new Date(0) };
  const w = createBlockWriter(store, opts);
  for (const t of traces) {
    const parts = Array.isArray(t) ? t : [t];
    await (add === 'records' ? w.addTrace(parts.flatMap((p) => p.records())) : w.addStoredTrace(parts));
  }
  await w.finish();
  const out = new Map<string, Buffer>();
  for (const o of (await store.list('t/')).objects) out.set(o.key, Buffer.from((await store.get(o.key))!));
  return out;
}

const EXTRA: DedicatedColumnJson[] = [{ n: 'team' }, { n: 'cost', t: 'int' }, { s: 'resource', n: 'host.name' }];

describe('stored traces (the compaction path)', () => {
  it('copied row by row make exactly the block their records make', async () => {
    for (const dedicated of [[], EXTRA]) {
      const traces = await storedTraces(corpus(), dedicated);
      const a = await written(traces, 'records', dedicated);
      const b = await written(traces, 'stored', dedicated);
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
    }
  });

  it('given as parts from several blocks make exactly the block their records make', async () => {
    const traces = await splitTraces(EXTRA);
    expect(traces.filter((t) => t.length === 2).length).toBeGreaterThan(50);
    const a = await written(traces, 'records', EXTRA);
    const b = await written(traces, 'stored', EXTRA);
    for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
  });

  it('keep times exact at the edges of their 32-bit halves (carries, sign bits, uint64 wrap), whole and in parts', async () => {
    // Start times whose low halves straddle 2^31 and 2^32, above and below 2^63, and ends that
    // carry into the high half or wrap past 2^64: the copy works on halves, records on bigints.
    const edges = [0xffff_fff0n, 0x7fff_ffffn, 0x8000_0000n, 2n ** 63n - 3n, 2n ** 63n + 0x8000_0001n, 2n ** 64n - 7n, (5n << 32n) | 0xffff_ffffn];
    const durations = [0n, 17n, 2n ** 32n, 2n ** 64n - 1n, 0x8000_0000n];
    const traces = conformanceTraces({ traces: 30, seed: 5 }).map((t, k) =>
      t.map((r, i) => {
        const start = edges[(i + k) % edges.length] + BigInt(i % 3);
        const end = BigInt.asUintN(64, start + durations[(i * 3 + k) % durations.length]);
        return { ...r, span: { ...r.span, startTimeUnixNano: BigInt.asUintN(64, start), endTimeUnixNano: end, flags: 0xffff_ffff, droppedEventsCount: 0x8000_0000 } };
      }),
    );
    const whole = await storedTraces(traces, []);
    const a = await written(whole, 'records', []);
    const b = await written(whole, 'stored', []);
    for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
    // Each trace as two parts whose spans interleave in time: rows are ordered across parts by start.
    const x = await storedTraces(traces.map((t) => t.filter((_, i) => i % 2 === 0)), []);
    const y = await storedTraces(traces.filter((t) => t.length > 1).map((t) => t.filter((_, i) => i % 2 === 1)), []);
    let j = 0;
    const parts = x.map((p) => (y[j] && compareIds(y[j].traceId, p.traceId) === 0 ? [p, y[j++]] : [p]));
    expect(parts.filter((p) => p.length === 2).length).toBeGreaterThan(20);
    const c = await written(parts, 'records', []);
    const d = await written(parts, 'stored', []);
    for (const [key, bytes] of c) expect(d.get(key)!.equals(bytes), key).toBe(true);
  });

  it('from a block with other dedicated columns are written from their records', async () => {
    const traces = await storedTraces(corpus(), EXTRA);
    const a = await written(traces, 'records', []);
    const b = await written(traces, 'stored', []);
    for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
  });

  it('say whether a span id repeats (with its kind), in short traces and long ones', async () => {
    const short = conformanceTraces({ traces: 3 }).find((t) => t.length > 2)!;
    const long = conformanceTraces({ traces: 10, bigTraceSpans: 100 }).find((t) => t.length >= 100)!;
    const otherKind = (r: SpanRecord): SpanRecord => ({ ...r, span: { ...r.span, kind: ((r.span.kind + 1) % 5) as SpanRecord['span']['kind'] } });
    const cases: [SpanRecord[], boolean][] = [
      [short, false],
      [[...short, short[1]], true],
      [[...short, otherKind(short[1])], false],
      [long, false],
      [[...long, long[70]], true],
      [[...long, otherKind(long[70])], false],
    ];
    for (const [trace, repeated] of cases) {
      const [t] = await storedTraces([trace], []);
      expect(t.length).toBe(trace.length);
      expect(t.hasRepeatedSpans()).toBe(repeated);
      // The same spans as two parts: the last span in a part of its own.
      const [head] = await storedTraces([trace.slice(0, -1)], []);
      const [tail] = await storedTraces([trace.slice(-1)], []);
      expect(head.hasRepeatedSpans([tail])).toBe(repeated);
    }
  });
});
