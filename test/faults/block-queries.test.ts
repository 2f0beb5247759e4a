// Fault suite, through the HTTP API: a block with one damaged row group and one damaged bloom shard
// still answers search, metrics and trace lookups from everything else. Metrics say PARTIAL and name
// the row group, trace-by-id of a trace in it says PARTIAL, lookups through the damaged bloom shard
// find their traces, and the damage is counted once however many queries meet it.
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import { BlockObjects, bloomShardOf, writeBlock } from '@spanbase/block';
import type { BlockMeta, RowGroupEntry } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex, compareIds } from '@spanbase/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damageChunk, flipBytes, objectKey } from '../src/block-damage.ts';
import { startTestSpanbase, tempDir } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';

const NOW_S = Math.floor(Date.now() / 1000);
const traces = generateRealisticTraces({ traces: 300, seed: 3, startUnixNano: BigInt(NOW_S - 600) * 1_000_000_000n });
const SPANS = traces.reduce((n, t) => n + t.length, 0);
const hex = (t: SpanRecord[]) => bytesToHex(t[0].span.traceId);

let sb: TestSpanbase;
let meta: BlockMeta;
let lost: RowGroupEntry;
const inLost = (t: SpanRecord[]) => compareIds(t[0].span.traceId, lost.minTraceId) >= 0 && compareIds(t[0].span.traceId, lost.maxTraceId) <= 0;

async function metric(name: string): Promise<string[]> {
  return (await (await fetch(`${sb.api}/metrics`)).text()).split('\n').filter((l) => l.startsWith(name));
}

beforeAll(async () => {
  const dataDir = tempDir('sb-fault-queries-');
  const store = new LocalStore({ path: join(dataDir, 'blocks') });
  meta = await writeBlock(store, { tenant: 'single-tenant', rowGroupSpans: 500, bloomShardSizeBytes: 64 }, traces);
  lost = await damageChunk(store, meta, 1, 'start_unix_nano');
  const survivor = traces.find((t) => !inLost(t))!;
  await flipBytes(store, objectKey(meta, BlockObjects.bloom(bloomShardOf(survivor[0].span.traceId, meta.bloomShards))), [30, 31, 40, 41]);
  sb = await startTestSpanbase({ 'wal.path': join(dataDir, 'wal'), 'query.workers': 1 });
});
afterAll(() => sb?.stop());

describe('queries over a damaged block', () => {
  it('search answers from every readable row group', async () => {
    for (let i = 0; i < 3; i++) {
      const r = (await (await fetch(`${sb.api}/api/search?q=${encodeURIComponent('{}')}&limit=1000&start=${NOW_S - 3600}&end=${NOW_S + 60}`)).json()) as { traces: { traceID: string }[] };
      expect(r.traces.map((t) => t.traceID.padStart(32, '0')).sort()).toEqual(traces.filter((t) => !inLost(t)).map(hex).sort());
    }
    expect(await metric('spanbase_querier_blocks_skipped_total{reason="BLK_ERR_CHECKSUM"}')).toEqual(['spanbase_querier_blocks_skipped_total{reason="BLK_ERR_CHECKSUM"} 3']);
  });

  it('metrics count every readable span and say PARTIAL, naming the row group', async () => {
    const q = encodeURIComponent('{} | count_over_time()');
    const r = (await (await fetch(`${sb.api}/api/metrics/query_range?q=${q}&start=${NOW_S - 3600}&end=${NOW_S + 60}&step=3660s`)).json()) as { status?: string; message?: string; series: { samples?: { value?: number }[] }[] };
    expect(r.status).toBe('PARTIAL');
    expect(r.message).toContain(`block ${meta.blockID}: 1 of ${meta.rowGroups} row groups unreadable (${lost.rows} spans left out): row group 1`);
    expect(r.series.flatMap((s) => s.samples ?? []).reduce((n, s) => n + Number(s.value ?? 0), 0)).toBe(SPANS - lost.rows);
  });

  it('trace lookups find every trace outside the damaged row group, through the damaged bloom shard too', async () => {
    for (const t of traces.filter((x) => !inLost(x)).slice(0, 40)) {
      const r = (await (await fetch(`${sb.api}/api/v2/traces/${hex(t)}`)).json()) as { status?: string; trace: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] } };
      expect(r.status, hex(t)).toBeUndefined();
      expect(r.trace.resourceSpans.flatMap((x) => x.scopeSpans.flatMap((s) => s.spans))).toHaveLength(t.length);
    }
    const gone = traces.find(inLost)!;
    const r = await fetch(`${sb.api}/api/v2/traces/${hex(gone)}`);
    const body = (await r.json().catch(() => ({}))) as { status?: string; message?: string };
    expect(body.status).toBe('PARTIAL');
    expect(body.message).toContain(meta.blockID);
  });

  it('counts each damaged part once, however many queries met it', async () => {
    const lines = await metric('spanbase_block_damage_total');
    expect(lines.sort()).toEqual(['spanbase_block_damage_total{fallback="bloom-skipped"} 1', 'spanbase_block_damage_total{fallback="row-group-lost"} 1']);
  });
});
