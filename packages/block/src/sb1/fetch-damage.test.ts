// A damaged column chunk costs search and metrics that row group only: both fetchers answer from
// the other row groups exactly as if the group's traces were not in the block, and say which
// group they left out. A damaged Parquet footer costs only row-group pruning, a damaged page index
// only page pruning.
import type { ObjectStore } from '@spanbase/backend';
import { MemoryStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { compareIds } from '@spanbase/model';
import type { MetricsFetcher, MetricsRequest, MetricsResult } from '@spanbase/traceql';
import { MemoryColumnFetcher, evaluateMetrics, executeSearch, finishMetrics, planMetrics } from '@spanbase/traceql';
import { beforeEach, describe, expect, it } from 'vitest';
import { BlockObjects, blockKey } from '../keys.ts';
import type { BlockMeta } from '../meta.ts';
import { openBlock, writeBlock } from '../registry.ts';
import { blockColumnFetcher } from './fetch-columns.ts';
import { searchBlock } from './fetch-search.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import { CORPUS_END, CORPUS_START, corpusTraces } from './fetch-test-corpus.ts';
import type { RowGroupEntry } from './index-file.ts';
import type { Sb1Reader } from './reader.ts';

const S = 1_000_000_000n;
const FULL: MetricsRequest = { start: CORPUS_START - 60n * S, end: CORPUS_END + 60n * S, step: 60n * S };
const SEARCHES = ['{}', '{ status = error }', '{ kind = server } >> {}', '{ duration > 10ms && resource.service.name != "x" }'];
const METRICS = ['{} | count_over_time()', '{ kind = server } | rate() by (resource.service.name)', '{} | quantile_over_time(duration, .5, .99)'];

async function flip(store: ObjectStore, key: string, at: number): Promise<void> {
  const bytes = (await store.get(key))!;
  bytes[at] ^= 0x21;
  await store.put(key, bytes);
}

function metrics(query: string, fetcher: MetricsFetcher): Promise<MetricsResult> {
  const plan = planMetrics(query, FULL);
  return evaluateMetrics(plan, fetcher).then((p) => finishMetrics(plan, p));
}

describe('fetchers over a damaged block', () => {
  const traces = corpusTraces(21, 240);
  let store: MemoryStore;
  let meta: BlockMeta;
  let groups: readonly RowGroupEntry[];
  let survivors: SpanRecord[][];
  const lostGroup = 2;

  beforeEach(async () => {
    store = new MemoryStore();
    meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 200, pageSizeBytes: 2048 }, traces);
    const reader = openBlock(store, meta) as Sb1Reader;
    groups = await reader.rowGroups();
    const rg = groups[lostGroup];
    // duration_nano is read by every search and every metrics query here.
    const column = reader.columns.findIndex((c) => c.name === 'duration_nano');
    await flip(store, blockKey('t', meta.blockID, BlockObjects.data), rg.offset + rg.chunkOffsets[column] + 5);
    survivors = traces.filter((t) => compareIds(t[0].span.traceId, rg.minTraceId) < 0 || compareIds(t[0].span.traceId, rg.maxTraceId) > 0);
    expect(survivors.length).toBeLessThan(traces.length);
  });

  it('search answers from every other row group and names the one it lost', async () => {
    const reference = new MemoryColumnFetcher(survivors);
    const reader = openBlock(store, meta);
    for (const q of SEARCHES) {
      const want = await executeSearch(q, reference, { limit: 0, spansPerSpanset: 0 });
      const got = await searchBlock(reader, q, { limit: 0, spansPerSpanset: 0 });
      expect(got.traces.map((t) => t.traceId).sort(), q).toEqual(want.traces.map((t) => t.traceId).sort());
      expect(got.lost?.map((d) => [d.rowGroup, d.rows]), q).toEqual([[lostGroup, groups[lostGroup].rows]]);
    }
    expect(reader.damage()).toHaveLength(1);
  });

  it('metrics count every span but those of the lost row group, on both paths', async () => {
    const reference = new MemoryColumnFetcher(survivors);
    const reader = openBlock(store, meta);
    for (const q of METRICS) {
      const lost: number[] = [];
      const columns = blockColumnFetcher(reader, { onLost: (d) => lost.push(d.rowGroup!) });
      const spansets = blockSpansetFetcher(reader, { onLost: (d) => lost.push(d.rowGroup!) });
      const viaColumns = await metrics(q, { fetch: (r, s) => spansets.fetch(r, s), fetchColumns: (r, s) => columns.fetchColumns(r, s) });
      const viaSpansets = await metrics(q, spansets);
      const want = await metrics(q, reference);
      for (const got of [viaColumns, viaSpansets]) {
        expect(got.series.map((s) => s.labels), q).toEqual(want.series.map((s) => s.labels));
        got.series.forEach((s, i) => s.values.forEach((v, j) => expect(Math.abs(v - want.series[i].values[j]) <= 1e-9 * Math.abs(v) || (Number.isNaN(v) && Number.isNaN(want.series[i].values[j])), q).toBe(true)));
      }
      expect(new Set(lost), q).toEqual(new Set([lostGroup]));
    }
  });

  it('a damaged footer costs only the statistics: answers stay whole', async () => {
    const clean = new MemoryStore();
    const m = await writeBlock(clean, { tenant: 't', rowGroupSpans: 200, pageSizeBytes: 2048 }, traces);
    const want = await searchBlock(openBlock(clean, m), '{ status = error }', { limit: 0, spansPerSpanset: 0 });
    await flip(clean, blockKey('t', m.blockID, BlockObjects.data), m.size - 20);
    const reader = openBlock(clean, m);
    const got = await searchBlock(reader, '{ status = error }', { limit: 0, spansPerSpanset: 0 });
    expect(got.traces.map((t) => t.traceId).sort()).toEqual(want.traces.map((t) => t.traceId).sort());
    expect(got.lost).toBeUndefined();
    expect(reader.damage().map((d) => d.fallback)).toEqual(['statistics-skipped']);
  });

  it('a damaged value index or damaged Parquet bloom filters rule nothing out: answers stay whole', async () => {
    const clean = new MemoryStore();
    const m = await writeBlock(clean, { tenant: 't', rowGroupSpans: 200, pageSizeBytes: 2048 }, traces);
    expect(m.columnBlooms).toBeDefined();
    const queries = ['{ span.a = "x" }', '{ resource.service.name = "cart" }', '{ name = "charge" }', '{ span.a = "absent" }'];
    const want = await Promise.all(queries.map(async (q) => (await searchBlock(openBlock(clean, m), q, { limit: 0, spansPerSpanset: 0 })).traces.map((t) => t.traceId).sort()));
    expect(want.slice(0, 3).every((ids) => ids.length > 0)).toBe(true);
    const values = blockKey('t', m.blockID, BlockObjects.values);
    await flip(clean, values, 20);
    await flip(clean, blockKey('t', m.blockID, BlockObjects.data), m.columnBlooms!.offset + 40);
    const reader = openBlock(clean, m) as Sb1Reader;
    for (const [i, q] of queries.entries()) {
      const got = await searchBlock(reader, q, { limit: 0, spansPerSpanset: 0 });
      expect(got.traces.map((t) => t.traceId).sort(), q).toEqual(want[i]);
      expect(got.lost, q).toBeUndefined();
    }
    expect(reader.damage().map((d) => [d.object, d.fallback]).sort()).toEqual([['data.parquet blooms', 'bloom-skipped'], ['values', 'bloom-skipped']]);
    const report = await reader.verify();
    expect(report.issues.map((i) => [i.object, i.problem]).sort()).toEqual([['data.parquet blooms', 'checksum'], ['data.parquet', 'checksum'], ['values', 'checksum']]);
    expect(report.checked).toEqual(expect.arrayContaining(['values', 'data.parquet blooms']));
    // A missing value index (a block written before there were any) is no damage either.
    await clean.delete(values);
    const fresh = openBlock(clean, { ...m, checksums: Object.fromEntries(Object.entries(m.checksums).filter(([k]) => k !== 'values')) }) as Sb1Reader;
    expect((await searchBlock(fresh, queries[0], { limit: 0, spansPerSpanset: 0 })).traces.map((t) => t.traceId).sort()).toEqual(want[0]);
    expect(fresh.damage().map((d) => d.object)).toEqual(['data.parquet blooms']);
  });

  it('a damaged page index skips no page: answers stay whole', async () => {
    const clean = new MemoryStore();
    const m = await writeBlock(clean, { tenant: 't', rowGroupSpans: 200, pageSizeBytes: 1024 }, traces);
    expect(m.pageIndex).toBeDefined();
    const queries = ['{ duration > 10ms }', '{ status = error }', '{ kind = server && duration < 5ms }'];
    const want = await Promise.all(queries.map(async (q) => (await searchBlock(openBlock(clean, m), q, { limit: 0, spansPerSpanset: 0 })).traces.map((t) => t.traceId).sort()));
    expect(want.every((ids) => ids.length > 0)).toBe(true);
    await flip(clean, blockKey('t', m.blockID, BlockObjects.data), m.pageIndex!.offset + Math.floor(m.pageIndex!.size / 2));
    const reader = openBlock(clean, m) as Sb1Reader;
    for (const [i, q] of queries.entries()) {
      const got = await searchBlock(reader, q, { limit: 0, spansPerSpanset: 0 });
      expect(got.traces.map((t) => t.traceId).sort(), q).toEqual(want[i]);
      expect(got.lost, q).toBeUndefined();
    }
    expect(reader.damage().map((d) => [d.object, d.fallback])).toEqual([['data.parquet page index', 'statistics-skipped']]);
    const report = await reader.verify();
    expect(report.issues.map((i) => [i.object, i.problem]).sort()).toEqual([['data.parquet page index', 'checksum'], ['data.parquet', 'checksum']]);
  });
});

