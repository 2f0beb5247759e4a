// Streams data.parquet to the object store as it is encoded: each row group's column chunks are
// encoded by column-chunk.ts into a buffer whose flush() hands the bytes to a ChunkChannel that
// ObjectStore.put consumes (the S3 store uploads it as a multipart upload). The footer is
// hyparquet-writer's FileMetaData serializer. While the bytes pass by, the CRC32C of the whole
// object and of every column chunk is computed for meta.json and the index.
import type { ObjectStore } from '@spanbase/backend';
import { crc32c } from '@spanbase/model';
import type { ColumnChunk, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeBloomFilter, writeIndexes, writeMetadata } from './parquet-internals.ts';
import type { ChunkPageIndex } from './page-bounds.ts';
import { ChunkChannel } from '../chunk-channel.ts';
import { BlockFormat } from '../errors.ts';
import type { ColumnData } from './column-chunk.ts';
import { writeColumnChunk } from './column-chunk.ts';
import type { RowGroupEntry } from './index-file.ts';
import type { DictValues } from './column-values.ts';
import { sbbfBytes, sbbfInsert, xxhashInto } from './sbbf.ts';
import { zstdCompress } from './zstd.ts';

const PAR1 = 0x31524150;

/** What the index records about a row group beyond its bytes. */
export type RowGroupFacts = Pick<RowGroupEntry, 'minTraceId' | 'maxTraceId' | 'rows' | 'traces' | 'minStartUnixNano' | 'maxEndUnixNano'>;

/** data.parquet once written. */
export interface WrittenData {
  /** Object size. */
  size: number;
  /** CRC32C of the whole object. */
  crc: number;
  /** Start of the footer region (FileMetaData, its length, "PAR1"). */
  footerOffset: number;
  /** FileMetaData length (meta.json `footerSize`). */
  footerSize: number;
  /** CRC32C of the footer region. */
  footerCrc: number;
  /** Row groups with chunk ranges and checksums. */
  rowGroups: RowGroupEntry[];
  /** Where the Parquet bloom filters are (after the last row group), with their CRC32C; none written: undefined. */
  blooms: ByteRange | undefined;
  /** Where the page index is (ColumnIndex and OffsetIndex structures, after the blooms), with its CRC32C; no chunk of several pages: undefined. */
  pageIndex: ByteRange | undefined;
}

/** A range of data.parquet and its CRC32C. */
export interface ByteRange {
  offset: number;
  size: number;
  crc: number;
}

/** A hyparquet-writer Writer whose flush() passes the buffered bytes on instead of keeping them. */
class FlushingWriter extends ByteWriter {
  onChunk: (bytes: Uint8Array) => Promise<void> = async () => {};

