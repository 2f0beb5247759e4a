// Measurements of the block format for the bench harness (and the numbers in the design note):
// write speed, bytes per span against DuckDB's own zstd export of the same rows, and trace-by-id
// latency and requests over many blocks. Not used on any serving path.
import type { ObjectStore } from '@spanbase/backend';
import { CountingSink, withMetrics } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import type { BlockWriterOptions, EncodedSpan } from '../format.ts';
import type { BlockMeta } from '../meta.ts';
import { openBlock, writeBlock, writeEncodedBlock } from '../registry.ts';

/** Result of {@link measureBlockWrite}. */
export interface BlockWriteResult {
  /** The written block's meta. */
  meta: BlockMeta;
  /** Wall time of the write, milliseconds. */
  ms: number;
  /** Spans written per second of wall time. */
  spansPerSecond: number;
  /** Spans written per second of this process's CPU time (all threads): steadier than wall time on a shared machine. */
  spansPerCpuSecond: number;
  /** data.parquet bytes per span. */
  dataBytesPerSpan: number;
  /** All objects' bytes per span (data, index, blooms, tags). */
  totalBytesPerSpan: number;
}

/** Writes `traces` (ascending trace ids) as one block and times it. */
export function measureBlockWrite(store: ObjectStore, opts: BlockWriterOptions, traces: readonly SpanRecord[][]): Promise<BlockWriteResult> {
  return timed(() => writeBlock(store, opts, traces));
}

/** {@link measureBlockWrite} for traces in the ingester's form (the writer's ingest path). */
export function measureEncodedBlockWrite(store: ObjectStore, opts: BlockWriterOptions, traces: readonly EncodedSpan[][]): Promise<BlockWriteResult> {
  return timed(() => writeEncodedBlock(store, opts, traces));
}

async function timed(write: () => Promise<BlockMeta>): Promise<BlockWriteResult> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const meta = await write();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const total = Object.values(meta.checksums).reduce((n, c) => n + c.size, 0);
  return {
    meta, ms, spansPerSecond: (meta.spanCount / ms) * 1000, spansPerCpuSecond: meta.spanCount / ((used.user + used.system) / 1e6),
    dataBytesPerSpan: meta.size / meta.spanCount, totalBytesPerSpan: total / meta.spanCount,
  };
}

/** Result of {@link measureLookups}. */
export interface LookupResult {
  /** Lookups made. */
  lookups: number;
  /** Lookups that found their trace. */
  found: number;
  /** Latency percentiles over all lookups, milliseconds. */
  p50: number;
  /** 99th percentile. */
  p99: number;
  /** Largest latency. */
  max: number;
  /** Store requests per lookup, over all blocks (mean). */
  requestsPerLookup: number;
  /** Most store requests any single block needed for one lookup. */
  maxRequestsPerBlock: number;
  /** Process CPU time per lookup (all threads), milliseconds: less skewed by a busy machine than latency. */
  cpuMsPerLookup: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Options of {@link measureLookups}. */
export interface LookupOptions {
  /** Leading lookups left out of the numbers (they read each block's index). */
  warmup?: number;
  /** Wraps each block's counted store, e.g. with a bloom/index cache; requests are counted below it. */
  wrap?: (store: ObjectStore) => ObjectStore;
}

/**
 * Looks every id up in every block (blocks in parallel, ids one after another, as a querier
 * does) and reports latency and store requests. Readers are opened once, so each block's index
 * is read on its first lookup and cached after.
 */
export async function measureLookups(store: ObjectStore, metas: readonly BlockMeta[], ids: readonly Uint8Array[], opts: LookupOptions = {}): Promise<LookupResult> {
  const warmup = opts.warmup ?? 0;
  const wrap = opts.wrap ?? ((s: ObjectStore) => s);
  const perBlock = metas.map(() => new CountingSink());
  const readers = metas.map((m, i) => openBlock(wrap(withMetrics(store, perBlock[i])), m));
  const requests = () => perBlock.map((s) => s.total().requests);
  const times: number[] = [];
  let found = 0;
  let totalRequests = 0;
  let maxPerBlock = 0;
  let cpu = process.cpuUsage();
  for (let n = 0; n < ids.length; n++) {
    if (n === warmup) cpu = process.cpuUsage();
    const before = requests();
    const t0 = performance.now();
    const results = await Promise.all(readers.map((r) => r.findTrace(ids[n])));
    const ms = performance.now() - t0;
    if (n < warmup) continue;
    times.push(ms);
    if (results.some((r) => r !== undefined)) found++;
    const after = requests();
    for (let b = 0; b < after.length; b++) {
      const d = after[b] - before[b];
      totalRequests += d;
      if (d > maxPerBlock) maxPerBlock = d;
    }
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return {
    lookups: times.length, found, p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times[times.length - 1],
    requestsPerLookup: totalRequests / times.length, maxRequestsPerBlock: maxPerBlock, cpuMsPerLookup: (used.user + used.system) / 1000 / times.length,
  };
}

/** Result of {@link compareWithDuckDb}. */
export interface DuckDbComparison {
  /** Our data.parquet size. */
  ours: number;
  /** DuckDB's `COPY ... (FORMAT parquet, COMPRESSION zstd)` of the same rows. */
  duckdb: number;
  /** ours / duckdb. */
  ratio: number;
  /** Rows DuckDB read from our file. */
  rows: number;
}

/**
 * Has DuckDB read `parquetPath` (our data.parquet on disk) and export the same rows with its own
 * zstd Parquet writer to `exportPath`, and compares the sizes. Needs `@duckdb/node-api`, which is a
 * dev dependency: the import is dynamic so nothing else pulls it in.
 */
export async function compareWithDuckDb(parquetPath: string, exportPath: string): Promise<DuckDbComparison> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { stat } = await import('node:fs/promises');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const q = (p: string) => p.replaceAll("'", "''");
    const rows = Number((await c.runAndReadAll(`SELECT count(*) FROM read_parquet('${q(parquetPath)}')`)).getRows()[0][0]);
    await c.run(`COPY (SELECT * FROM read_parquet('${q(parquetPath)}')) TO '${q(exportPath)}' (FORMAT parquet, COMPRESSION zstd)`);
    const ours = (await stat(parquetPath)).size;
    const duckdb = (await stat(exportPath)).size;
    return { ours, duckdb, ratio: ours / duckdb, rows };
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
