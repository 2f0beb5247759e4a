// Streams data.parquet to the object store as it is encoded: hyparquet-writer encodes one row
// group per call, its writer's flush() hands the bytes to a ChunkChannel that ObjectStore.put
// consumes (the S3 store uploads it as a multipart upload). While the bytes pass by, the CRC32C
// of the whole object and of every column chunk is computed for meta.json and the index.
import type { ObjectStore } from '@spanbase/backend';
import { crc32c } from '@spanbase/model';
import type { SchemaElement } from 'hyparquet';
import type { ColumnSource } from 'hyparquet-writer';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ChunkChannel } from '../chunk-channel.ts';
import { BlockFormat } from '../errors.ts';
import type { RowGroupEntry } from './index-file.ts';
import { zstdCompress } from './zstd.ts';

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
}

/** hyparquet-writer's Writer whose flush() passes the buffered bytes on instead of keeping them. */
class FlushingWriter extends ByteWriter {
  onChunk: (bytes: Uint8Array, start: number) => Promise<void> = async () => {};

  flush(): Promise<void> {
    const bytes = this.getBytes().slice();
    const start = this.offset - this.index;
    this.index = 0;
    return this.onChunk(bytes, start);
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
  /** Aborts the upload. */
  signal?: AbortSignal;
}

/** One data.parquet being written. */
export class ParquetStream {
  private readonly writer = new FlushingWriter(1 << 20);
  private readonly pq: ParquetWriter;
  private readonly channel = new ChunkChannel();
  private upload: Promise<void> | undefined;
  private readonly startUpload: () => Promise<void>;
  private readonly opts: ParquetStreamOptions;
  private readonly rowGroups: RowGroupEntry[] = [];
  private pendingFacts: RowGroupFacts | undefined;
  private crc = 0;
  private tail: Uint8Array = new Uint8Array(0);

  constructor(store: ObjectStore, key: string, schema: SchemaElement[], opts: ParquetStreamOptions) {
    this.opts = opts;
    const level = opts.compressionLevel;
    this.pq = new ParquetWriter({
      writer: this.writer,
      schema,
      codec: 'ZSTD',
      compressors: { ZSTD: (b: Uint8Array) => zstdCompress(b, level) },
      createdBy: 'spanbase sb1 (hyparquet-writer)',
    });
    this.writer.onChunk = (bytes, start) => this.onChunk(bytes, start);
    // The upload starts with the first row group, so a writer dropped before then holds nothing open.
    this.startUpload = () => {
      const upload = store.put(key, this.channel, { signal: opts.signal });
      upload.catch((err: unknown) => this.channel.consumerFailed(err));
      return upload;
    };
  }

  private async onChunk(bytes: Uint8Array, start: number): Promise<void> {
    this.upload ??= this.startUpload();
    this.crc = crc32c(bytes, this.crc);
    if (this.pendingFacts) {
      this.rowGroups.push(this.chunkRanges(bytes, start, this.pendingFacts));
      this.pendingFacts = undefined;
    }
    this.tail = bytes;
    if (bytes.length > 0) await this.channel.push(bytes);
  }

  private chunkRanges(bytes: Uint8Array, start: number, facts: RowGroupFacts): RowGroupEntry {
    const rg = this.pq.row_groups[this.pq.row_groups.length - 1];
    const n = rg.columns.length;
    const offsets = new Uint32Array(n + 1);
    const crcs = new Uint32Array(n);
    const first = rg.columns[0].meta_data!;
    const rgStart = Number(first.dictionary_page_offset ?? first.data_page_offset);
    let expected = rgStart;
    for (let j = 0; j < n; j++) {
      const m = rg.columns[j].meta_data!;
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

  /** Encodes and streams out one row group of `rows` rows. */
  async writeRowGroup(columns: ColumnSource[], facts: RowGroupFacts): Promise<void> {
    this.pendingFacts = facts;
    await this.pq.write({ columnData: columns, rowGroupSize: facts.rows, pageSize: this.opts.pageSize });
    const rg = this.pq.row_groups[this.pq.row_groups.length - 1];
    rg.sorting_columns = this.opts.sortingColumns.map((column_idx) => ({ column_idx, descending: false, nulls_first: false }));
    if (this.pendingFacts) throw BlockFormat('row group was encoded but not flushed');
  }

  /** Writes the footer, completes the upload and describes what was written. */
  async finish(): Promise<WrittenData> {
    await this.pq.finish();
    this.channel.close();
    await (this.upload ?? this.startUpload());
    const size = this.writer.offset;
    const t = this.tail;
    if (t.length < 12) throw BlockFormat('Parquet footer was not flushed in one piece');
    const footerSize = new DataView(t.buffer, t.byteOffset, t.byteLength).getUint32(t.length - 8, true);
    const footerLen = footerSize + 8;
    if (footerLen > t.length) throw BlockFormat('Parquet footer was not flushed in one piece');
    const footerCrc = crc32c(t, 0, t.length - footerLen, t.length);
    return { size, crc: this.crc, footerOffset: size - footerLen, footerSize, footerCrc, rowGroups: this.rowGroups };
  }

  /** Abandons the upload; the store discards the partial object. */
  async abort(reason: unknown): Promise<void> {
    this.channel.fail(reason);
    await this.upload?.catch(() => undefined);
  }
}