  flush(): Promise<void> {
    const bytes = this.getBytes().slice();
    this.index = 0;
    return this.onChunk(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/** Options for {@link ParquetStream}. */
export interface ParquetStreamOptions {
  /** zstd level. */
  compressionLevel: number;
  /** Target uncompressed data page size. */
  pageSize: number;
  /** Indices of the columns rows are sorted by (trace_id, start_unix_nano). */
  sortingColumns: number[];
  /** Written into the footer's `created_by`. */
  createdBy: string;
  /** Aborts the upload. */
  signal?: AbortSignal;
  /** Column indices that get a Parquet bloom filter in every row group (string columns). */
  bloomColumns?: readonly number[];
  /** False-positive rate the bloom filters are sized for. */
  bloomFpp?: number;
  /** Write the Parquet page index (default true). */
  pageIndex?: boolean;
}

/** A bloom filter waiting for the end of the file, and the footer entry of its chunk. */
interface PendingBloom {
  chunk: ColumnChunk;
  words: Uint32Array;
}

/** chunkBloom's hash of the value at hand, [hi, lo]. */
const HASH = new Uint32Array(2);

/**
 * The Parquet bloom filter of a string column chunk: XXH64 of each distinct value's bytes (its
 * PLAIN encoding without the length prefix, as the format says). Undefined when it holds no value.
 */
function chunkBloom(values: DictValues, fpp: number): Uint32Array | undefined {
  const n = values.size;
  if (n === 0) return undefined;
  const words = new Uint32Array(sbbfBytes(n, fpp, true) >>> 2);
  const buf = values.entries.buf;
  const starts = values.starts.a;
  for (let c = 0; c < n; c++) {
    xxhashInto(buf, starts[c], starts[c + 1], HASH);
    sbbfInsert(words, HASH[0], HASH[1]);
  }
  return words;
}

/** One data.parquet being written. */
export class ParquetStream {
  private readonly writer = new FlushingWriter(1 << 20);
  private readonly schema: SchemaElement[];
  private readonly channel = new ChunkChannel();
  private upload: Promise<void> | undefined;
  private readonly startUpload: () => Promise<void>;
  private readonly opts: ParquetStreamOptions;
  private readonly compress: (raw: Uint8Array) => Uint8Array;
  private readonly rowGroups: RowGroupEntry[] = [];
  private readonly footerGroups: RowGroup[] = [];
  private readonly blooms: PendingBloom[] = [];
  private readonly pageIndexes: ChunkPageIndex[] = [];
  private rows = 0;
  private crc = 0;
  private tail: Uint8Array = new Uint8Array(0);

  constructor(store: ObjectStore, key: string, schema: SchemaElement[], opts: ParquetStreamOptions) {
    this.opts = opts;
    this.schema = schema;
    const level = opts.compressionLevel;
    this.compress = (b) => zstdCompress(b, level);
    this.writer.onChunk = (bytes) => this.onChunk(bytes);
    this.writer.appendUint32(PAR1);
    // The upload starts with the first row group, so a writer dropped before then holds nothing open.
    this.startUpload = () => {
      const upload = store.put(key, this.channel, { signal: opts.signal });
      upload.catch((err: unknown) => this.channel.consumerFailed(err));
      return upload;
    };
  }

  private async onChunk(bytes: Uint8Array): Promise<void> {
    this.upload ??= this.startUpload();
    this.crc = crc32c(bytes, this.crc);
    this.tail = bytes;
    if (bytes.length > 0) await this.channel.push(bytes);
  }

  private chunkRanges(chunks: readonly ColumnChunk[], bytes: Uint8Array, start: number, facts: RowGroupFacts): RowGroupEntry {
    const n = chunks.length;
    const offsets = new Uint32Array(n + 1);
    const crcs = new Uint32Array(n);
    const first = chunks[0].meta_data!;
    const rgStart = Number(first.dictionary_page_offset ?? first.data_page_offset);
    let expected = rgStart;
    for (let j = 0; j < n; j++) {
      const m = chunks[j].meta_data!;
      const s = Number(m.dictionary_page_offset ?? m.data_page_offset);
      const len = Number(m.total_compressed_size);
      if (s !== expected || s - start < 0 || s - start + len > bytes.length) throw BlockFormat('column chunks of a row group are not contiguous in the flushed bytes');
      offsets[j] = s - rgStart;
      crcs[j] = crc32c(bytes, 0, s - start, s - start + len);
      expected = s + len;
    }
    offsets[n] = expected - rgStart;
    return { ...facts, offset: rgStart, length: expected - rgStart, chunkOffsets: offsets, chunkCrcs: crcs };
  }

  /** Encodes and streams out one row group of `facts.rows` rows. */
  async writeRowGroup(columns: readonly ColumnData[], facts: RowGroupFacts): Promise<void> {
    const w = this.writer;
    const start = w.offset - w.index;
    const groupStart = w.offset;
    const chunks = columns.map((c) => {
      const written = writeColumnChunk(w, c, facts.rows, { pageSize: this.opts.pageSize, compress: this.compress });
      if (written.pageIndex && this.opts.pageIndex !== false) this.pageIndexes.push(written.pageIndex);
      return written.chunk;
    });
    let uncompressed = 0n;
    for (const c of chunks) uncompressed += c.meta_data!.total_uncompressed_size;
    this.footerGroups.push({
      columns: chunks,
      total_byte_size: uncompressed,
      num_rows: BigInt(facts.rows),
      total_compressed_size: BigInt(w.offset - groupStart),
      sorting_columns: this.opts.sortingColumns.map((column_idx) => ({ column_idx, descending: false, nulls_first: false })),
    });
    for (const j of this.opts.bloomColumns ?? []) {
      const values = columns[j].values;
      const words = values.kind === 'dict' ? chunkBloom(values, this.opts.bloomFpp ?? 0.01) : undefined;
      if (words) this.blooms.push({ chunk: chunks[j], words });
    }
    this.rows += facts.rows;
    this.rowGroups.push(this.chunkRanges(chunks, w.getBytes(), start, facts));
    await w.flush();
  }

  /** Writes the footer, completes the upload and describes what was written. */
  async finish(): Promise<WrittenData> {
    const w = this.writer;
    // Bloom filters go between the last row group and the footer (where parquet-java puts them),
    // so a reader fetches all of a block's in one request.
    let blooms: WrittenData['blooms'];
    if (this.blooms.length > 0) {
      const offset = w.offset;
      const from = w.index;
      for (const b of this.blooms) {
        const at = w.offset;
        writeBloomFilter(w, b.words);
        b.chunk.meta_data!.bloom_filter_offset = BigInt(at);
        b.chunk.meta_data!.bloom_filter_length = w.offset - at;
      }
      blooms = { offset, size: w.offset - offset, crc: crc32c(w.getBytes(), 0, from, w.index) };
    }
    // The page index follows (where parquet-java puts it too): every ColumnIndex, then every
    // OffsetIndex, each chunk's footer entry pointing at its own.
    let pageIndex: WrittenData['pageIndex'];
    if (this.pageIndexes.length > 0) {
      const offset = w.offset;
      const from = w.index;
      writeIndexes(w, this.pageIndexes);
      pageIndex = { offset, size: w.offset - offset, crc: crc32c(w.getBytes(), 0, from, w.index) };
    }
    writeMetadata(w, { version: 2, created_by: this.opts.createdBy, schema: this.schema, num_rows: BigInt(this.rows), row_groups: this.footerGroups, metadata_length: 0 });
    w.appendUint32(PAR1);
    await w.finish();
    this.channel.close();
    await (this.upload ?? this.startUpload());
    const size = w.offset;
    const t = this.tail;
    if (t.length < 12) throw BlockFormat('Parquet footer was not flushed in one piece');
    const footerSize = new DataView(t.buffer, t.byteOffset, t.byteLength).getUint32(t.length - 8, true);
    const footerLen = footerSize + 8;
    if (footerLen > t.length) throw BlockFormat('Parquet footer was not flushed in one piece');
    const footerCrc = crc32c(t, 0, t.length - footerLen, t.length);
    return { size, crc: this.crc, footerOffset: size - footerLen, footerSize, footerCrc, rowGroups: this.rowGroups, blooms, pageIndex };
  }

  /** Abandons the upload; the store discards the partial object. */
  async abort(reason: unknown): Promise<void> {
    this.channel.fail(reason);
    await this.upload?.catch(() => undefined);
  }
}
