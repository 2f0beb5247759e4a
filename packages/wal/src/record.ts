// The WAL record format (see docs/design/2026-11 WAL.md):
//
//   segment  = magic "SBWAL001" (8 bytes), then records
//   record   = length (u32 LE, bytes of payload) | crc32c(payload) (u32 LE) | payload
//   payload  = type (u8) | receivedAtMs (f64 LE, whole milliseconds) | body
//
// The checksum covers the whole payload, so a record cut short by a crash (a torn write) or a
// flipped bit is recognised. Damage in the middle of a segment costs the damaged record only:
// reading resumes at the next whole record. Damage at the end is a torn tail and is cut off.
import { crc32c } from '@spanbase/model';
import { WalUnknownFormat } from './errors.ts';

/** The 8 bytes every segment starts with; the digits are the format version. */
export const SEGMENT_MAGIC = Buffer.from('SBWAL001', 'latin1');
/** Bytes before the payload: length and checksum. */
export const RECORD_HEADER_BYTES = 8;
/** Bytes of the payload before the body: type and receive time. */
export const PAYLOAD_PREFIX_BYTES = 9;
/** Upper bound on one record, to reject a corrupt length before allocating for it. */
export const MAX_RECORD_BYTES = 1 << 30;

/** Kinds of record. */
export const RecordType = {
  /** An OTLP ExportTraceServiceRequest (protobuf), already validated. */
  OTLP_TRACES: 1,
  /** Which spans of earlier records are durable in blocks (see flushed.ts): replay skips them. */
  FLUSHED: 2,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** A record read back from a segment. */
export interface WalRecord {
  /** What the body holds. */
  type: RecordType;
  /** When the request was accepted, unix milliseconds. */
  receivedAtMs: number;
  /** The body (a view into the segment buffer). */
  body: Uint8Array;
  /** Where the record starts in its segment: with the segment, the record's identity. */
  offset: number;
}

/**
 * The header and payload prefix of a record for `body`, as one buffer, so that the body itself is
 * written without copying (writev of [header, body]).
 */
export function encodeRecordHeader(type: RecordType, receivedAtMs: number, body: Uint8Array): Buffer {
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES + PAYLOAD_PREFIX_BYTES);
  head.writeUInt32LE(PAYLOAD_PREFIX_BYTES + body.length, 0);
  head.writeUInt8(type, 8);
  // Whole milliseconds, never negative: replay's resynchronisation scan relies on it.
  head.writeDoubleLE(Number.isFinite(receivedAtMs) ? Math.max(0, Math.floor(receivedAtMs)) : 0, 9);
  const crc = crc32c(body, crc32c(head, 0, 8, 17));
  head.writeUInt32LE(crc, 4);
  return head;
}

/** A damaged stretch between whole records that replay skipped. */
export interface SkippedRange {
  /** Byte offset where the damage starts. */
  offset: number;
  /** Bytes skipped. */
  bytes: number;
  /** What was wrong with the record at `offset`. */
  problem: string;
}

/** Result of scanning a segment's bytes. */
export interface DecodedSegment {
  /** Every whole, checksum-valid record, in order. */
  records: WalRecord[];
  /** Byte length up to the end of the last whole record; anything after it is a torn or corrupt tail. */
  validLength: number;
  /** Damaged stretches followed by whole records: skipped, each at least one lost record. */
  skipped: SkippedRange[];
  /** Why the tail after `validLength` is cut off, when there is one. */
  problem?: string;
}

/**
 * Reads the records of a segment. A damaged record does not end the segment: the scan resumes at
 * the next whole record (see `findNextRecord`), and only damage with no whole record after it is
 * a tail to cut off. Throws WAL_ERR_FORMAT for a segment of a newer format, which must not be
 * mistaken for damage and deleted.
 */
export function decodeSegment(buf: Uint8Array): DecodedSegment {
  const records: WalRecord[] = [];
  const skipped: SkippedRange[] = [];
  const magicBytes = SEGMENT_MAGIC.length;
  if (buf.length < magicBytes) return { records, skipped, validLength: 0, problem: buf.length === 0 ? 'empty segment' : 'segment shorter than its header' };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = Buffer.from(buf.buffer, buf.byteOffset, magicBytes);
  if (SEGMENT_MAGIC.equals(magic)) return scanRecords(buf, view, magicBytes, records, skipped);
  // A damaged magic is one more damaged stretch when whole records follow it.
  const next = findNextRecord(buf, view, 0);
  const name = magic.toString('latin1');
  if (next < 0 && /^SBWAL\d{3}$/.test(name)) throw WalUnknownFormat(`WAL segment format ${name} is not one this version reads (written by a newer version?)`);
  if (next < 0) return { records, skipped, validLength: 0, problem: 'bad segment header and no whole record after it' };
  skipped.push({ offset: 0, bytes: next, problem: 'bad segment header' });
  return scanRecords(buf, view, next, records, skipped);
}

