// The WAL record format (see docs/design/2026-11 WAL.md):
//
//   segment  = magic "SBWAL001" (8 bytes), then records
//   record   = length (u32 LE, bytes of payload) | crc32c(payload) (u32 LE) | payload
//   payload  = type (u8) | receivedAtMs (f64 LE) | body
//
// The checksum covers the whole payload, so a record cut short by a crash (a torn write) or a
// flipped bit is recognised and the log is cut there instead of replaying garbage.
import { crc32c } from '@spanbase/model';

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
}

/**
 * The header and payload prefix of a record for `body`, as one buffer, so that the body itself is
 * written without copying (writev of [header, body]).
 */
export function encodeRecordHeader(type: RecordType, receivedAtMs: number, body: Uint8Array): Buffer {
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES + PAYLOAD_PREFIX_BYTES);
  head.writeUInt32LE(PAYLOAD_PREFIX_BYTES + body.length, 0);
  head.writeUInt8(type, 8);
  head.writeDoubleLE(receivedAtMs, 9);
  const crc = crc32c(body, crc32c(head, 0, 8, 17));
  head.writeUInt32LE(crc, 4);
  return head;
}

/** Result of scanning a segment's bytes. */
export interface DecodedSegment {
  /** Every whole, checksum-valid record, in order. */
  records: WalRecord[];
  /** Byte length of the valid prefix; anything after it is torn or corrupt. */
  validLength: number;
  /** Why scanning stopped early, when it did. */
  problem?: string;
}

/** Reads the records of a segment, stopping at the first torn or corrupt one. */
export function decodeSegment(buf: Uint8Array): DecodedSegment {
  const records: WalRecord[] = [];
  if (buf.length < SEGMENT_MAGIC.length || !SEGMENT_MAGIC.equals(buf.subarray(0, SEGMENT_MAGIC.length))) {
    return { records, validLength: 0, problem: buf.length === 0 ? 'empty segment' : 'bad segment header' };
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = SEGMENT_MAGIC.length;
  while (off < buf.length) {
    if (off + RECORD_HEADER_BYTES > buf.length) return { records, validLength: off, problem: `torn record header at byte ${off}` };
    const len = view.getUint32(off, true);
    const crc = view.getUint32(off + 4, true);
    if (len < PAYLOAD_PREFIX_BYTES || len > MAX_RECORD_BYTES) return { records, validLength: off, problem: `bad record length ${len} at byte ${off}` };
    const start = off + RECORD_HEADER_BYTES;
    if (start + len > buf.length) return { records, validLength: off, problem: `torn record at byte ${off}: ${len} bytes announced, ${buf.length - start} present` };
    if (crc32c(buf, 0, start, start + len) !== crc) return { records, validLength: off, problem: `checksum mismatch in record at byte ${off}` };
    const type = buf[start] as RecordType;
    if (type !== RecordType.OTLP_TRACES) return { records, validLength: off, problem: `unknown record type ${type} at byte ${off}` };
    records.push({ type, receivedAtMs: view.getFloat64(start + 1, true), body: buf.subarray(start + PAYLOAD_PREFIX_BYTES, start + len) });
    off = start + len;
  }
  return { records, validLength: off };
}
