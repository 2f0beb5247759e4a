// The block encoder's thread: decodes each trace's OTLP payload, writes the block through the
// block format's streaming writer (Parquet, bloom, index, tags, meta.json last) and reports the
// meta. Running here keeps Parquet encoding and zstd off the event loop that acknowledges ingest.
import { parentPort, workerData } from 'node:worker_threads';
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { writeBlock } from '@spanbase/block';
import type { BlockWriterOptions } from '@spanbase/block';
import { faultPoint, flattenTracesData } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';

/** What the worker is started with. */
export interface BlockWorkerData {
  store: ObjectStoreConfig;
  block: Omit<BlockWriterOptions, 'tenant' | 'signal' | 'now'>;
}

/** A job: one head block. */
export interface BlockJob {
  id: number;
  tenant: string;
  payload: Uint8Array;
  offsets: Uint32Array;
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

function* traces(job: BlockJob): Iterable<SpanRecord[]> {
  for (let i = 0; i + 1 < job.offsets.length; i++) {
    yield flattenTracesData(decodeExportRequest(job.payload.subarray(job.offsets[i], job.offsets[i + 1])));
  }
}

parentPort?.on('message', async (job: BlockJob) => {
  let result: BlockJobResult;
  try {
    const meta = await writeBlock(store, { ...data.block, tenant: job.tenant }, traces(job));
    result = { id: job.id, ok: true, meta, blockId: meta.blockID };
  } catch (err) {
    result = { id: job.id, ok: false, error: err instanceof Error ? `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}` : String(err) };
  }
  parentPort?.postMessage(result);
});
