// A query worker thread: runs block jobs with its own object store (and cache) and readers, so
// decoding Parquet for one query uses every core while the main thread keeps answering.
import { parentPort, workerData } from 'node:worker_threads';
import { createObjectStore } from '@spanbase/backend';
import { isCacheableBlockObject } from '@spanbase/block';
import type { ObjectStoreConfig } from '@spanbase/backend';
import { ReaderCache, runBlockJob } from './jobs.ts';
import type { BlockJob } from './jobs.ts';

/** Messages to a worker. */
export type ToWorker = { id: number; job: BlockJob } | { id: number; abort: true };
/** Messages from a worker. */
export type FromWorker = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { message: string; code?: string; statusCode?: number } };

const data = workerData as { store: ObjectStoreConfig; chunkCacheBytes: number };
const store = createObjectStore(data.store, { cacheable: isCacheableBlockObject });
const readers = new ReaderCache(store, { chunkCacheBytes: data.chunkCacheBytes });
const running = new Map<number, AbortController>();

parentPort?.on('message', (msg: ToWorker) => {
  if ('abort' in msg) {
    running.get(msg.id)?.abort(new Error('query cancelled'));
    return;
  }
  const ac = new AbortController();
  running.set(msg.id, ac);
  runBlockJob(readers, msg.job, ac.signal).then(
    (result) => parentPort?.postMessage({ id: msg.id, ok: true, result } satisfies FromWorker),
    (err: { message?: string; code?: string; statusCode?: number }) =>
      parentPort?.postMessage({ id: msg.id, ok: false, error: { message: err?.message ?? String(err), code: err?.code, statusCode: err?.statusCode } } satisfies FromWorker),
  ).finally(() => running.delete(msg.id));
});
