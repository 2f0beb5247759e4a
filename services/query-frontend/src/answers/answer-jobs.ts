// The kinds of work the answer worker does, shared by the worker thread and the in-thread path.
import { metricsAnswer } from './metrics-answer.ts';
import type { MetricsAnswerJob } from './metrics-answer.ts';

/** Any answer job. */
export type AnswerJob = MetricsAnswerJob;

/** Runs an answer job; resolves with the answer's bytes. */
export function runAnswerJob(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
  switch (job.kind) {
    case 'metrics':
      return metricsAnswer(job, signal);
  }
}
