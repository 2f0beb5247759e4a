// Where the ingester's head blocks go. The sink turns a batch of traces into a durable block and
// answers with its meta; the production sink does the work in a worker thread so ingest never
// waits for Parquet. A batch names its spans by position in the accepted requests (chunks) that
// hold them: building it on the event loop is a few integer arrays, and the copying, sorting,
// reassembling and decoding all happen on the sink's side (see flush-batch.ts).
import type { TimeBounds } from '@spanbase/block';
import type { ScannedRequest } from '@spanbase/otlp';
import type { BatchSampling, TraceOutcome } from './sampling/sample-batch.ts';

/** Traces of one head block, ready to encode. */
export interface FlushBatch {
  /** Tenant of the block. */
  tenant: string;
  /** The scanned requests holding the batch's spans (copied when sent to a worker). */
  chunks: ScannedRequest[];
  /** Trace t's span references are entries traceStarts[t] .. traceStarts[t+1]-1; one more entry marks the end. */
  traceStarts: Uint32Array;
  /** Chunk index of each span reference. */
  chunkOf: Uint32Array;
  /** Span index (within its chunk) of each span reference. */
  spanOf: Uint32Array;
  /** Spans in the batch (for logs and metrics). */
  spanCount: number;
  /** The id the block gets (named in the WAL's flush marker before it is written); random when absent. */
  blockId?: string;
  /**
   * Bounds of the time range the block's meta records: when the batch's requests were received,
   * widened by --ingestion.time-range-slack. Absent: the spans' own times.
   */
  timeBounds?: TimeBounds;
  /** Tail sampling of the batch's traces; absent: every trace is written. */
  sampling?: BatchSampling;
}

/** What a flushed block reports back (a subset of its meta). */
export interface FlushedBlock {
  /** The block's id; undefined when sampling dropped every trace of the batch and no block was written. */
  blockId: string | undefined;
  /** The whole meta as written, for the blocklist (undefined with no block). */
  meta: unknown;
  /** With sampling: how each trace of the batch was decided. */
  outcomes?: TraceOutcome[];
  /** The error the store reported although the block was found whole afterwards (a lost reply). */
  lostReply?: string;
}

/** Writes head blocks. */
export interface BlockSink {
  /** Writes one block; resolves once its meta.json is durable in the object store. */
  write(batch: FlushBatch): Promise<FlushedBlock>;
  /** Releases workers. */
  close(): Promise<void>;
}
