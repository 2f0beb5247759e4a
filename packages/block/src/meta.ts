// meta.json: the block's description and visibility marker. Keys follow Tempo's where the concept
// is the same (format, blockID, tenantID, startTime, endTime, totalObjects, size,
// compactionLevel, bloomShards, footerSize, dedicatedColumns); ours sit beside them. Every key is
// described in docs/design/2026-11 Block format sb1.md ("meta.json").
import { BlockFormat } from './errors.ts';
import { isBlockId } from './keys.ts';
import type { DedicatedColumnJson } from './sb1/dedicated.ts';

/** Size and CRC32C of one object of a block. */
export interface ObjectChecksum {
  /** Object size in bytes. */
  size: number;
  /** CRC32C of the whole object, 8 lowercase hex digits. */
  crc32c: string;
}

/** A block's meta.json (and, with `compactedAt`, its meta.compacted.json). */
export interface BlockMeta {
  /** Block format, e.g. `sb1`; readers dispatch on it. */
  format: string;
  /** Block id, a lowercase UUID. */
  blockID: string;
  /** Tenant the block belongs to. */
  tenantID: string;
  /**
   * Earliest span start, RFC 3339 (UTC, millisecond precision, rounded down), bounded by the
   * block's receive times (see startUnixNano).
   */
  startTime: string;
  /** Latest span end, RFC 3339 (UTC, millisecond precision, rounded up), bounded likewise. */
  endTime: string;
  /** Number of traces. */
  totalObjects: number;
  /** Size of data.parquet in bytes. */
  size: number;
  /** 0 for a block cut by an ingester; compaction outputs max(input levels) + 1. */
  compactionLevel: number;
  /** Number of bloom shards (`bloom-0` ... `bloom-<n-1>`). */
  bloomShards: number;
  /** Length of data.parquet's Parquet FileMetaData; the footer is the last footerSize + 8 bytes. */
  footerSize: number;
  /** Extra dedicated attribute columns of this block, Tempo's `{s, n, t}` shape. */
  dedicatedColumns: DedicatedColumnJson[];
  /** Number of spans (rows). */
  spanCount: number;
  /** Number of Parquet row groups. */
  rowGroups: number;
  /** Size and CRC32C of every object of the block except meta.json itself, by object name. */
  checksums: Record<string, ObjectChecksum>;
  /** When the block was written, RFC 3339. */
  createdAt: string;
  /**
   * Earliest span start, unix nanoseconds as a decimal string (exact), at most the last receive
   * time of the block's spans plus --ingestion.time-range-slack. Block selection, compaction
   * windows and retention go by this range, so a client clock far ahead cannot stretch it; the
   * spans keep the times as sent.
   */
  startUnixNano: string;
  /**
   * Latest span end, unix nanoseconds as a decimal string (exact), kept within the receive times
   * plus or minus the slack (a compacted block: its newest input's end).
   */
  endUnixNano: string;
  /** Smallest trace id, 32 lowercase hex digits. */
  minTraceID: string;
  /** Largest trace id, 32 lowercase hex digits. */
  maxTraceID: string;
  /** Target false-positive rate the bloom filter was sized for. */
  bloomFalsePositive: number;
  /**
   * Where data.parquet keeps its Parquet bloom filters (between the last row group and the
   * footer) and their CRC32C; absent in blocks written without them.
   */
  columnBlooms?: ByteRangeChecksum;
  /**
   * Where data.parquet keeps its Parquet page index (every ColumnIndex and OffsetIndex, after the
   * bloom filters) and its CRC32C; absent in blocks written before it or with no chunk of several pages.
   */
  pageIndex?: ByteRangeChecksum;
  /** Set in meta.compacted.json: when the block was marked compacted, RFC 3339. */
  compactedAt?: string;
}

/** A byte range of an object and the CRC32C of its bytes. */
export interface ByteRangeChecksum {
  /** First byte. */
  offset: number;
  /** Length in bytes. */
  size: number;
  /** CRC32C, 8 lowercase hex digits. */
  crc32c: string;
}

function fail(msg: string): never {
  throw BlockFormat(`meta.json: ${msg}`);
}

function str(o: Record<string, unknown>, k: string, re?: RegExp): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') fail(`${k} must be a non-empty string`);
  if (re && !re.test(v)) fail(`${k} is malformed: ${JSON.stringify(v)}`);
  return v;
}

