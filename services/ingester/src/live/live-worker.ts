// The live-query worker thread: holds the live index and answers queries over it.
import { getHeapStatistics } from 'node:v8';
import { serveJobs } from '@spanbase/workers';
import { LiveIndex } from './live-index.ts';
import type { LiveEvent, LiveJob } from './live-protocol.ts';

const index = new LiveIndex({ heapBytes: getHeapStatistics().heap_size_limit });

serveJobs({
  onEvent: (e) => index.apply(e as LiveEvent),
  run: (job, signal) => index.run(job as LiveJob, signal),
});
