// The `index` object: per row group its trace-id range, byte range in data.parquet, time range,
// counts, and the byte range and CRC32C of every column chunk, so a lookup reads one row group
// with one request and verifies exactly what it read. Binary layout in
// docs/design/2026-11 Block format sb1.md ("Index"); ends with a CRC32C of everything before it.
import { crc32c } from '@spanbase/model';
import { BlockFormat } from '../errors.ts';

/** Magic at the start of the index: ASCII "SB1I". */
export const INDEX_MAGIC = 0x49314253;
const HEADER_BYTES = 40;

/** One row group as the index describes it. */
export interface RowGroupEntry {
  /** Smallest trace id in the group. */
  minTraceId: Uint8Array;
  /** Largest trace id in the group. */
  maxTraceId: Uint8Array;
  /** Offset of the group's first column chunk in data.parquet. */
  offset: number;
  /** Bytes from `offset` to the end of the group's last chunk. */
  length: number;
  /** Rows (spans) in the group. */
  rows: number;
  /** Traces in the group (a trace never spans two groups). */
  traces: number;
  /** Earliest span start, unix ns. */
  minStartUnixNano: bigint;
  /** Latest span end, unix ns. */
  maxEndUnixNano: bigint;
  /** Chunk j spans [chunkOffsets[j], chunkOffsets[j+1]) relative to `offset`; the last entry is `length`. */
  chunkOffsets: Uint32Array;
  /** CRC32C of each column chunk's bytes. */
  chunkCrcs: Uint32Array;
}

/** The decoded index. */
export interface BlockIndex {
  /** Top-level column names, in file order (chunk j of a group is column j). */
  columns: string[];
  /** Size of data.parquet. */
  dataSize: number;
  /** Offset of the Parquet footer region (FileMetaData, its length, "PAR1"). */
  footerOffset: number;
  /** CRC32C of the footer region. */
  footerCrc: number;
  /** Row groups in file (and trace-id) order. */
  rowGroups: RowGroupEntry[];
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Serializes an index. */
export function encodeIndex(index: BlockIndex): Uint8Array {
  const names = index.columns.map((c) => enc.encode(c));
  const ncol = index.columns.length;
  const rgBytes = 16 + 16 + 8 + 8 + 4 + 4 + 8 + 8 + 8 * ncol + 4;
  const size = HEADER_BYTES + names.reduce((n, b) => n + 2 + b.length, 0) + index.rowGroups.length * rgBytes + 4;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, INDEX_MAGIC, true);
  v.setUint16(4, 1, true);
  v.setUint32(8, index.rowGroups.length, true);
  v.setUint32(12, ncol, true);
  v.setBigUint64(16, BigInt(index.dataSize), true);
  v.setBigUint64(24, BigInt(index.footerOffset), true);
  v.setUint32(32, index.dataSize - index.footerOffset, true);
  v.setUint32(36, index.footerCrc, true);
  let at = HEADER_BYTES;
  for (const b of names) {
    v.setUint16(at, b.length, true);
    out.set(b, at + 2);
    at += 2 + b.length;
  }
  for (const rg of index.rowGroups) {
    out.set(rg.minTraceId, at);
    out.set(rg.maxTraceId, at + 16);
    v.setBigUint64(at + 32, BigInt(rg.offset), true);
    v.setBigUint64(at + 40, BigInt(rg.length), true);
    v.setUint32(at + 48, rg.rows, true);
    v.setUint32(at + 52, rg.traces, true);
    v.setBigUint64(at + 56, BigInt.asUintN(64, rg.minStartUnixNano), true);
    v.setBigUint64(at + 64, BigInt.asUintN(64, rg.maxEndUnixNano), true);
    at += 72;
    for (let j = 0; j <= ncol; j++) v.setUint32(at + 4 * j, rg.chunkOffsets[j], true);
    at += 4 * (ncol + 1);
    for (let j = 0; j < ncol; j++) v.setUint32(at + 4 * j, rg.chunkCrcs[j], true);
    at += 4 * ncol;
  }
  v.setUint32(at, crc32c(out, 0, 0, at), true);
  return out;
}

/** Parses an index, checking its trailer CRC and internal consistency (BLK_ERR_FORMAT if bad). */
export function decodeIndex(bytes: Uint8Array): BlockIndex {
  if (bytes.length < HEADER_BYTES + 4) throw BlockFormat('index is too short');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== INDEX_MAGIC) throw BlockFormat('index has a bad magic number');
  if (v.getUint16(4, true) !== 1) throw BlockFormat(`index version ${v.getUint16(4, true)} is not supported`);
  if (v.getUint32(bytes.length - 4, true) !== crc32c(bytes, 0, 0, bytes.length - 4)) throw BlockFormat('index trailer checksum does not match');
  const groups = v.getUint32(8, true);
  const ncol = v.getUint32(12, true);
  const dataSize = Number(v.getBigUint64(16, true));
  const footerOffset = Number(v.getBigUint64(24, true));
  const footerCrc = v.getUint32(36, true);
  let at = HEADER_BYTES;
  const columns: string[] = [];
  for (let j = 0; j < ncol; j++) {
    const n = v.getUint16(at, true);
    columns.push(dec.decode(bytes.subarray(at + 2, at + 2 + n)));
    at += 2 + n;
  }
  const rgBytes = 72 + 8 * ncol + 4;
  if (at + groups * rgBytes + 4 !== bytes.length) throw BlockFormat('index size does not match its row-group count');
  const rowGroups: RowGroupEntry[] = [];
  for (let g = 0; g < groups; g++) {
    const offset = Number(v.getBigUint64(at + 32, true));
    const length = Number(v.getBigUint64(at + 40, true));
    const chunkOffsets = new Uint32Array(ncol + 1);
    const chunkCrcs = new Uint32Array(ncol);
    for (let j = 0; j <= ncol; j++) chunkOffsets[j] = v.getUint32(at + 72 + 4 * j, true);
    for (let j = 0; j < ncol; j++) chunkCrcs[j] = v.getUint32(at + 72 + 4 * (ncol + 1) + 4 * j, true);
    for (let j = 0; j < ncol; j++) if (chunkOffsets[j] > chunkOffsets[j + 1]) throw BlockFormat('index chunk offsets are not ascending');
    if (chunkOffsets[ncol] !== length || offset + length > footerOffset) throw BlockFormat('index row-group range is inconsistent');
    rowGroups.push({
      minTraceId: bytes.slice(at, at + 16),
      maxTraceId: bytes.slice(at + 16, at + 32),
      offset,
      length,
      rows: v.getUint32(at + 48, true),
      traces: v.getUint32(at + 52, true),
      minStartUnixNano: v.getBigUint64(at + 56, true),
      maxEndUnixNano: v.getBigUint64(at + 64, true),
      chunkOffsets,
      chunkCrcs,
    });
    at += rgBytes;
  }
  return { columns, dataSize, footerOffset, footerCrc, rowGroups };
}
