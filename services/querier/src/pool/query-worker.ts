// A query worker thread: runs block jobs with its own object store (and cache) and readers, so
// decoding Parquet for one query uses every core while the main thread keeps answering. It runs
// under supervision (see @spanbase/workers): cancellable inside its loops, replaced when stuck.
import { createObjectStore } from '@spanbase/backend';
import { isCacheableBlockObject } from '@spanbase/block';
import type { ObjectStoreConfig } from '@spanbase/backend';
import { jobWorkerData, serveJobs } from '@spanbase/workers';
// The codec alone: the package's index would load gRPC and the HTTP server into every worker.
import { packSearchResult } from '@spanbase/internal-api/search-result';
import type { SearchResult } from '@spanbase/traceql';
import { ReaderCache, runBlockJob } from './jobs.ts';
import type { BlockJob } from './jobs.ts';

/** What a query worker is started with. */
export interface QueryWorkerData {
  store: ObjectStoreConfig;
  chunkCacheBytes: number;
}

const data = jobWorkerData<QueryWorkerData>();
const store = createObjectStore(data.store, { cacheable: isCacheableBlockObject });
const readers = new ReaderCache(store, { chunkCacheBytes: data.chunkCacheBytes });

// Search results leave packed: the thread that merges them also acknowledges ingest.
serveJobs({
  run: async (job, signal) => {
    const result = await runBlockJob(readers, job as BlockJob, signal);
    return (job as BlockJob).kind === 'search' ? packSearchResult(result as SearchResult) : result;
  },
});
