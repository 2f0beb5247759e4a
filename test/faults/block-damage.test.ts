// Fault suite: a corrupt byte in each object type of a block, written by the real block writer and
// read by the real readers, on local disk and on S3 (s3rver). Each costs at most the row group it
// hits; everything else still answers trace lookups, search, metrics and compaction reads, and the
// damage is reported once however often it is met.
import type { ObjectStore } from '@spanbase/backend';
import { MemoryStore } from '@spanbase/backend';
import { BlockObjects, blockColumnFetcher, bloomShardOf, blockSpansetFetcher, listBlocks, openBlock, searchBlock, writeBlock } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader, RowGroupEntry } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex, compareIds, isSpanbaseError } from '@spanbase/model';
import { evaluateMetrics, finishMetrics, planMetrics } from '@spanbase/traceql';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAULT_STORES, damageChunk, flipBytes, objectKey, rowGroupsOf, truncateHalf } from '../src/block-damage.ts';

const TENANT = 'faults';
const START = 1_767_225_600_000_000_000n;
const traces = generateRealisticTraces({ traces: 400, seed: 14, startUnixNano: START });
const SPANS = traces.reduce((n, t) => n + t.length, 0);
const hex = (t: SpanRecord[]) => bytesToHex(t[0].span.traceId);

/** Writes a fresh block: several row groups and bloom shards. */
function write(store: ObjectStore): Promise<BlockMeta> {
  return writeBlock(store, { tenant: TENANT, rowGroupSpans: 600, bloomShardSizeBytes: 64 }, traces);
}

/** A reader that records every damage report. */
function watched(store: ObjectStore, meta: BlockMeta): { reader: BlockReader; reports: BlockDamage[] } {
  const reports: BlockDamage[] = [];
  return { reader: openBlock(store, meta, { onDamage: (d) => reports.push(d) }), reports };
}

function inGroup(t: SpanRecord[], rg: RowGroupEntry): boolean {
  return compareIds(t[0].span.traceId, rg.minTraceId) >= 0 && compareIds(t[0].span.traceId, rg.maxTraceId) <= 0;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'ok', (e: unknown) => (isSpanbaseError(e) ? e.code : String(e)));
}

/** Trace ids found by looking traces up; every tenth is looked up again, meeting known damage. */
async function lookups(reader: BlockReader, which: readonly SpanRecord[][] = traces): Promise<{ found: string[]; failed: string[] }> {
  const found: string[] = [];
  const failed: string[] = [];
  for (const t of which) {
    const got = await reader.findTrace(t[0].span.traceId).catch((e: unknown) => e);
    if (Array.isArray(got) && got.length === t.length) found.push(hex(t));
    else failed.push(hex(t));
  }
  for (const [i, t] of which.entries()) if (i % 10 === 0) await reader.findTrace(t[0].span.traceId).catch(() => undefined);
  return { found, failed };
}

async function searched(reader: BlockReader): Promise<{ ids: string[]; lost: number[] }> {
  const r = await searchBlock(reader, '{}', { limit: 0, spansPerSpanset: 0 });
  return { ids: r.traces.map((t) => t.traceId.padStart(32, '0')).sort(), lost: (r.lost ?? []).map((d) => d.rowGroup!) };
}

async function counted(reader: BlockReader): Promise<number> {
  const S = 1_000_000_000n;
  const plan = planMetrics('{} | count_over_time()', { start: START - 60n * S, end: START + 3600n * S, step: 3600n * S });
  const spansets = blockSpansetFetcher(reader);
  const columns = blockColumnFetcher(reader);
  const result = finishMetrics(plan, await evaluateMetrics(plan, { fetch: (r, s) => spansets.fetch(r, s), fetchColumns: (r, s) => columns.fetchColumns(r, s) }));
  return result.series.reduce((n, s) => n + s.values.reduce((a, v) => a + (Number.isNaN(v) ? 0 : v), 0), 0);
}

async function iterated(reader: BlockReader): Promise<{ ids: string[]; lost: number[] }> {
  const ids: string[] = [];
  const lost: number[] = [];
  for await (const t of reader.iterateTraces({ skipDamaged: true, onLost: (d) => lost.push(d.rowGroup!) })) ids.push(hex(t));
  return { ids: ids.sort(), lost };
}

const all = traces.map(hex).sort();

