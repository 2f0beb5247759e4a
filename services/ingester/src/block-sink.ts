// Where the ingester's head blocks go. The sink turns a batch of traces (each an OTLP payload of
// its spans, in trace-id order) into a durable block and answers with its meta; the production
// sink does the encoding in a worker thread so ingest never waits for Parquet.

/** Traces of one head block, ready to encode. */
export interface FlushBatch {
  /** Tenant of the block. */
  tenant: string;
  /** Concatenated per-trace ExportTraceServiceRequest payloads, in ascending trace-id order. */
  payload: Uint8Array;
  /** Start offset of each trace's payload in `payload`; one more entry marks the end. */
  offsets: Uint32Array;
  /** Spans in the batch (for logs and metrics). */
  spanCount: number;
}

/** What a flushed block reports back (a subset of its meta). */
export interface FlushedBlock {
  /** The block's id. */
  blockId: string;
  /** The whole meta as written, for the blocklist. */
  meta: unknown;
}

/** Writes head blocks. */
export interface BlockSink {
  /** Writes one block; resolves once its meta.json is durable in the object store. */
  write(batch: FlushBatch): Promise<FlushedBlock>;
  /** Releases workers. */
  close(): Promise<void>;
}
