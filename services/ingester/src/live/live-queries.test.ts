// The live-query worker answers searches as the live index on this thread does, with each trace's
// spansets packed into bytes: the thread that merges them also acknowledges ingest, and should
// not rebuild an object per span and attribute of every answer.
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceTraces } from '@spanbase/block/testing';
import { groupSpanRecords } from '@spanbase/model';
import { encodeTracesData, scanExportRequest, shareScan } from '@spanbase/otlp';
import { unpackTrace } from '@spanbase/internal-api';
import { Chunk } from '../chunk.ts';
import { TenantStore } from '../tenant-store.ts';
import { InlineLiveQueries, WorkerLiveQueries } from './live-queries.ts';

describe('WorkerLiveQueries', () => {
  const worker = new WorkerLiveQueries({ snapshot: () => [], abortGraceMs: 1000, memoryMb: 0, slots: 1 });
  afterAll(() => worker.close());

  it('answers searches as the inline index does, spansets packed', async () => {
    const inline = new InlineLiveQueries();
    const traces = conformanceTraces().slice(0, 12);
    const scan = shareScan(scanExportRequest(encodeTracesData(groupSpanRecords(traces.flat()))));
    // The tenant store numbers each trace's generation, as the ingester does.
    const gens = new Float64Array(scan.spanCount);
    new TenantStore('t').add(new Chunk(scan, undefined, 0), 0, gens);
    inline.added('t', scan, gens);
    worker.added('t', scan, gens);
    const signal = new AbortController().signal;
    const opts = { limit: 20, spansPerSpanset: 2, start: 0n, end: 0n };
    for (const q of ['{}', '{ kind = server }', '{ span.http.route != nil } | by(resource.service.name)']) {
      const want = await inline.search('t', q, opts, signal);
      const got = await worker.search('t', q, opts, signal);
      expect(want.traces.length, q).toBeGreaterThan(0);
      for (const t of got.traces) {
        expect(t.spansets, q).toEqual([]);
        expect(t.packed!.bytes.byteLength, q).toBeGreaterThan(0);
        expect(t.packed!.spans, q).toBe(want.traces.find((w) => w.traceId === t.traceId)!.spansets.reduce((n, ss) => n + ss.spans.length, 0));
      }
      expect({ ...got, traces: got.traces.map(unpackTrace) }, q).toEqual(want);
    }
  });
});
