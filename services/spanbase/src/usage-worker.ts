// The thread `GET /api/usage` runs in: reading every block of a tenant is query-sized work, and
// the event loop that acknowledges ingest never does query work.
import { parentPort, workerData } from 'node:worker_threads';
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStoreConfig } from '@spanbase/backend';
import { samplingPolicy } from '@spanbase/overrides';
import type { SamplingSpec } from '@spanbase/overrides';
import { usageReport } from './usage-cli.ts';

/** What the thread is started with. */
export interface UsageJob {
  store: ObjectStoreConfig;
  tenant: string;
  /** With a policy: the dry run of it. */
  policy?: SamplingSpec;
}

const job = workerData as UsageJob;
const spec = job.policy;
try {
  const report = await usageReport(createObjectStore(job.store), [job.tenant], spec && (() => samplingPolicy(spec)));
  parentPort?.postMessage({ ok: true, report });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: (err as Error).message });
}