describe.each(FAULT_STORES)('a corrupt byte in each object of a block, on %s', (_name, makeStore) => {
  let store: ObjectStore;
  let groups: readonly RowGroupEntry[];

  beforeAll(async () => {
    store = makeStore();
    groups = await rowGroupsOf(store, await write(store));
    expect(groups.length).toBeGreaterThanOrEqual(4);
  });

  it('column chunk: that row group is lost to every reader, the rest of the block answers', async () => {
    const meta = await write(store);
    const rg = await damageChunk(store, meta, 2);
    const survivors = traces.filter((t) => !inGroup(t, rg));
    const { reader, reports } = watched(store, meta);
    const l = await lookups(reader);
    expect(l.found.sort()).toEqual(survivors.map(hex).sort());
    expect(l.failed).toHaveLength(traces.length - survivors.length);
    expect(await codeOf(reader.findTrace(traces.find((t) => inGroup(t, rg))![0].span.traceId))).toBe('BLK_ERR_CHECKSUM');
    expect(await searched(reader)).toEqual({ ids: survivors.map(hex).sort(), lost: [2] });
    expect(await counted(reader)).toBe(SPANS - rg.rows);
    expect(await iterated(openBlock(store, meta))).toEqual({ ids: survivors.map(hex).sort(), lost: [2] });
    expect(reports.map((d) => [d.object, d.rowGroup, d.fallback])).toEqual([['data.parquet', 2, 'row-group-lost']]);
  });

  it('Parquet footer: nothing is lost, row groups are just not pruned by statistics', async () => {
    const meta = await write(store);
    await flipBytes(store, objectKey(meta, BlockObjects.data), [meta.size - 40]);
    const { reader, reports } = watched(store, meta);
    expect((await lookups(reader)).found.sort()).toEqual(all);
    const r = await searchBlock(reader, '{ status = error }', { limit: 0, spansPerSpanset: 0 });
    const clean = new MemoryStore();
    const want = await searchBlock(openBlock(clean, await writeBlock(clean, { tenant: TENANT, rowGroupSpans: 600, bloomShardSizeBytes: 64 }, traces)), '{ status = error }', { limit: 0, spansPerSpanset: 0 });
    expect(r.traces.map((t) => t.traceId).sort()).toEqual(want.traces.map((t) => t.traceId).sort());
    expect(await counted(reader)).toBe(SPANS);
    expect((await iterated(reader)).ids).toEqual(all);
    expect(reports.map((d) => d.fallback)).toEqual(['statistics-skipped']);
  });

  it('index: rebuilt from data.parquet, nothing is lost', async () => {
    const meta = await write(store);
    await flipBytes(store, objectKey(meta, BlockObjects.index), [60]);
    const { reader, reports } = watched(store, meta);
    expect((await lookups(reader)).found.sort()).toEqual(all);
    expect(await searched(reader)).toEqual({ ids: all, lost: [] });
    expect(await counted(reader)).toBe(SPANS);
    expect((await iterated(reader)).ids).toEqual(all);
    expect(reports.map((d) => [d.object, d.fallback])).toEqual([['index', 'index-rebuilt']]);
  });

  it('index and a column chunk: the block is unreadable, and says so once', async () => {
    const meta = await write(store);
    await damageChunk(store, meta, 1);
    await flipBytes(store, objectKey(meta, BlockObjects.index), [60]);
    const { reader, reports } = watched(store, meta);
    expect((await lookups(reader)).found).toEqual([]);
    expect(await codeOf(searched(reader))).toBe('BLK_ERR_CHECKSUM');
    expect(reports.map((d) => d.fallback)).toEqual(['index-rebuilt', 'block-unreadable']);
  });

  it('each bloom shard: lookups of its traces go on to the index and find them', async () => {
    const meta = await write(store);
    expect(meta.bloomShards).toBeGreaterThanOrEqual(3);
    for (let n = 0; n < meta.bloomShards; n++) {
      const key = objectKey(meta, BlockObjects.bloom(n));
      // Four bytes, as in the field report: enough to fail the checksum, not the shard's shape.
      await flipBytes(store, key, [30, 31, 40, 41]);
      const { reader, reports } = watched(store, meta);
      const mine = traces.filter((t) => bloomShardOf(t[0].span.traceId, meta.bloomShards) === n);
      expect(mine.length, `bloom-${n}`).toBeGreaterThan(0);
      expect((await lookups(reader, mine)).found.sort(), `bloom-${n}`).toEqual(mine.map(hex).sort());
      expect(reports.map((d) => [d.object, d.fallback]), `bloom-${n}`).toEqual([[`bloom-${n}`, 'bloom-skipped']]);
      await flipBytes(store, key, [30, 31, 40, 41]);
    }
  });

  it('tags: the block adds nothing to autocomplete, every other read is whole', async () => {
    const meta = await write(store);
    await flipBytes(store, objectKey(meta, BlockObjects.tags), [7]);
    const { reader, reports } = watched(store, meta);
    for (let i = 0; i < 3; i++) expect(Object.values((await reader.tags()).scopes).flat()).toEqual([]);
    expect(await searched(reader)).toEqual({ ids: all, lost: [] });
    expect(reports.map((d) => [d.object, d.fallback])).toEqual([['tags', 'tags-skipped']]);
  });

  it('meta.json: the block is listed as unreadable instead of being guessed at', async () => {
    const meta = await write(store);
    await truncateHalf(store, objectKey(meta, BlockObjects.meta));
    const list = await listBlocks(store, TENANT);
    expect(list.live.map((m) => m.blockID)).not.toContain(meta.blockID);
    expect(list.errors.map((e) => e.key)).toEqual([objectKey(meta, BlockObjects.meta)]);
    expect(await codeOf(Promise.reject(list.errors[0].error))).toBe('BLK_ERR_FORMAT');
  });
});
