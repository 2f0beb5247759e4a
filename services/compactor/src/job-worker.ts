// The compaction worker thread (isolated-job.ts starts it). Its old generation is capped at
// --compaction.max-memory-bytes, so the merge's memory bound is enforced by V8 rather than hoped
// for: a job that would not fit fails alone instead of growing the process.
import { parentPort, workerData } from 'node:worker_threads';
import type { ObjectStoreConfig } from '@spanbase/backend';
import { createObjectStore } from '@spanbase/backend';
import { isSpanbaseError } from '@spanbase/model';
import type { WorkerJob, WorkerMessage } from './isolated-job.ts';
import { Lease } from './leases.ts';
import { parseRetentionRule, retentionPolicy } from '@spanbase/overrides';
import { runJob } from './run-job.ts';

const port = parentPort!;
const store = createObjectStore((workerData as { store: ObjectStoreConfig }).store);
const send = (m: WorkerMessage) => port.postMessage(m);
const waiting: (() => void)[] = [];

async function run(data: WorkerJob): Promise<void> {
  const now = () => Date.now() + data.clockOffsetMs;
  const lease = new Lease(store, data.lease.key, data.lease.record, { ...data.lease.options, now });
  const policy = retentionPolicy(data.policy.blockRetentionMs, data.policy.defaultMs, data.policy.rules.map(parseRetentionRule));
  try {
    const result = await runJob(data.job, {
      store,
      lease,
      policy,
      now,
      onProgress: (p) => send({ type: 'progress', partsDone: p.partsDone, partsTotal: p.partsTotal }),
      step: data.steps
        ? (step, blockId) =>
            new Promise<void>((resolve) => {
              waiting.push(resolve);
              send({ type: 'step', step, blockId });
            })
        : undefined,
    });
    send({ type: 'done', result });
  } catch (err) {
    send({ type: 'failed', code: isSpanbaseError(err) ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
  }
}

port.on('message', (m: { type: 'job'; job: WorkerJob } | { type: 'step-ack' } | { type: 'ping' }) => {
  if (m.type === 'step-ack') waiting.shift()?.();
  else if (m.type === 'ping') send({ type: 'ready' });
  else void run(m.job);
});
