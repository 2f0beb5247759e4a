// The answer worker thread: turns what a query's jobs returned into the answer's bytes (see
// answer-pool.ts), under supervision (cancellable, replaced when it dies).
import { serveJobs } from '@spanbase/workers';
import { runAnswerJob } from './answer-jobs.ts';
import type { AnswerJob } from './answer-jobs.ts';

serveJobs({ run: (job, signal) => runAnswerJob(job as AnswerJob, signal) });
