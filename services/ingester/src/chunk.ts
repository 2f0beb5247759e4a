// A chunk is one accepted request, kept as the scanned protobuf bytes. Live traces point into
// chunks instead of holding decoded spans: ingest costs one scan and no per-span objects, and the
// bytes are copied out only when a trace is looked up or flushed into a block.
import type { ScannedRequest } from '@spanbase/otlp';
import type { RecordRef } from '@spanbase/wal';

/** One accepted request and the bookkeeping that frees it. */
export class Chunk {
  /** The scanned request; its `bytes` hold every span the chunk refers to. */
  readonly scan: ScannedRequest;
  /** Where the request sits in the WAL (undefined for data that has no WAL record). */
  readonly ref: RecordRef | undefined;
  /** When the request was accepted, unix milliseconds. */
  readonly receivedAtMs: number;
  /** Spans of this chunk not yet durable in a block; at 0 the WAL record is released. */
  pending: number;

  constructor(scan: ScannedRequest, ref: RecordRef | undefined, receivedAtMs: number) {
    this.scan = scan;
    this.ref = ref;
    this.receivedAtMs = receivedAtMs;
    this.pending = scan.spanCount;
  }

  /** Bytes this chunk keeps in memory. */
  get bytes(): number {
    return this.scan.bytes.byteLength;
  }
}
