// The `index` object rebuilt from data.parquet, for a reader whose index is damaged. The Parquet
// footer gives every row group's column chunk ranges and row count; the chunks themselves give
// the rest (trace-id range and trace count from trace_id, time range from the trace start and end
// columns, and each chunk's CRC32C). Every byte of data.parquet is read once, in row-group ranges,
// and the whole must match meta.json's CRC32C of data.parquet: then the rebuilt index is exactly
// the one the writer wrote, and every later read is verified against it as usual. If data.parquet
// does not match either, nothing can tell good row groups from bad ones, and the block is unreadable.
import type { ObjectStore } from '@spanbase/backend';
import { compareIds, crc32c } from '@spanbase/model';
import { parquetMetadata } from 'hyparquet';
import { BlockChecksum, BlockFormat, BlockMissingObject } from '../errors.ts';
import type { BlockMeta } from '../meta.ts';
import { crcHex } from '../meta.ts';
import type { ChunkColumn } from './column-decode.ts';
import { decodeChunk } from './column-decode.ts';
import type { BlockIndex, RowGroupEntry } from './index-file.ts';

const PAR1 = 0x31524150;

/** What a rebuild needs to know of the block's columns. */
export interface RebuildColumns {
  /** Top-level column names in file order. */
  names: readonly string[];
  /** Decoder parameters of each column, same order. */
  chunkCols: readonly ChunkColumn[];
}

async function range(store: ObjectStore, key: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (length === 0) return new Uint8Array(0);
  const bytes = await store.getRange(key, offset, length, { signal });
  if (!bytes) throw BlockMissingObject(`${key} is missing`);
  if (bytes.length !== length) throw BlockChecksum(`${key}: short read at ${offset}`);
  return bytes;
}

/** The footer region (FileMetaData, its length, "PAR1") as meta.json's size and footerSize place it. */
async function readFooter(store: ObjectStore, key: string, meta: BlockMeta, signal?: AbortSignal): Promise<{ offset: number; bytes: Uint8Array }> {
  const len = meta.footerSize + 8;
  if (meta.size < len + 4) throw BlockFormat(`${key}: meta.json's size and footerSize leave no room for row groups`);
  const offset = meta.size - len;
  const bytes = await range(store, key, offset, len, signal);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(len - 4, true) !== PAR1 || v.getUint32(len - 8, true) !== meta.footerSize) throw BlockFormat(`${key}: no Parquet footer where meta.json puts it`);
  return { offset, bytes };
}

/** Rebuilds the index of an sb1 block from its data.parquet (see the module comment). */
export async function rebuildIndex(store: ObjectStore, key: string, meta: BlockMeta, cols: RebuildColumns, signal?: AbortSignal): Promise<BlockIndex> {
  const expected = meta.checksums['data.parquet'];
  if (!expected || expected.size !== meta.size) throw BlockFormat('meta.json has no usable checksum for data.parquet');
  const footer = await readFooter(store, key, meta, signal);
  let md: ReturnType<typeof parquetMetadata>;
  try {
    md = parquetMetadata(footer.bytes.slice().buffer);
  } catch (err) {
    throw BlockFormat(`${key}: Parquet footer does not parse`, { cause: err });
  }
  if (md.row_groups.length !== meta.rowGroups) throw BlockFormat(`${key}: footer has ${md.row_groups.length} row groups, meta.json ${meta.rowGroups}`);
  const ncol = cols.names.length;
  const at = (name: string) => cols.names.indexOf(name);
  const idCol = at('trace_id');
  const startCol = at('trace_start_unix_nano');
  const endCol = at('trace_end_unix_nano');
  let crc = 0;
  let pos = 0;
  const rowGroups: RowGroupEntry[] = [];
  for (const [g, group] of md.row_groups.entries()) {
    if (group.columns.length !== ncol) throw BlockFormat(`${key}: row group ${g} has ${group.columns.length} columns, the schema ${ncol}`);
    const starts = group.columns.map((c) => Number(c.meta_data?.dictionary_page_offset ?? c.meta_data?.data_page_offset ?? -1));
    const sizes = group.columns.map((c) => Number(c.meta_data?.total_compressed_size ?? -1));
    const offset = starts[0];
    const chunkOffsets = new Uint32Array(ncol + 1);
    for (let j = 0; j < ncol; j++) {
      if (starts[j] - offset !== chunkOffsets[j] || sizes[j] < 0) throw BlockFormat(`${key}: column chunks of row group ${g} are not contiguous`);
      chunkOffsets[j + 1] = chunkOffsets[j] + sizes[j];
    }
    const length = chunkOffsets[ncol];
    if (offset < pos || offset + length > footer.offset) throw BlockFormat(`${key}: row group ${g} lies outside the data`);
    // Bytes between groups (the leading "PAR1") count towards the object's CRC.
    crc = crc32c(await range(store, key, pos, offset - pos, signal), crc);
    const bytes = await range(store, key, offset, length, signal);
    crc = crc32c(bytes, crc);
    pos = offset + length;
    const rows = Number(group.num_rows);
    const chunkCrcs = new Uint32Array(ncol);
    for (let j = 0; j < ncol; j++) chunkCrcs[j] = crc32c(bytes, 0, chunkOffsets[j], chunkOffsets[j + 1]);
    const column = (c: number) => decodeChunk(bytes.subarray(chunkOffsets[c], chunkOffsets[c + 1]), cols.chunkCols[c], 0, rows);
    const ids = column(idCol) as Uint8Array[];
    if (ids.length !== rows || rows === 0) throw BlockFormat(`${key}: row group ${g} has ${ids.length} trace ids for ${rows} rows`);
    let traces = 1;
    for (let r = 1; r < rows; r++) if (compareIds(ids[r], ids[r - 1]) !== 0) traces++;
    let minStart: bigint | undefined;
    let maxEnd: bigint | undefined;
    for (const v of column(startCol) as bigint[]) if (minStart === undefined || BigInt.asUintN(64, v) < minStart) minStart = BigInt.asUintN(64, v);
    for (const v of column(endCol) as bigint[]) if (maxEnd === undefined || BigInt.asUintN(64, v) > maxEnd) maxEnd = BigInt.asUintN(64, v);
    rowGroups.push({ minTraceId: ids[0].slice(), maxTraceId: ids[rows - 1].slice(), offset, length, rows, traces, minStartUnixNano: minStart!, maxEndUnixNano: maxEnd!, chunkOffsets, chunkCrcs });
  }
  crc = crc32c(await range(store, key, pos, footer.offset - pos, signal), crc);
  crc = crc32c(footer.bytes, crc);
  if (crcHex(crc) !== expected.crc32c) throw BlockChecksum(`${key} does not match its checksum in meta.json, so its row groups cannot be told apart from damage`);
  return { columns: [...cols.names], dataSize: meta.size, footerOffset: footer.offset, footerCrc: crc32c(footer.bytes), rowGroups };
}
