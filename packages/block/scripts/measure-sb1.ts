// Measures the sb1 block format (numbers for docs/design/2026-11 Block format sb1.md):
//   node packages/block/scripts/measure-sb1.ts [traces=16000] [blocks=120] [tracesPerBlock=150]
// Write speed and bytes per span on one large block (at the compactor's and the ingester's
// settings, and through the ingest path), DuckDB's zstd export of the same rows, then trace-by-id
// latency and requests over many blocks on local disk. Env SB1_* overrides writer options
// (SB1_ROW_GROUP_SPANS, SB1_PAGE_SIZE, SB1_ZSTD_LEVEL).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@spanbase/backend';
import { LocalStore, withCache } from '@spanbase/backend';
import type { BlockWriterOptions } from '../src/format.ts';
import type { BlockWriteResult } from '../src/sb1/bench-block.ts';
import { compareWithDuckDb, measureBlockWrite, measureEncodedBlockWrite, measureLookups } from '../src/sb1/bench-block.ts';
import { encodedTraces, encodeRequests } from '../src/testing/encoded-traces.ts';
import { Rng } from '../src/testing/random.ts';
import { generateRealisticTraces } from '../src/testing/realistic-traces.ts';

const [traceCount = 16000, blockCount = 120, perBlock = 150] = process.argv.slice(2).map(Number);
const env = (k: string) => (process.env[k] ? Number(process.env[k]) : undefined);
const base: Omit<BlockWriterOptions, 'tenant'> = { rowGroupSpans: env('SB1_ROW_GROUP_SPANS'), pageSizeBytes: env('SB1_PAGE_SIZE'), compressionLevel: env('SB1_ZSTD_LEVEL') };
const dir = await mkdtemp(join(tmpdir(), 'sb1-measure-'));
try {
  const store = new LocalStore({ path: dir });
  if (traceCount > 0) {
    const big = generateRealisticTraces({ traces: traceCount, seed: 7 });
    const encoded = encodedTraces(encodeRequests(big, 8));
    // JIT warm-up, so the timed writes are steady state.
    await measureBlockWrite(store, { ...base, tenant: 'warmup' }, big.filter((_, i) => i % 10 === 0));
    await measureEncodedBlockWrite(store, { ...base, tenant: 'warmup' }, encoded.filter((_, i) => i % 10 === 0));
    const report = async (label: string, w: BlockWriteResult) => {
      console.log(`${label}: ${w.meta.spanCount} spans, ${w.meta.totalObjects} traces, ${w.meta.rowGroups} row groups in ${w.ms.toFixed(0)} ms = ${w.spansPerSecond.toFixed(0)} spans/s (${w.spansPerCpuSecond.toFixed(0)} per CPU-second)`);
      const duck = await compareWithDuckDb(join(dir, w.meta.tenantID, w.meta.blockID, 'data.parquet'), join(dir, 'duckdb-export.parquet'));
      console.log(`  size: data ${w.dataBytesPerSpan.toFixed(1)} B/span, all objects ${w.totalBytesPerSpan.toFixed(1)} B/span; ours ${duck.ours} B vs DuckDB zstd export ${duck.duckdb} B = ${duck.ratio.toFixed(3)}x (DuckDB read ${duck.rows} rows)`);
    };
    // The compactor's settings (compaction level >= 1: zstd 15 by default), where the size goal applies.
    await report('compacted block, span objects', await measureBlockWrite(store, { ...base, tenant: 'compacted', compactionLevel: 1 }, big));
    // The ingester's (compaction level 0: zstd 3 by default), from span objects and from encoded spans.
    await report('ingester block, span objects', await measureBlockWrite(store, { ...base, tenant: 'ingest' }, big));
    await report('ingester block, encoded spans (the ingest path)', await measureEncodedBlockWrite(store, { ...base, tenant: 'ingest-encoded' }, encoded));
  }
  if (blockCount === 0) process.exit(0);

  const metas = [];
  const ids: Uint8Array[] = [];
  for (let b = 0; b < blockCount; b++) {
    const traces = generateRealisticTraces({ traces: perBlock, seed: 1000 + b });
    metas.push((await measureBlockWrite(store, { ...base, tenant: 'lookup' }, traces)).meta);
    for (let i = 0; i < traces.length; i += 7) ids.push(traces[i][0].span.traceId);
  }
  const rng = new Rng(99);
  const hits = Array.from({ length: 600 }, () => rng.pick(ids));
  const misses = Array.from({ length: 600 }, () => rng.bytes(16));
  const spans = metas.reduce((n, m) => n + m.spanCount, 0);
  console.log(`lookup blocks: ${metas.length} blocks, ${spans} spans, ${metas.reduce((n, m) => n + m.rowGroups, 0)} row groups`);
  // A bloom shard and index cache per block, as a querier would put in front of the store;
  // requests are counted below it, so they are what reaches the disk.
  const cache = (s: ObjectStore) => withCache(s, { cacheable: (k) => /\/(bloom-\d+|index)$/.test(k), maxBytes: 4 * 1024 * 1024 });
  for (const [label, wrap] of [['no cache', undefined], ['bloom+index cache', cache]] as const) {
    const hit = await measureLookups(store, metas, hits, { warmup: 100, wrap });
    console.log(`${label} hits: p50 ${hit.p50.toFixed(2)} ms, p99 ${hit.p99.toFixed(2)} ms, max ${hit.max.toFixed(2)} ms, found ${hit.found}/${hit.lookups}, requests/lookup ${hit.requestsPerLookup.toFixed(2)}, max per block ${hit.maxRequestsPerBlock}, CPU ${hit.cpuMsPerLookup.toFixed(2)} ms/lookup`);
    const miss = await measureLookups(store, metas, misses, { warmup: 100, wrap });
    console.log(`${label} misses: p50 ${miss.p50.toFixed(2)} ms, p99 ${miss.p99.toFixed(2)} ms, requests/lookup ${miss.requestsPerLookup.toFixed(2)}, max per block ${miss.maxRequestsPerBlock}, CPU ${miss.cpuMsPerLookup.toFixed(2)} ms/lookup`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