function scanRecords(buf: Uint8Array, view: DataView, off: number, records: WalRecord[], skipped: SkippedRange[]): DecodedSegment {
  while (off < buf.length) {
    const end = recordEnd(buf, view, off);
    if (end > 0) {
      const start = off + RECORD_HEADER_BYTES;
      records.push({ type: buf[start] as RecordType, receivedAtMs: view.getFloat64(start + 1, true), body: buf.subarray(start + PAYLOAD_PREFIX_BYTES, end), offset: off });
      off = end;
      continue;
    }
    const problem = describeProblem(end, buf, view, off);
    const next = findNextRecord(buf, view, off);
    if (next < 0) return { records, skipped, validLength: off, problem: `${problem} at byte ${off}` };
    skipped.push({ offset: off, bytes: next - off, problem });
    off = next;
  }
  return { records, skipped, validLength: off };
}

// What can be wrong with the bytes at an offset; recordEnd returns these (negative) instead of
// messages, because a resync scan asks at every byte offset and must not format a string each time.
const TORN_HEADER = -1;
const BAD_LENGTH = -2;
const TORN_RECORD = -3;
const UNKNOWN_TYPE = -4;
const BAD_TIME = -5;
const BAD_CHECKSUM = -6;

/** Where the whole record at `off` ends, or (negative) what is wrong with it. */
function recordEnd(buf: Uint8Array, view: DataView, off: number): number {
  if (off + RECORD_HEADER_BYTES > buf.length) return TORN_HEADER;
  const len = view.getUint32(off, true);
  if (len < PAYLOAD_PREFIX_BYTES || len > MAX_RECORD_BYTES) return BAD_LENGTH;
  const start = off + RECORD_HEADER_BYTES;
  if (start + len > buf.length) return TORN_RECORD;
  // Checked before the checksum so that a resync scan rejects almost every wrong offset cheaply
  // (the writer only writes known types and whole-millisecond clock readings).
  if (buf[start] !== RecordType.OTLP_TRACES && buf[start] !== RecordType.FLUSHED) return UNKNOWN_TYPE;
  const receivedAtMs = view.getFloat64(start + 1, true);
  if (!Number.isSafeInteger(receivedAtMs) || receivedAtMs < 0) return BAD_TIME;
  if (crc32c(buf, 0, start, start + len) !== view.getUint32(off + 4, true)) return BAD_CHECKSUM;
  return start + len;
}

/** The message for a problem code from `recordEnd` at `off`. */
function describeProblem(code: number, buf: Uint8Array, view: DataView, off: number): string {
  const start = off + RECORD_HEADER_BYTES;
  switch (code) {
    case TORN_HEADER:
      return 'torn record header';
    case BAD_LENGTH:
      return `bad record length ${view.getUint32(off, true)}`;
    case TORN_RECORD:
      return `torn record: ${view.getUint32(off, true)} bytes announced, ${buf.length - start} present`;
    case UNKNOWN_TYPE:
      return `unknown record type ${buf[start]}`;
    case BAD_TIME:
      return `bad receive time ${view.getFloat64(start + 1, true)}`;
    default:
      return 'checksum mismatch';
  }
}

/**
 * Where the next whole record after damage at `off` starts, or -1 when none does. A flipped bit
 * in a payload leaves the length intact, so the record right after the damaged one is tried
 * first: exactly one record is lost, and a record-shaped byte string inside the damaged payload
 * is not taken for a record. Otherwise every later offset is tried. A false match needs a sane
 * length, a known type, a whole-millisecond time and a matching CRC32C (about one in 2^50 per
 * offset for random bytes); the cheap checks come first, so the scan is linear in practice.
 */
function findNextRecord(buf: Uint8Array, view: DataView, off: number): number {
  if (off + RECORD_HEADER_BYTES <= buf.length) {
    const end = off + RECORD_HEADER_BYTES + view.getUint32(off, true);
    if (end < buf.length && recordEnd(buf, view, end) > 0) return end;
  }
  for (let p = off + 1; p + RECORD_HEADER_BYTES + PAYLOAD_PREFIX_BYTES <= buf.length; p++) {
    if (recordEnd(buf, view, p) > 0) return p;
  }
  return -1;
}
