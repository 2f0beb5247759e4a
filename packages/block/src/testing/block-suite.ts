// The block conformance suite (STYLE rule 4): every block format runs it. It writes generated
// traces through the registry and checks that the block gives back exactly what went in.
import type { ObjectStore } from '@spanbase/backend';
import { CountingSink, MemoryStore, withMetrics } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex, isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { BlockBadInput, BlockWriterClosed } from '../errors.ts';
import type { BlockWriterOptions } from '../format.ts';
import { blockKey } from '../keys.ts';
import type { BlockMeta } from '../meta.ts';
import { parseBlockMeta } from '../meta.ts';
import { createBlockWriter, openBlock, writeBlock } from '../registry.ts';
import { canonicalRecord, canonicalTrace } from './compare.ts';
import { conformanceTraces, idFromNumber } from './conformance-traces.ts';
import { Rng } from './random.ts';

/** Writes `traces` as one block of `format` into a fresh MemoryStore. */
export async function writeTestBlock(format: string, traces: SpanRecord[][], opts: Partial<BlockWriterOptions> = {}, store: ObjectStore = new MemoryStore()): Promise<{ store: ObjectStore; meta: BlockMeta }> {
  const meta = await writeBlock(store, { tenant: 'conformance', format, ...opts }, traces);
  return { store, meta };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSpanbaseError(err) ? err.code : err).toBe(code);
}

/**
 * Runs the conformance suite against `format`. `small` are writer options that force several
 * row groups (and pages) on the small test blocks.
 */
