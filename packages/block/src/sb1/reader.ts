// The sb1 block reader. A trace lookup costs at most three requests: one bloom shard, the index
// (once per reader; cached), and one ranged read of the row group that holds the trace. Every byte
// read is checked against a CRC32C (meta.json for whole objects, the index for column chunks).
// Damage is contained (see ../damage.ts): a bad bloom shard means "maybe here", a bad index is
// rebuilt from data.parquet, a bad footer costs the column statistics, bad tags an empty summary,
// and a bad column chunk throws BLK_ERR_CHECKSUM for reads of that row group only. Each damage is
// noted once per reader (OpenOptions.onDamage) and remembered, so queries that meet it again
// neither re-read the bad bytes nor report it again. Search reads subsets of columns of chosen row
// groups with readColumns(); columnStats() exposes the Parquet statistics.
import { zstdDecompressSync } from 'node:zlib';
import type { ObjectStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { TRACE_ID_BYTES, compareIds, crc32c, hexToBytes, idsEqual } from '@spanbase/model';
import type { SpanbaseError } from '@spanbase/model';
import type { FileMetaData, SchemaTree } from 'hyparquet';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { getTreePath } from './parquet-internals.ts';
import type { BlockDamage, DamageFallback, DamageListener } from '../damage.ts';
import { damageKey, isDamageError } from '../damage.ts';
import { BlockChecksum, BlockFormat, BlockMissingObject } from '../errors.ts';
import type { BlockReader, IterateOptions, ReadOptions, VerifyReport } from '../format.ts';
import { BlockObjects, blockKey } from '../keys.ts';
import type { BlockMeta, ByteRangeChecksum } from '../meta.ts';
import { crcHex } from '../meta.ts';
import { bloomMayContain, bloomShardOf, parseBloomShard } from './bloom.ts';
import type { BloomCache } from './bloom-cache.ts';
import type { ChunkCache } from './chunk-cache.ts';
import type { OpenOptions } from '../format.ts';
import type { ChunkColumn } from './column-decode.ts';
import { chunkColumn, decodeChunk } from './column-decode.ts';
import { decodeInt64Chunk, isFlatInt64 } from './column-int64.ts';
import type { DedicatedColumn } from './dedicated.ts';
import { dedicatedToJson, resolveDedicated } from './dedicated.ts';
import { Sb1StoredTrace } from './stored-trace.ts';
import { cellColumns, withCells } from './string-cells.ts';
import type { BlockIndex, RowGroupEntry } from './index-file.ts';
import { decodeIndex } from './index-file.ts';
import { rebuildIndex } from './index-rebuild.ts';
import { RowDecoder } from './row-decoder.ts';
import type { DecodedColumns } from './row-decoder.ts';
import type { ColumnSpec } from './schema.ts';
import type { TagsSummary } from './tags.ts';
import { checkTagsSummary } from './tags.ts';
import { TagsBuilder } from './tags.ts';
import type { DependencySummary } from './dependencies.ts';
import { DependencyBuilder, checkDependencySummary } from './dependencies.ts';
import { sb1Columns, schemaElements } from './schema.ts';
import { verifyBlock } from './verify.ts';
import { ColumnBlooms, NeedleFilters } from './needle-filters.ts';
import { ValueIndex } from './value-index.ts';
import { SharedRead } from './shared-read.ts';
import { PageIndex } from './page-index.ts';

/** Min/max/null count of one column chunk, as the Parquet footer records them. */
export interface ColumnChunkStats {
  /** Smallest value (strings, bigints, numbers or bytes by column type); undefined when not written. */
  min: unknown;
  /** Largest value. */
  max: unknown;
  /** Nulls in the chunk, when written. */
  nullCount: bigint | undefined;
}

/**
 * Columns a stored trace never needs: the writer derives them from the others (trace-level
 * columns, nested sets, event names and link ids), so neither copying rows nor making records
 * reads them, and decoding them was a fifth of the merge's decoding.
 */
const DERIVED_COLUMNS = new Set(['trace_root_service_name', 'trace_root_span_name', 'trace_start_unix_nano', 'trace_end_unix_nano', 'nested_left', 'nested_right', 'nested_parent', 'event_names', 'link_trace_ids', 'link_span_ids']);

/** One column chunk as read by {@link Sb1Reader.readChunks}. */
export interface RawChunk {
  /** The chunk's bytes (pages, dictionary page first when there is one). */
  bytes: Uint8Array;
  /** The column and its decoder parameters. */
  column: ChunkColumn;
  /** Rows in the row group. */
  rows: number;
}

/** Bytes of one row group fetched for decoding. */
interface FetchedChunks {
  /** Column index → chunk bytes. */
  chunks: Map<number, Uint8Array>;
}

const EMPTY = new Uint8Array(0);
/** Chunks this close are read with one request (Arrow's and hyparquet's hole limit). */
const COALESCE_GAP = 8 * 1024;

/** An error of a read that failed because of one damaged row group, with that group's number. */
export type RowGroupError = SpanbaseError & { rowGroup: number };

/** The damaged row group an error is about; undefined for errors about the block or the store. */
export function rowGroupOfError(err: unknown): number | undefined {
  const g = (err as Partial<RowGroupError> | undefined)?.rowGroup;
  return typeof g === 'number' && isDamageError(err) ? g : undefined;
}

/** Reader of one sb1 block. */
export class Sb1Reader implements BlockReader {
  readonly meta: BlockMeta;
  /** All columns of this block, in file order. */
  readonly columns: readonly ColumnSpec[];
  private readonly store: ObjectStore;
  private readonly extra: DedicatedColumn[];
  private readonly chunkCols: ChunkColumn[];
  private readonly byName = new Map<string, number>();
  private readonly minId: Uint8Array | undefined;
  private readonly maxId: Uint8Array | undefined;
  /** Object keys of the bloom shards, made once: a lookup asks every block in range for one. */
  private readonly bloomKeys: string[] = [];
  // Read once and shared: a caller's signal ends its own wait, not a read others wait on too.
  private readonly index = new SharedRead<BlockIndex>((signal) => this.readOrRebuildIndex(signal));
  private readonly footer = new SharedRead<FileMetaData | undefined>((signal) => this.readFooter(signal));
  private readonly stats = new SharedRead<ColumnChunkStats[][] | undefined>((signal) => this.readStats(signal));
  private readonly filters = new SharedRead<NeedleFilters>((signal) => this.readFilters(signal));
  private readonly pages = new SharedRead<PageIndex | undefined>((signal) => this.readPageIndex(signal));
  /** Damage met so far, by key (see ../damage.ts). */
  private readonly damaged = new Map<string, BlockDamage>();
  private readonly onDamage: DamageListener | undefined;
  /** Bloom shards that failed: lookups treat them as "maybe here". */
  private readonly badShards = new Set<number>();
  /** Column chunks that failed, by row group then column: reads of them fail without a request. */
  private readonly badChunks = new Map<number, Map<number, RowGroupError>>();
  /** Set when neither the index nor data.parquet can be trusted: every read fails with it. */
  private unreadable: Error | undefined;

  private readonly blooms: BloomCache | undefined;
  /** Decoded column chunks shared across readers (the TraceQL fetchers use it), when given one. */
  readonly chunkCache: ChunkCache | undefined;

  constructor(store: ObjectStore, meta: BlockMeta, opts: OpenOptions = {}) {
    this.blooms = opts.bloomCache;
    this.chunkCache = opts.chunkCache;
    this.onDamage = opts.onDamage;
    if (meta.format !== 'sb1') throw BlockFormat(`not an sb1 block: format ${meta.format}`);
    if (meta.bloomShards < 1) throw BlockFormat('meta.json: bloomShards must be at least 1');
    for (const name of [BlockObjects.data, BlockObjects.index, BlockObjects.tags]) if (!meta.checksums[name]) throw BlockFormat(`meta.json has no checksum for ${name}`);
    this.store = store;
    this.meta = meta;
    this.extra = resolveDedicated(meta.dedicatedColumns);
    this.columns = sb1Columns(this.extra);
    const tree: SchemaTree = parquetSchema({ schema: schemaElements(this.columns) } as Parameters<typeof parquetSchema>[0]);
    this.chunkCols = this.columns.map((c) => chunkColumn(c, getTreePath(tree, c.shape === 'flat' ? [c.name] : [c.name, 'list', 'element'])));
    this.columns.forEach((c, i) => this.byName.set(c.name, i));
    // As bytes, so a lookup compares without making a hex string per block.
    this.minId = hexToBytes(meta.minTraceID);
    this.maxId = hexToBytes(meta.maxTraceID);
  }

  private key(object: string): string {
    return blockKey(this.meta.tenantID, this.meta.blockID, object);
  }

  /** Reads a whole object and checks it against meta.json's size and CRC32C. */
  private async getVerified(object: string, signal?: AbortSignal): Promise<Uint8Array> {
    const expected = this.meta.checksums[object];
    if (!expected) throw BlockFormat(`meta.json has no checksum for ${object}`);
    const bytes = await this.store.get(this.key(object), { signal });
    if (!bytes) throw BlockMissingObject(`${this.key(object)} is missing`);
    if (bytes.length !== expected.size || crcHex(crc32c(bytes)) !== expected.crc32c) {
      throw BlockChecksum(`${this.key(object)}: checksum or size does not match meta.json`);
    }
    return bytes;
  }

  /** Records damage (once per key) and tells the listener. */
  private note(d: Omit<BlockDamage, 'tenantID' | 'blockID'>): BlockDamage {
    const full: BlockDamage = { tenantID: this.meta.tenantID, blockID: this.meta.blockID, ...d };
    const k = damageKey(full);
    const known = this.damaged.get(k);
    if (known) return known;
    this.damaged.set(k, full);
    this.onDamage?.(full);
    return full;
  }

  /** Damage this reader has met so far (each once), oldest first. */
  damage(): BlockDamage[] {
    return [...this.damaged.values()];
  }

  /** Whether `err` is damage to note, rather than an abort or a store failure to pass on. */
  private isDamage(err: unknown, signal?: AbortSignal): boolean {
    return !signal?.aborted && isDamageError(err);
  }

  private async readIndex(signal?: AbortSignal): Promise<BlockIndex> {
    const index = decodeIndex(await this.getVerified(BlockObjects.index, signal));
    if (index.columns.length !== this.columns.length || index.columns.some((c, i) => c !== this.columns[i].name)) throw BlockFormat('index columns do not match the sb1 schema of this block');
    if (index.dataSize !== this.meta.size || index.rowGroups.length !== this.meta.rowGroups) throw BlockFormat('index does not match meta.json');
    return index;
  }

  /**
   * The block index (read once, then cached). A damaged index is rebuilt from data.parquet
   * (index-rebuild.ts); when that fails too, the block is unreadable and stays so for this reader.
   */
  loadIndex(opts?: ReadOptions): Promise<BlockIndex> {
    if (this.unreadable) return Promise.reject(this.unreadable);
    return this.index.get(opts?.signal);
  }

  private async readOrRebuildIndex(signal: AbortSignal): Promise<BlockIndex> {
    try {
      return await this.readIndex(signal);
    } catch (err) {
      if (!this.isDamage(err, signal)) throw err;
      this.note({ object: BlockObjects.index, fallback: 'index-rebuilt', message: (err as Error).message });
      try {
        return await rebuildIndex(this.store, this.key(BlockObjects.data), this.meta, { names: this.columns.map((c) => c.name), chunkCols: this.chunkCols }, signal);
      } catch (again) {
        if (!this.isDamage(again, signal)) throw again;
        const message = `index is damaged (${(err as Error).message}) and it cannot be rebuilt: ${(again as Error).message}`;
        this.note({ object: BlockObjects.data, fallback: 'block-unreadable', message });
        throw (this.unreadable = BlockChecksum(`${this.key(BlockObjects.index)}: ${message}`, { cause: again }));
      }
    }
  }

  /** The chunk cache key of column `name` in row group `rowGroup` of this block. */
  chunkKey(rowGroup: number, name: string): string {
    return `${this.key(BlockObjects.data)}@${rowGroup}#${name}`;
  }

  /** Row groups with their trace-id and time ranges, counts and byte ranges. */
  async rowGroups(opts?: ReadOptions): Promise<readonly RowGroupEntry[]> {
    return (await this.loadIndex(opts)).rowGroups;
  }

  /** Remembers a damaged chunk and returns the error every read of it throws from now on. */
  private badChunk(g: number, rg: RowGroupEntry, column: number, message: string): RowGroupError {
    const err = Object.assign(BlockChecksum(message), { rowGroup: g });
    let group = this.badChunks.get(g);
    if (!group) this.badChunks.set(g, (group = new Map()));
    group.set(column, err);
    this.note({ object: BlockObjects.data, rowGroup: g, rows: rg.rows, fallback: 'row-group-lost', message });
    return err;
  }

  /**
   * Fetches the chunks of `cols` in row group `g`, coalescing neighbours into one read each, and
   * verifies them. A chunk that fails throws a {@link RowGroupError}, now and on every later read.
   */
  private async fetchChunks(g: number, rg: RowGroupEntry, cols: readonly number[], signal?: AbortSignal, gap = COALESCE_GAP): Promise<FetchedChunks> {
    const known = this.badChunks.get(g);
    if (known) for (const c of cols) if (known.has(c)) throw known.get(c)!;
    const sorted = [...new Set(cols)].sort((a, b) => a - b);
    const runs: number[][] = [];
    for (const c of sorted) {
      const last = runs[runs.length - 1];
      if (last && rg.chunkOffsets[c] - rg.chunkOffsets[last[last.length - 1] + 1] <= gap) last.push(c);
      else runs.push([c]);
    }
    const chunks = new Map<number, Uint8Array>();
    await Promise.all(
      runs.map(async (run) => {
        const from = rg.chunkOffsets[run[0]];
        const to = rg.chunkOffsets[run[run.length - 1] + 1];
        const bytes = to > from ? await this.store.getRange(this.key(BlockObjects.data), rg.offset + from, to - from, { signal }) : EMPTY;
        if (!bytes) throw BlockMissingObject(`${this.key(BlockObjects.data)} is missing`);
        if (bytes.length !== to - from) throw this.badChunk(g, rg, run[0], `${this.key(BlockObjects.data)}: short read of row group ${g} at ${rg.offset}`);
        for (const c of run) {
          const chunk = bytes.subarray(rg.chunkOffsets[c] - from, rg.chunkOffsets[c + 1] - from);
          if (crc32c(chunk) !== rg.chunkCrcs[c]) throw this.badChunk(g, rg, c, `${this.key(BlockObjects.data)}: column ${this.columns[c].name} of row group ${g} does not match its checksum`);
          chunks.set(c, chunk);
        }
      }),
    );
    return { chunks };
  }

  private decode(f: FetchedChunks, cols: readonly number[], start: number, end: number): DecodedColumns {
    const out: DecodedColumns = {};
    for (const c of cols) out[this.columns[c].name] = decodeChunk(f.chunks.get(c)!, this.chunkCols[c], start, end);
    return out;
  }

  private columnIndexes(names: readonly string[]): number[] {
    return names.map((n) => {
      const i = this.byName.get(n);
      if (i === undefined) throw BlockFormat(`block has no column ${n}`);
      return i;
    });
  }

  /**
   * Decoded values of `names` for rows [start, end) of row group `rowGroup` (all rows by
   * default), one array per column; LIST columns give one array per row. Only those chunks are
   * read (neighbours coalesced) and verified. A dictionary entry is decoded once per chunk, so
   * equal values of a dictionary-encoded column (resource_attrs, scope_attrs, names) are the same
   * string or object: a condition can be evaluated once per distinct object and memoized.
   */
  async readColumns(rowGroup: number, names: readonly string[], opts?: ReadOptions & { start?: number; end?: number }): Promise<DecodedColumns> {
    const rg = (await this.loadIndex(opts)).rowGroups[rowGroup];
    if (!rg) throw BlockFormat(`row group ${rowGroup} does not exist`);
    const cols = this.columnIndexes(names);
    const f = await this.fetchChunks(rowGroup, rg, cols, opts?.signal);
    return this.decode(f, cols, opts?.start ?? 0, opts?.end ?? rg.rows);
  }

  /**
   * Verified raw bytes of the chunks of `names` in row group `rowGroup` (neighbours coalesced
   * into one request each), with the decoder parameters of each column: for callers that decode
   * pages themselves (the TraceQL fetchers decode lazily into typed arrays). `gap`: chunks this
   * close are read with one request (default 8 KiB).
   */
  async readChunks(rowGroup: number, names: readonly string[], opts?: ReadOptions & { gap?: number }): Promise<Map<string, RawChunk>> {
    const rg = (await this.loadIndex(opts)).rowGroups[rowGroup];
    if (!rg) throw BlockFormat(`row group ${rowGroup} does not exist`);
    const cols = this.columnIndexes(names);
    const f = await this.fetchChunks(rowGroup, rg, cols, opts?.signal, opts?.gap);
    const out = new Map<string, RawChunk>();
    for (const c of cols) out.set(this.columns[c].name, { bytes: f.chunks.get(c)!, column: this.chunkCols[c], rows: rg.rows });
    return out;
  }

  /**
   * The Parquet footer, parsed (read once). Undefined when it is damaged: callers then skip no
   * row group by statistics or Parquet bloom filters.
   */
  footerMetadata(opts?: ReadOptions): Promise<FileMetaData | undefined> {
    return this.footer.get(opts?.signal);
  }

  private async readFooter(signal: AbortSignal): Promise<FileMetaData | undefined> {
    const index = await this.loadIndex({ signal });
    try {
      const len = index.dataSize - index.footerOffset;
      const bytes = await this.store.getRange(this.key(BlockObjects.data), index.footerOffset, len, { signal });
      if (!bytes) throw BlockMissingObject(`${this.key(BlockObjects.data)} is missing`);
      if (bytes.length !== len || crc32c(bytes) !== index.footerCrc) throw BlockChecksum(`${this.key(BlockObjects.data)}: Parquet footer does not match its checksum`);
      return parquetMetadata(bytes.slice().buffer);
    } catch (err) {
      if (!this.isDamage(err, signal)) throw err;
      this.note({ object: `${BlockObjects.data} footer`, fallback: 'statistics-skipped', message: (err as Error).message });
      return undefined;
    }
  }

  /** Parquet min/max/null statistics per row group, per column (in column order); undefined when the footer is damaged. */
  columnStats(opts?: ReadOptions): Promise<ColumnChunkStats[][] | undefined> {
    return this.stats.get(opts?.signal);
  }

  private async readStats(signal: AbortSignal): Promise<ColumnChunkStats[][] | undefined> {
    const md = await this.footerMetadata({ signal });
    return md?.row_groups.map((rg) => rg.columns.map((c) => ({ min: c.meta_data?.statistics?.min_value, max: c.meta_data?.statistics?.max_value, nullCount: c.meta_data?.statistics?.null_count })));
  }

  /** Position of column `name` in the block's columns (and in each footer row group); -1 when the block has none. */
  columnIndexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** A range of data.parquet that meta.json gives a CRC32C for, read and checked (its own copy); `mismatch` says what failed. */
  private async dataRange(range: ByteRangeChecksum, mismatch: string, signal?: AbortSignal): Promise<Uint8Array> {
    const bytes = await this.store.getRange(this.key(BlockObjects.data), range.offset, range.size, { signal });
    if (!bytes) throw BlockMissingObject(`${this.key(BlockObjects.data)} is missing`);
    if (bytes.length !== range.size || crcHex(crc32c(bytes)) !== range.crc32c) throw BlockChecksum(`${this.key(BlockObjects.data)}: ${mismatch}`);
    return bytes.slice();
  }

  /**
   * The Parquet page index (read once, one range of data.parquet checked against meta.json);
   * undefined for blocks written without one, or when it or the footer is damaged (noted as
   * `statistics-skipped`: pages are then decoded, not skipped).
   */
  pageIndex(opts?: ReadOptions): Promise<PageIndex | undefined> {
    return this.pages.get(opts?.signal);
  }

  private async readPageIndex(signal: AbortSignal): Promise<PageIndex | undefined> {
    const range = this.meta.pageIndex;
    if (!range) return undefined;
    const md = await this.footerMetadata({ signal });
    if (!md) return undefined;
    try {
      return new PageIndex(md, await this.dataRange(range, 'Parquet page index does not match its checksum', signal), range.offset);
    } catch (err) {
      if (!this.isDamage(err, signal)) throw err;
      this.note({ object: `${BlockObjects.data} page index`, fallback: 'statistics-skipped', message: (err as Error).message });
      return undefined;
    }
  }

  /**
   * The needle filters (read once): the attribute value index and the Parquet bloom filters,
   * each verified against meta.json. One that is absent (older blocks) or damaged (noted as
   * `bloom-skipped`) rules nothing out.
   */
  needleFilters(opts?: ReadOptions): Promise<NeedleFilters> {
    return this.filters.get(opts?.signal);
  }

  private async readFilters(signal: AbortSignal): Promise<NeedleFilters> {
    const [values, blooms] = await Promise.all([this.readValueIndex({ signal }), this.readColumnBlooms({ signal })]);
    return new NeedleFilters(values, blooms, (n) => this.columnIndexOf(n));
  }

  private async readValueIndex(opts?: ReadOptions): Promise<ValueIndex | undefined> {
    if (!this.meta.checksums[BlockObjects.values]) return undefined;
    try {
      return ValueIndex.parse(await this.getVerified(BlockObjects.values, opts?.signal), this.meta.rowGroups);
    } catch (err) {
      if (!this.isDamage(err, opts?.signal)) throw err;
      this.note({ object: BlockObjects.values, fallback: 'bloom-skipped', message: (err as Error).message });
      return undefined;
    }
  }

  private async readColumnBlooms(opts?: ReadOptions): Promise<ColumnBlooms | undefined> {
    const range = this.meta.columnBlooms;
    if (!range) return undefined;
    const md = await this.footerMetadata(opts);
    if (!md) return undefined;
    try {
      return new ColumnBlooms(md, await this.dataRange(range, 'Parquet bloom filters do not match their checksum', opts?.signal), range.offset);
    } catch (err) {
      if (!this.isDamage(err, opts?.signal)) throw err;
      this.note({ object: `${BlockObjects.data} blooms`, fallback: 'bloom-skipped', message: (err as Error).message });
      return undefined;
    }
  }

  /**
   * False when the block cannot hold the trace: outside the block's id range, or not in the
   * bloom filter (one shard read, none when the bloom cache has it). True may be a false positive.
   */
  async mayContainTrace(traceId: Uint8Array, opts?: ReadOptions): Promise<boolean> {
    if (traceId.length !== TRACE_ID_BYTES) return false;
    if ((this.minId && compareIds(traceId, this.minId) < 0) || (this.maxId && compareIds(traceId, this.maxId) > 0)) return false;
    const shardNo = bloomShardOf(traceId, this.meta.bloomShards);
    const cacheKey = (this.bloomKeys[shardNo] ??= this.key(BlockObjects.bloom(shardNo)));
    if (this.badShards.has(shardNo)) return true;
    let shard = this.blooms?.get(cacheKey);
    if (!shard) {
      try {
        shard = parseBloomShard(await this.getVerified(BlockObjects.bloom(shardNo), opts?.signal));
        if (shard.shardCount !== this.meta.bloomShards || shard.shardIndex !== shardNo) throw BlockFormat(`bloom-${shardNo} does not match meta.json`);
      } catch (err) {
        if (!this.isDamage(err, opts?.signal)) throw err;
        // A filter that cannot be trusted rules nothing out: the index and row group decide.
        this.badShards.add(shardNo);
        this.note({ object: BlockObjects.bloom(shardNo), fallback: 'bloom-skipped', message: (err as Error).message });
        return true;
      }
      this.blooms?.set(cacheKey, shard);
    }
    return bloomMayContain(shard, traceId);
  }

  async findTrace(traceId: Uint8Array, opts?: ReadOptions): Promise<SpanRecord[] | undefined> {
    if (!(await this.mayContainTrace(traceId, opts))) return undefined;
    const index = await this.loadIndex(opts);
    const groups = index.rowGroups;
    let lo = 0;
    let hi = groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(groups[mid].maxTraceId, traceId) < 0) lo = mid + 1;
      else hi = mid;
    }
    const rg = groups[lo];
    if (!rg || compareIds(rg.minTraceId, traceId) > 0 || compareIds(rg.maxTraceId, traceId) < 0) return undefined;
    const all = this.columns.map((_, i) => i);
    const f = await this.fetchChunks(lo, rg, all, opts?.signal);
    const idCol = this.byName.get('trace_id')!;
    const ids = decodeChunk(f.chunks.get(idCol)!, this.chunkCols[idCol], 0, rg.rows) as Uint8Array[];
    let a = 0;
    let b = ids.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (compareIds(ids[mid], traceId) < 0) a = mid + 1;
      else b = mid;
    }
    let end = a;
    while (end < ids.length && idsEqual(ids[end], traceId)) end++;
    if (end === a) return undefined;
    const cols = this.decode(f, all, a, end);
    const rows = new RowDecoder(this.extra);
    return Array.from({ length: end - a }, (_, i) => rows.record(cols, i));
  }

  async *iterateTraces(opts?: IterateOptions): AsyncIterable<SpanRecord[]> {
    for await (const t of this.iterateStoredTraces(opts)) yield t.records();
  }

  async *iterateStoredTraces(opts?: IterateOptions): AsyncIterable<Sb1StoredTrace> {
    const index = await this.loadIndex(opts);
    const dedicated = JSON.stringify(dedicatedToJson(this.extra));
    const all = this.columns.flatMap((c, i) => (DERIVED_COLUMNS.has(c.name) ? [] : [i]));
    const cells = cellColumns(this.extra);
    for (const [g, rg] of index.rowGroups.entries()) {
      let fetched: FetchedChunks;
      try {
        fetched = await this.fetchChunks(g, rg, all, opts?.signal);
      } catch (err) {
        if (!opts?.skipDamaged || rowGroupOfError(err) === undefined) throw err;
        opts.onLost?.(this.note({ object: BlockObjects.data, rowGroup: g, rows: rg.rows, fallback: 'row-group-lost', message: (err as Error).message }));
        continue;
      }
      const cols: DecodedColumns = {};
      for (const c of all) {
        const col = this.chunkCols[c];
        const chunk = fetched.chunks.get(c)!;
        const name = this.columns[c].name;
        // INT64 cells stay in a BigInt64Array (the row decoder only indexes columns); the
        // strings the writer copies per span stay bytes (string-cells.ts).
        if (cells.has(name)) withCells(cols, name, chunk, col, rg.rows);
        else cols[name] = isFlatInt64(col) ? (decodeInt64Chunk(chunk, col, rg.rows) as unknown as unknown[]) : decodeChunk(chunk, col, 0, rg.rows);
      }
      const rows = new RowDecoder(this.extra);
      const ids = cols.trace_id as Uint8Array[];
      let from = 0;
      for (let i = 1; i <= rg.rows; i++) {
        if (i === rg.rows || !idsEqual(ids[i], ids[from])) {
          yield new Sb1StoredTrace(rows, cols, from, i, dedicated);
          from = i;
        }
      }
    }
  }

  /**
   * The tags summary. A damaged tags object gives an empty summary (and is not read again): the
   * block then adds nothing to autocomplete, and every other source still does.
   */
  tags(opts?: ReadOptions): Promise<TagsSummary> {
    return this.summaryObject(BlockObjects.tags, 'tags-skipped', checkTagsSummary, () => new TagsBuilder().summary(), opts?.signal);
  }

  /**
   * The dependency summary. A block written before the summary existed, or whose summary is
   * damaged, gives an empty one: the graph then lacks that block's edges, every other source
   * still counts.
   */
  dependencies(opts?: ReadOptions): Promise<DependencySummary> {
    return this.summaryObject(BlockObjects.dependencies, 'dependencies-skipped', checkDependencySummary, () => new DependencyBuilder().summary(), opts?.signal);
  }

  private readonly summaries = new Map<string, unknown>();
  private readonly damagedSummaries = new Set<string>();

  /**
   * A small zstd JSON object (tags, dependencies), checksum-verified and parsed once per reader:
   * autocomplete and graph queries ask every block in range again and again, and decompressing
   * and parsing each again would be work on the thread that answers. A damaged or absent one
   * gives `empty()`; damage is noted once and the object is not read again.
   */
  private async summaryObject<T>(object: string, fallback: DamageFallback, check: (v: unknown) => T, empty: () => T, signal?: AbortSignal): Promise<T> {
    const hit = this.summaries.get(object);
    if (hit) return hit as T;
    if (!this.damagedSummaries.has(object) && this.meta.checksums[object]) {
      try {
        const bytes = await this.getVerified(object, signal);
        let parsed: T;
        try {
          parsed = check(JSON.parse(new TextDecoder().decode(zstdDecompressSync(bytes))));
        } catch (err) {
          throw BlockFormat(`${this.key(object)} does not parse`, { cause: err });
        }
        this.summaries.set(object, parsed);
        return parsed;
      } catch (err) {
        if (!this.isDamage(err, signal)) throw err;
        this.damagedSummaries.add(object);
        this.note({ object, fallback, message: (err as Error).message });
      }
    }
    return empty();
  }

  verify(opts?: ReadOptions): Promise<VerifyReport> {
    return verifyBlock(this.store, this.meta, (o) => this.key(o), this.columns, opts);
  }
}