function count(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${k} must be a non-negative integer`);
  return v;
}

function time(o: Record<string, unknown>, k: string): string {
  const v = str(o, k, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  if (Number.isNaN(Date.parse(v))) fail(`${k} is not a valid time`);
  return v;
}

const HEX32 = /^[0-9a-f]{32}$/;
const DECIMAL = /^\d+$/;

/**
 * Parses and validates a meta.json (or meta.compacted.json): bytes, text or an already parsed
 * object. Throws BLK_ERR_FORMAT naming the first bad key. Unknown keys are kept.
 */
export function parseBlockMeta(input: Uint8Array | string | unknown): BlockMeta {
  let o: unknown = input;
  if (input instanceof Uint8Array) o = new TextDecoder().decode(input);
  if (typeof o === 'string') {
    try {
      o = JSON.parse(o);
    } catch (err) {
      throw BlockFormat('meta.json is not JSON', { cause: err });
    }
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) fail('not an object');
  const m = o as Record<string, unknown>;
  str(m, 'format');
  if (!isBlockId(str(m, 'blockID'))) fail('blockID must be a lowercase UUID');
  str(m, 'tenantID');
  time(m, 'startTime');
  time(m, 'endTime');
  time(m, 'createdAt');
  if (m.compactedAt !== undefined) time(m, 'compactedAt');
  for (const k of ['totalObjects', 'size', 'compactionLevel', 'bloomShards', 'footerSize', 'spanCount', 'rowGroups']) count(m, k);
  str(m, 'startUnixNano', DECIMAL);
  str(m, 'endUnixNano', DECIMAL);
  if (BigInt(m.startUnixNano as string) > BigInt(m.endUnixNano as string)) fail('startUnixNano is after endUnixNano');
  str(m, 'minTraceID', HEX32);
  str(m, 'maxTraceID', HEX32);
  if ((m.minTraceID as string) > (m.maxTraceID as string)) fail('minTraceID is above maxTraceID');
  const fp = m.bloomFalsePositive;
  if (typeof fp !== 'number' || !(fp > 0 && fp < 1)) fail('bloomFalsePositive must be in (0, 1)');
  if (!Array.isArray(m.dedicatedColumns)) fail('dedicatedColumns must be an array');
  for (const d of m.dedicatedColumns as unknown[]) {
    const e = d as Record<string, unknown>;
    if (e === null || typeof e !== 'object' || typeof e.n !== 'string' || (e.s !== undefined && e.s !== 'span' && e.s !== 'resource') || (e.t !== undefined && e.t !== 'string' && e.t !== 'int')) {
      fail(`bad dedicated column ${JSON.stringify(d)}`);
    }
  }
  for (const name of ['columnBlooms', 'pageIndex'] as const) {
    const cb = m[name] as Record<string, unknown> | undefined;
    if (cb === undefined) continue;
    const ok = cb !== null && typeof cb === 'object' && [cb.offset, cb.size].every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) && typeof cb.crc32c === 'string' && /^[0-9a-f]{8}$/.test(cb.crc32c);
    if (!ok || (cb.offset as number) + (cb.size as number) > (m.size as number)) fail(`${name} must be {offset, size, crc32c} within data.parquet`);
  }
  const cs = m.checksums;
  if (cs === null || typeof cs !== 'object' || Array.isArray(cs)) fail('checksums must be an object');
  for (const [name, c] of Object.entries(cs as Record<string, unknown>)) {
    const e = c as Record<string, unknown>;
    if (e === null || typeof e !== 'object' || typeof e.crc32c !== 'string' || !/^[0-9a-f]{8}$/.test(e.crc32c) || typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) {
      fail(`bad checksum entry for ${name}`);
    }
  }
  return m as unknown as BlockMeta;
}

/** meta.json text (stable key order as written, two-space indent for operators). */
export function serializeBlockMeta(meta: BlockMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n');
}

/** The meta.compacted.json content for a block: the same keys plus `compactedAt`. */
export function compactedMeta(meta: BlockMeta, compactedAt: Date = new Date()): BlockMeta {
  return { ...meta, compactedAt: compactedAt.toISOString() };
}

/** RFC 3339 text of unix nanoseconds, rounded down (`up` false) or up to the millisecond. */
export function rfc3339FromNanos(ns: bigint, up = false): string {
  let ms = ns / 1_000_000n;
  if (up && ms * 1_000_000n < ns) ms += 1n;
  return new Date(Number(ms)).toISOString();
}

/** Formats a CRC32C as meta.json stores it. */
export function crcHex(crc: number): string {
  return (crc >>> 0).toString(16).padStart(8, '0');
}
