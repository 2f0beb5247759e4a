// The live-query worker thread: holds the live index and answers queries over it. Between jobs
// it indexes, a slice at a time, traces that stopped getting spans (see LiveIndex.warm), so the
// first query over them does not decode them all.
import { getHeapStatistics } from 'node:v8';
import { serveJobs } from '@spanbase/workers';
// The codec alone: the package's index would load gRPC and the HTTP server into every worker.
import { packSearchResult } from '@spanbase/internal-api/search-result';
import type { SearchResult } from '@spanbase/traceql';
import { LiveIndex } from './live-index.ts';
import type { LiveEvent, LiveJob } from './live-protocol.ts';

/** A warm-up round starts this often, ms. */
const WARM_EVERY_MS = 250;
/** Longest stretch of warm-up between events and jobs, ms. */
const WARM_SLICE_MS = 10;

const index = new LiveIndex({ heapBytes: getHeapStatistics().heap_size_limit });

let warming = false;
const slice = () => {
  if (index.warm(performance.now() + WARM_SLICE_MS)) setImmediate(slice);
  else warming = false;
};
setInterval(() => {
  if (warming) return;
  warming = true;
  slice();
}, WARM_EVERY_MS).unref();

serveJobs({
  onEvent: (e) => index.apply(e as LiveEvent),
  // Search results leave packed: the thread that merges them also acknowledges ingest.
  run: async (job, signal) => {
    const result = await index.run(job as LiveJob, signal);
    return (job as LiveJob).op === 'search' ? packSearchResult(result as SearchResult) : result;
  },
});
