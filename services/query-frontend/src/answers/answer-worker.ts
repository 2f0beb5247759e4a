// The answer worker thread: turns what a query's jobs returned into the answer's bytes (see
// answer-pool.ts), under supervision (cancellable, replaced when it dies).
import { serveJobs } from '@spanbase/workers';
import { runAnswerJob } from './answer-jobs.ts';
import type { AnswerJob } from './answer-jobs.ts';

const never = new AbortController().signal;

// Events are the ports query workers post partials on (see PartChannel), sent ahead of jobs.
serveJobs({ run: (job, signal) => runAnswerJob(job as AnswerJob, signal), onEvent: (event) => void runAnswerJob(event as AnswerJob, never) });
