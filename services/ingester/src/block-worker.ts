// The block encoder's thread: hands each trace of a batch, as span byte ranges in the accepted
// requests, to the block format's streaming writer (Parquet, bloom, index, tags, meta.json last)
// and reports the meta. Running here keeps Parquet encoding and zstd off the event loop that acknowledges ingest.
import { parentPort, workerData } from 'node:worker_threads';
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStore, ObjectStoreConfig, StoreOp, StoreOutcome } from '@spanbase/backend';
import { BlockObjects, blockKey, parseBlockMeta, writeEncodedBlock } from '@spanbase/block';
import type { BlockMeta, BlockWriterOptions, EncodedSpan } from '@spanbase/block';
import { faultPoint } from '@spanbase/model';
import { lowerThreadPriority } from '@spanbase/workers';
import type { FlushBatch } from './block-sink.ts';
import { batchEncodedTraces, batchTraceGroups } from './flush-batch.ts';
import { sampleTraces } from './sampling/sample-batch.ts';
import type { TraceOutcome } from './sampling/sample-batch.ts';

/** What the worker is started with. */
export interface BlockWorkerData {
  store: ObjectStoreConfig;
  block: Omit<BlockWriterOptions, 'tenant' | 'signal' | 'now' | 'timeBounds'>;
}

/** A job: one head block. */
export interface BlockJob {
  id: number;
  batch: FlushBatch;
}

/** One store request the worker made: op, outcome, bytes, seconds (see ObjectStoreMetricsSink). */
export type StoreObservation = [StoreOp, StoreOutcome, number, number];

/**
 * How a job ended. With sampling, `outcomes` says how each trace was decided, and a batch whose
 * traces were all dropped writes no block (no meta, no block id).
 */
type JobOutcome = { id: number; ok: true; meta?: unknown; blockId?: string; lostReply?: string; outcomes?: TraceOutcome[] } | { id: number; ok: false; error: string };

/** The answer to a job, with the store requests it made (for the process's store metrics). */
export type BlockJobResult = JobOutcome & { requests: StoreObservation[] };

const data = workerData as BlockWorkerData;
// Below the event loop that acknowledges ingest: when the cores are short, writing a block can
// wait a moment, an acknowledgement should not (the query workers run lowered alike).
lowerThreadPriority(10);
let requests: StoreObservation[] = [];
const store = withUploadFaults(createObjectStore(data.store, { metrics: { observe: (...o) => void requests.push(o) } }));

/** Crash-test hooks: stop before meta.json (block half uploaded) when SPANBASE_FAULT says so. */
function withUploadFaults(s: ObjectStore): ObjectStore {
  if (!process.env.SPANBASE_FAULT) return s;
  return { ...s, get: s.get.bind(s), getRange: s.getRange.bind(s), head: s.head.bind(s), delete: s.delete.bind(s), list: s.list.bind(s), put: async (key, body, o) => {
    if (key.endsWith('/meta.json')) await faultPoint('block-before-meta');
    return s.put(key, body, o);
  } };
}

/**
 * The block's meta.json when it is in the store after all: a write whose reply was lost (the
 * connection reset after the object was stored) fails although the block is whole, and flushing
 * its traces again would store them twice. Undefined when it is not there or cannot be read.
 */
async function landedMeta(tenant: string, blockId: string | undefined): Promise<BlockMeta | undefined> {
  if (!blockId) return undefined;
  try {
    const bytes = await store.get(blockKey(tenant, blockId, BlockObjects.meta));
    const meta = bytes && parseBlockMeta(bytes);
    return meta && meta.blockID === blockId ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** The traces, or undefined when there are none (sampling dropped them all: no block is written). */
async function nonEmpty(traces: AsyncIterable<EncodedSpan[]>): Promise<AsyncIterable<EncodedSpan[]> | undefined> {
  const it = traces[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return undefined;
  return (async function* () {
    yield first.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
}

parentPort?.on('message', async (job: BlockJob) => {
  let result: JobOutcome;
  const { tenant, blockId } = job.batch;
  const outcomes: TraceOutcome[] | undefined = job.batch.sampling ? [] : undefined;
  try {
    const traces = job.batch.sampling ? await nonEmpty(sampleTraces(batchTraceGroups(job.batch), job.batch.sampling, outcomes!)) : batchEncodedTraces(job.batch);
    if (traces === undefined) result = { id: job.id, ok: true, outcomes };
    else {
      const meta = await writeEncodedBlock(store, { ...data.block, tenant, blockId, timeBounds: job.batch.timeBounds }, traces);
      result = { id: job.id, ok: true, meta, blockId: meta.blockID, outcomes };
    }
  } catch (err) {
    const error = err instanceof Error ? `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}` : String(err);
    const meta = await landedMeta(tenant, blockId);
    result = meta ? { id: job.id, ok: true, meta, blockId: meta.blockID, lostReply: error, outcomes } : { id: job.id, ok: false, error };
  }
  parentPort?.postMessage({ ...result, requests } satisfies BlockJobResult);
  requests = [];
});
