import type { ObjectStore, PutBody } from '@spanbase/backend';
import { CountingSink, MemoryStore, withMetrics } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { av, bytesToHex, compareIds, isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { BlockChecksum, BlockUnknownFormat } from '../errors.ts';
import { blockKey } from '../keys.ts';
import { openBlock } from '../registry.ts';
import { canonicalTrace } from '../testing/compare.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { Rng } from '../testing/random.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { bloomShardOf } from './bloom.ts';
import type { Sb1Reader } from './reader.ts';

const TENANT = 'conformance';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  return isSpanbaseError(err) ? err.code : err === undefined ? undefined : String(err);
}

async function flipByte(store: ObjectStore, key: string, at: number): Promise<void> {
  const bytes = (await store.get(key))!;
  bytes[at] ^= 0x40;
  await store.put(key, bytes);
}

describe('sb1 reader', () => {
  const traces = generateRealisticTraces({ traces: 400, seed: 11 });

  it('costs one bloom read for an id the block cannot hold, none outside its id range, at most three for a hit', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const sink = new CountingSink();
    const reader = openBlock(withMetrics(store, sink), meta);
    const count = async (id: Uint8Array) => {
      sink.reset();
      const found = await reader.findTrace(id);
      return { found, requests: sink.requests(), gets: sink.requests('get'), ranges: sink.requests('getRange') };
    };
    expect(await count(new Uint8Array(16))).toEqual({ found: undefined, requests: 0, gets: 0, ranges: 0 });
    expect(await count(new Uint8Array(16).fill(255))).toEqual({ found: undefined, requests: 0, gets: 0, ranges: 0 });
    const first = await count(traces[7][0].span.traceId);
    expect(first.found).toHaveLength(traces[7].length);
    expect(first).toMatchObject({ requests: 3, gets: 2, ranges: 1 });
    const rng = new Rng(8);
    let oneRead = 0;
    for (let i = 0; i < 300; i++) {
      const r = await count(rng.bytes(16));
      expect(r.found).toBeUndefined();
      expect(r.requests).toBeLessThanOrEqual(2);
      if (r.requests === 1) oneRead++;
    }
    expect(oneRead).toBeGreaterThan(285);
    for (const t of traces.slice(0, 50)) {
      const r = await count(t[0].span.traceId);
      expect(r.found).toHaveLength(t.length);
      expect(r).toMatchObject({ requests: 2, gets: 1, ranges: 1 });
    }
  });

  it('detects a flipped byte in the row group of a trace and in a bloom shard, and loses no more than it must', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const reader = openBlock(store, meta) as Sb1Reader;
    const groups = await reader.rowGroups();
    const target = traces[200];
    const rg = groups.find((g) => compareIds(g.minTraceId, target[0].span.traceId) <= 0 && compareIds(target[0].span.traceId, g.maxTraceId) <= 0)!;
    const dataKey = blockKey(TENANT, meta.blockID, 'data.parquet');
    await flipByte(store, dataKey, rg.offset + Math.floor(rg.length / 2));
    const fresh = openBlock(store, meta);
    expect(await codeOf(fresh.findTrace(target[0].span.traceId))).toBe(BlockChecksum.code);
    const elsewhere = traces.find((t) => compareIds(t[0].span.traceId, rg.minTraceId) < 0)!;
    expect(canonicalTrace((await fresh.findTrace(elsewhere[0].span.traceId))!)).toEqual(canonicalTrace(elsewhere));
    expect(fresh.damage().map((d) => [d.rowGroup, d.fallback])).toEqual([[groups.indexOf(rg), 'row-group-lost']]);
    // A damaged bloom shard rules nothing out: the lookup goes on to the index and finds the trace.
    const shard = bloomShardOf(elsewhere[0].span.traceId, meta.bloomShards);
    await flipByte(store, blockKey(TENANT, meta.blockID, `bloom-${shard}`), 30);
    const noBloom = openBlock(store, meta);
    expect(canonicalTrace((await noBloom.findTrace(elsewhere[0].span.traceId))!)).toEqual(canonicalTrace(elsewhere));
    expect(noBloom.damage().map((d) => [d.object, d.fallback])).toEqual([[`bloom-${shard}`, 'bloom-skipped']]);
    const report = await fresh.verify();
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => [i.object, i.problem])).toEqual([[`bloom-${shard}`, 'checksum'], ['data.parquet', 'checksum']]);
    expect(report.issues[1].message).toMatch(new RegExp(`row group ${groups.indexOf(rg)} column `));
    await flipByte(store, blockKey(TENANT, meta.blockID, `bloom-${shard}`), 30);
    // Without its index the block is read through an index rebuilt from data.parquet; with
    // data.parquet damaged too, nothing can be trusted and the block is unreadable.
    await store.delete(blockKey(TENANT, meta.blockID, 'index'));
    expect(await codeOf(openBlock(store, meta).findTrace(elsewhere[0].span.traceId))).toBe(BlockChecksum.code);
    await flipByte(store, dataKey, rg.offset + Math.floor(rg.length / 2));
    expect(canonicalTrace((await openBlock(store, meta).findTrace(target[0].span.traceId))!)).toEqual(canonicalTrace(target));
    expect((await openBlock(store, meta).verify()).issues.find((i) => i.object === 'index')?.problem).toBe('missing');
  });

  it('reads chosen columns of a row group and exposes row-group ranges and statistics', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 });
    const sink = new CountingSink();
    const reader = openBlock(withMetrics(store, sink), meta) as Sb1Reader;
    const groups = await reader.rowGroups();
    expect(groups.length).toBe(meta.rowGroups);
    expect(groups.length).toBeGreaterThan(5);
    expect(groups.reduce((n, g) => n + g.rows, 0)).toBe(meta.spanCount);
    for (let g = 1; g < groups.length; g++) expect(compareIds(groups[g - 1].maxTraceId, groups[g].minTraceId)).toBeLessThan(0);
    sink.reset();
    const cols = await reader.readColumns(2, ['span_str_keys', 'span_str_values', 'service_name']);
    const chunkBytes = (name: string) => {
      const c = reader.columns.findIndex((x) => x.name === name);
      return groups[2].chunkOffsets[c + 1] - groups[2].chunkOffsets[c];
    };
    expect(sink.requests('getRange')).toBeLessThanOrEqual(2);
    sink.reset();
    await reader.readColumns(2, ['span_str_keys', 'span_str_values']);
    expect(sink.requests('getRange')).toBe(1);
    expect(sink.bytes('getRange')).toBe(chunkBytes('span_str_keys') + chunkBytes('span_str_values'));
    const rows = traces.flat().filter((r) => compareIds(r.span.traceId, groups[2].minTraceId) >= 0 && compareIds(r.span.traceId, groups[2].maxTraceId) <= 0);
    expect(cols.service_name).toHaveLength(rows.length);
    const strAttrs = (cols.span_str_keys as string[][]).flatMap((keys, i) => keys.map((k, j) => `${k}=${(cols.span_str_values[i] as string[])[j]}`)).sort();
    const expected = rows.flatMap((r) => r.span.attributes.filter((a) => a.value.type === 'string' && !['http.method', 'http.route', 'http.url', 'db.system', 'db.name', 'rpc.system', 'rpc.service', 'rpc.method', 'messaging.system'].includes(a.key)).map((a) => `${a.key}=${(a.value as { value: string }).value}`)).sort();
    expect(strAttrs).toEqual(expected);
    const part = await reader.readColumns(2, ['name'], { start: 10, end: 20 });
    expect(part.name).toEqual((await reader.readColumns(2, ['name'])).name.slice(10, 20));
    const stats = (await reader.columnStats())!;
    expect(stats).toHaveLength(groups.length);
    const traceIdCol = reader.columns.findIndex((c) => c.name === 'trace_id');
    for (const [g, s] of stats.entries()) {
      expect(bytesToHex(s[traceIdCol].min as Uint8Array)).toBe(bytesToHex(groups[g].minTraceId));
      expect(bytesToHex(s[traceIdCol].max as Uint8Array)).toBe(bytesToHex(groups[g].maxTraceId));
    }
    await expect(reader.readColumns(0, ['no_such_column'])).rejects.toThrow(/no column/);
  });

  it('puts configured dedicated attributes in their own columns when the type matches', async () => {
    const base = conformanceTraces({ traces: 10 });
    const withAttrs: SpanRecord[][] = base.map((t, i) => t.map((r, j) => ({ ...r, span: { ...r.span, attributes: [...r.span.attributes, { key: 'team', value: j % 2 ? av.string(`t${i}`) : av.int(i) }, { key: 'cost', value: av.int(j) }] } })));
    const { store, meta } = await writeTestBlock('sb1', withAttrs, { dedicatedColumns: [{ n: 'team' }, { n: 'cost', t: 'int' }, { s: 'resource', n: 'host.name' }] });
    expect(meta.dedicatedColumns).toEqual([{ n: 'team' }, { n: 'cost', t: 'int' }, { s: 'resource', n: 'host.name' }]);
    const reader = openBlock(store, meta) as Sb1Reader;
    const cols = await reader.readColumns(0, ['span_dc_team', 'span_dc_cost', 'resource_dc_host_name', 'span_int_keys']);
    expect((cols.span_dc_team as (string | null)[]).filter((v) => v !== null).every((v) => /^t\d+$/.test(v))).toBe(true);
    expect((cols.span_dc_cost as (bigint | null)[]).every((v) => typeof v === 'bigint')).toBe(true);
    expect((cols.span_int_keys as string[][]).some((k) => k.includes('team'))).toBe(true);
    expect((cols.span_int_keys as string[][]).some((k) => k.includes('cost'))).toBe(false);
    expect((cols.resource_dc_host_name as (string | null)[]).includes('node-1')).toBe(true);
    for (const t of withAttrs) expect(canonicalTrace((await reader.findTrace(t[0].span.traceId))!)).toEqual(canonicalTrace(t));
  });

  it('streams data.parquet to the store in one chunk per row group', async () => {
    const chunks: number[] = [];
    const inner = new MemoryStore();
    const store: ObjectStore = Object.assign(Object.create(inner) as ObjectStore, {
      put: async (key: string, body: PutBody) => {
        if (body instanceof Uint8Array) return inner.put(key, body);
        const parts: Uint8Array[] = [];
        for await (const c of body) {
          parts.push(c);
          if (key.endsWith('data.parquet')) chunks.push(c.length);
        }
        return inner.put(key, Buffer.concat(parts));
      },
    });
    const { meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 500 }, store);
    expect(chunks.length).toBe(meta.rowGroups + 1);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(meta.size);
    expect(Math.max(...chunks)).toBeLessThan(meta.size / 3);
  });

  it('refuses a block whose format it does not know', async () => {
    const { store, meta } = await writeTestBlock('sb1', traces.slice(0, 3));
    expect(() => openBlock(store, { ...meta, format: 'sb9' })).toThrow(expect.objectContaining({ code: BlockUnknownFormat.code }));
  });
});