export function describeBlockFormat(format: string, small: Partial<BlockWriterOptions> = {}): void {
  describe(`block format ${format}: conformance`, () => {
    const traces = conformanceTraces({ traces: 60 });

    it('finds every trace with exactly the spans written', async () => {
      const { store, meta } = await writeTestBlock(format, traces, small);
      const reader = openBlock(store, meta);
      for (const t of traces) {
        const got = await reader.findTrace(t[0].span.traceId);
        expect(got, bytesToHex(t[0].span.traceId)).toBeDefined();
        expect(canonicalTrace(got!)).toEqual(canonicalTrace(t));
        // Spans of one resource share one Resource object, as OTLP's nesting implies.
        const byCanon = new Map<string, Set<unknown>>();
        for (const r of got!) {
          const key = canonicalRecord({ ...r, span: t[0].span, scope: t[0].scope, scopeSchemaUrl: '' });
          if (!byCanon.has(key)) byCanon.set(key, new Set());
          byCanon.get(key)!.add(r.resource);
        }
        for (const objects of byCanon.values()) expect(objects.size).toBe(1);
      }
    });

    it('answers undefined for ids it does not hold', async () => {
      const { store, meta } = await writeTestBlock(format, traces, small);
      const reader = openBlock(store, meta);
      const rng = new Rng(5);
      const absent = [new Uint8Array(16), new Uint8Array(16).fill(255), idFromNumber(12345n), ...Array.from({ length: 200 }, () => rng.bytes(16))];
      for (const id of absent) expect(await reader.findTrace(id)).toBeUndefined();
      expect(await reader.findTrace(new Uint8Array(8))).toBeUndefined();
    });

    it('iterates every trace once, in trace-id order', async () => {
      const { store, meta } = await writeTestBlock(format, traces, small);
      const seen: string[][] = [];
      for await (const t of openBlock(store, meta).iterateTraces()) seen.push(canonicalTrace(t));
      expect(seen).toEqual(traces.map(canonicalTrace));
    });

    it('describes itself in meta.json and verifies clean', async () => {
      const { store, meta } = await writeTestBlock(format, traces, small);
      const stored = parseBlockMeta(await store.get(blockKey('conformance', meta.blockID, 'meta.json')));
      expect(stored).toEqual(meta);
      expect(meta.format).toBe(format);
      expect(meta.totalObjects).toBe(traces.length);
      expect(meta.spanCount).toBe(traces.reduce((n, t) => n + t.length, 0));
      const starts = traces.flat().map((r) => r.span.startTimeUnixNano);
      const ends = traces.flat().map((r) => r.span.endTimeUnixNano);
      expect(meta.startUnixNano).toBe(starts.reduce((a, b) => (b < a ? b : a)).toString());
      expect(meta.endUnixNano).toBe(ends.reduce((a, b) => (b > a ? b : a)).toString());
      expect(meta.minTraceID).toBe(bytesToHex(traces[0][0].span.traceId));
      expect(meta.maxTraceID).toBe(bytesToHex(traces[traces.length - 1][0].span.traceId));
      const report = await openBlock(store, meta).verify();
      expect(report.issues).toEqual([]);
      expect(report.ok).toBe(true);
      // Every object, and the Parquet bloom filters by their own checksum where the block has them.
      expect(report.checked.sort()).toEqual([...Object.keys(meta.checksums), ...(meta.columnBlooms ? ['data.parquet blooms'] : []), ...(meta.pageIndex ? ['data.parquet page index'] : [])].sort());
    });

    it('works with sequential ids and an async source', async () => {
      const seq = conformanceTraces({ traces: 40, sequentialIds: true, idBase: 1000n, bigTraceSpans: 20 });
      async function* source() {
        for (const t of seq) yield t;
      }
      const store = new MemoryStore();
      const meta = await writeBlock(store, { tenant: 'conformance', format, ...small }, source());
      const reader = openBlock(store, meta);
      for (const t of seq) expect(canonicalTrace((await reader.findTrace(t[0].span.traceId))!)).toEqual(canonicalTrace(t));
      expect(await reader.findTrace(idFromNumber(999n))).toBeUndefined();
      expect(await reader.findTrace(idFromNumber(1040n))).toBeUndefined();
    });

    it('keeps the bloom filter near its false-positive target, also for sequential ids', async () => {
      // Even ids are written, odd ones asked for: every lookup is inside the block's id range, so
      // one that costs more than one request got past the bloom filter.
      const even = conformanceTraces({ traces: 3000, sequentialIds: true, bigTraceSpans: 1 }).map((t, i) => t.slice(0, 1).map((r) => ({ ...r, span: { ...r.span, traceId: idFromNumber(BigInt(i) * 2n + 2n), parentSpanId: new Uint8Array(0) } })));
      const { store, meta } = await writeTestBlock(format, even, { bloomFalsePositive: 0.02 });
      const sink = new CountingSink();
      const reader = openBlock(withMetrics(store, sink), meta);
      let passed = 0;
      for (let i = 0; i < 3000; i++) {
        sink.reset();
        expect(await reader.findTrace(idFromNumber(BigInt(i) * 2n + 3n))).toBeUndefined();
        if (sink.requests() > 1) passed++;
      }
      expect(passed / 3000).toBeLessThan(0.04);
    });

    it('rejects a trace out of order and stays usable', async () => {
      const store = new MemoryStore();
      const w = createBlockWriter(store, { tenant: 'conformance', format, ...small });
      await w.addTrace(traces[1]);
      await rejectsWith(w.addTrace(traces[0]), BlockBadInput.code);
      expect((await store.list('conformance/')).objects.filter((o) => o.key.endsWith('meta.json'))).toEqual([]);
      await w.addTrace(traces[2]);
      const meta = await w.finish();
      expect(meta.totalObjects).toBe(2);
      const reader = openBlock(store, meta);
      expect(await reader.findTrace(traces[0][0].span.traceId)).toBeUndefined();
      expect(canonicalTrace((await reader.findTrace(traces[2][0].span.traceId))!)).toEqual(canonicalTrace(traces[2]));
      await rejectsWith(w.addTrace(traces[3]), BlockWriterClosed.code);
    });

    it('rejects a repeated trace, an empty trace and an empty block', async () => {
      const store = new MemoryStore();
      const w1 = createBlockWriter(store, { tenant: 'conformance', format });
      await w1.addTrace(traces[0]);
      await rejectsWith(w1.addTrace(traces[0]), BlockBadInput.code);
      const w2 = createBlockWriter(store, { tenant: 'conformance', format });
      await rejectsWith(w2.addTrace([]), BlockBadInput.code);
      const w3 = createBlockWriter(store, { tenant: 'conformance', format });
      await rejectsWith(w3.finish(), BlockBadInput.code);
      const w4 = createBlockWriter(store, { tenant: 'conformance', format });
      await w4.addTrace(traces[0]);
      await w4.abort();
      await rejectsWith(w4.addTrace(traces[1]), BlockWriterClosed.code);
      expect((await store.list('conformance/')).objects.filter((o) => o.key.endsWith('meta.json'))).toEqual([]);
    });
  });
}
