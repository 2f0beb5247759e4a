// The block encoder's thread: hands each trace of a batch, as span byte ranges in the accepted
// requests, to the block format's streaming writer (Parquet, bloom, index, tags, meta.json last)
// and reports the meta. Running here keeps Parquet encoding and zstd off the event loop that acknowledges ingest.
import { parentPort, workerData } from 'node:worker_threads';
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { writeEncodedBlock } from '@spanbase/block';
import type { BlockWriterOptions } from '@spanbase/block';
import { faultPoint } from '@spanbase/model';
import type { FlushBatch } from './block-sink.ts';
import { batchEncodedTraces } from './flush-batch.ts';

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

/** The answer to a job. */
export type BlockJobResult = { id: number; ok: true; meta: unknown; blockId: string } | { id: number; ok: false; error: string };

const data = workerData as BlockWorkerData;
const store = withUploadFaults(createObjectStore(data.store));

/** Crash-test hooks: stop before meta.json (block half uploaded) when SPANBASE_FAULT says so. */
function withUploadFaults(s: ObjectStore): ObjectStore {
  if (!process.env.SPANBASE_FAULT) return s;
  return { ...s, get: s.get.bind(s), getRange: s.getRange.bind(s), head: s.head.bind(s), delete: s.delete.bind(s), list: s.list.bind(s), put: async (key, body, o) => {
    if (key.endsWith('/meta.json')) await faultPoint('block-before-meta');
    return s.put(key, body, o);
  } };
}

parentPort?.on('message', async (job: BlockJob) => {
  let result: BlockJobResult;
  try {
    const meta = await writeEncodedBlock(store, { ...data.block, tenant: job.batch.tenant, blockId: job.batch.blockId, timeBounds: job.batch.timeBounds }, batchEncodedTraces(job.batch));
    result = { id: job.id, ok: true, meta, blockId: meta.blockID };
  } catch (err) {
    result = { id: job.id, ok: false, error: err instanceof Error ? `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}` : String(err) };
  }
  parentPort?.postMessage(result);
});