describe('sb1 tags', () => {
  it('returns the summary the writer built, and checks its checksum', async () => {
    const traces = generateRealisticTraces({ traces: 100, seed: 4 });
    const { store, meta } = await writeTestBlock('sb1', traces);
    const tags = await openBlock(store, meta).tags();
    expect(tags.scopes.resource.find((k) => k.name === 'service.name')!.count).toBe(meta.spanCount);
    expect(tags.intrinsics.rootServiceName).toEqual([{ type: 'string', value: 'frontend', count: 100 }]);
    await flipByte(store, blockKey(TENANT, meta.blockID, 'tags'), 5);
    // A damaged summary leaves the block out of autocomplete instead of failing it.
    const damaged = openBlock(store, meta);
    const empty = await damaged.tags();
    expect(Object.values(empty.scopes).flat()).toEqual([]);
    expect(empty.intrinsics).toEqual({});
    await damaged.tags();
    expect(damaged.damage().map((d) => [d.object, d.fallback])).toEqual([['tags', 'tags-skipped']]);
  });
});

describe('sb1 writer options', () => {
  it('refuses options it cannot use', async () => {
    const { createBlockWriter } = await import('../registry.ts');
    const store = new MemoryStore();
    for (const bad of [{ tenant: '' }, { tenant: 't', blockId: 'x' }, { tenant: 't', bloomFalsePositive: 0 }, { tenant: 't', pageSizeBytes: 10 }, { tenant: 't', compressionLevel: 30 }, { tenant: 't', compactionLevel: -1 }, { tenant: 't', expectedTraces: 1.5 }, { tenant: 't', dedicatedColumns: [{ n: '' }] }]) {
      expect(() => createBlockWriter(store, bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'BLK_ERR_BAD_OPTIONS' }));
    }
    expect((await store.list('')).objects).toEqual([]);
  });
});
