// Where the frontend builds its answers: merging what a query's jobs returned, finishing it and
// writing the JSON text allocate the whole answer several times over. On the thread that also
// acknowledges ingest and answers /ready, a large answer held both up for tens of milliseconds
// and left garbage whose collection paused them again, so this work runs on a worker thread at
// a lower scheduling priority, under supervision like the query workers. A search answer of a
// few spans (a needle's) is the exception: written here, it costs less than the two hand-overs.
// With no worker (size 0) everything runs in this thread (tests).
import { SupervisedWorker, leastBusy } from '@spanbase/workers';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { PartChannel, SearchMetrics } from '@spanbase/query';
import type { MetricsPartialData, MetricsRequest, SearchResult, TraceResult } from '@spanbase/traceql';
import { searchMetricsText, spanCount } from '../search/search-json.ts';
import { transferList, runAnswerJob } from './answer-jobs.ts';
import type { AnswerJob, MetricsPortJob } from './answer-jobs.ts';
import type { MetricsAnswerJob } from './metrics-answer.ts';

/** Spans (and spansets) of search results handed to a worker in one piece. */
const SPANS_PER_SLICE = 2000;

/**
 * Spans (and spansets) of a search answer written in this thread rather than on a worker: a
 * needle's answer of a trace or two is a few kilobytes of JSON, which costs this thread less than
 * handing it to a worker and waking this thread again for the bytes.
 */
export const INLINE_SPANS = 200;
const COMMA = Buffer.from(',');

/** Answer pool settings. */
export interface AnswerPoolOptions {
  /** Worker threads (0: build answers in this thread). */
  workers: number;
  /** Answers one worker builds at once. */
  jobsPerWorker?: number;
  /** How long a cancelled answer may keep its worker busy before the worker is replaced, ms. */
  abortGraceMs?: number;
  /** Told when a worker is replaced, and why. */
  onReplace?: (reason: string) => void;
  /**
   * Told of each metrics partial a gathering gets: `direct` when a port for it went to the merging
   * thread (the main thread never held it), `main-thread` when it was handed over from here.
   */
  onPart?: (route: 'direct' | 'main-thread') => void;
}

const never = new AbortController().signal;

/**
 * A metrics answer whose partials are handed over one by one as the query's sources answer, to
 * the thread that will merge and finish it: each hand-over is one source's share, never all of
 * them at once. With answer workers it is also a PartChannel: a query worker can post its part
 * to the answer worker itself. Close it when the query is over, finished or not.
 */
export class MetricsGathering implements PartChannel {
  private readonly id: number;
  private readonly query: string;
  private readonly request: MetricsRequest;
  private readonly run: (job: AnswerJob, signal: AbortSignal) => Promise<Uint8Array>;
  private readonly sendPort: (job: MetricsPortJob) => void;
  private readonly onPart: AnswerPoolOptions['onPart'];
  private parts = 0;
  private finished = false;

  constructor(id: number, query: string, request: MetricsRequest, run: (job: AnswerJob, signal: AbortSignal) => Promise<Uint8Array>, sendPort: (job: MetricsPortJob) => void, onPart?: AnswerPoolOptions['onPart']) {
    this.id = id;
    this.query = query;
    this.request = request;
    this.run = run;
    this.sendPort = sendPort;
    this.onPart = onPart;
  }

  /** Hands one partial over (its number arrays move along: do not read them again). */
  add(part: MetricsPartialData): void {
    this.parts++;
    this.onPart?.('main-thread');
    // A hand-over that fails leaves the count short, which the answer then reports.
    this.run({ kind: 'metrics-part', gathering: this.id, query: this.query, request: this.request, part }, never).catch(() => {});
  }

  /** A port for one part, straight to the thread that merges (see PartChannel). */
  open(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.parts++;
    this.onPart?.('direct');
    // At once, not behind jobs waiting for a slot: the other end may be used (and closed) soon.
    this.sendPort({ kind: 'metrics-port', gathering: this.id, query: this.query, request: this.request, port: port1 });
    return port2;
  }

  /** The answer from every partial handed over (and any in the job). */
  async finish(job: Omit<MetricsAnswerJob, 'gathered'>, signal: AbortSignal): Promise<Uint8Array> {
    const body = await this.run({ ...job, gathered: { id: this.id, parts: this.parts } }, signal);
    this.finished = true;
    return body;
  }

  /** Forgets what was handed over unless the answer was built. */
  close(): void {
    if (!this.finished) this.run({ kind: 'metrics-drop', gathering: this.id }, never).catch(() => {});
  }
}

/** Builds answers on worker threads. */
export class AnswerPool {
  private readonly workers: SupervisedWorker[] = [];
  private readonly onPart: AnswerPoolOptions['onPart'];
  private gatherings = 0;

  constructor(opts: AnswerPoolOptions) {
    this.onPart = opts.onPart;
    for (let i = 0; i < opts.workers; i++) {
      this.workers.push(
        new SupervisedWorker({
          url: new URL('./answer-worker.ts', import.meta.url),
          name: 'answer worker',
          slots: opts.jobsPerWorker ?? 2,
          abortGraceMs: opts.abortGraceMs ?? 2000,
          lowPriority: true,
          onReplace: opts.onReplace,
        }),
      );
    }
  }

  /** Worker threads (0: answers are built in this thread). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Builds an answer; rejects with the signal's reason as soon as it is aborted. The job's number
   * arrays move to the worker (see transferList): the caller must not read them afterwards.
   */
  build(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
    signal.throwIfAborted();
    if (this.workers.length === 0) return runAnswerJob(job, signal);
    const w = leastBusy(this.workers);
    return w.run<Uint8Array>(job, signal, transferList(job));
  }

  /** A metrics answer to gather partials for, on one worker (the least busy now); `query` is its TraceQL text. */
  metricsGathering(query: string, request: MetricsRequest): MetricsGathering {
    const id = ++this.gatherings;
    if (this.workers.length === 0) return new MetricsGathering(id, query, request, (job, signal) => runAnswerJob(job, signal), (job) => void runAnswerJob(job, never), this.onPart);
    const w = leastBusy(this.workers);
    return new MetricsGathering(id, query, request, (job, signal) => w.run<Uint8Array>(job, signal, transferList(job)), (job) => w.postNow(job, [job.port]), this.onPart);
  }

  /**
   * A SearchResponse's bytes, its traces written on the workers a slice at a time: each slice is
   * its own job, so handing a large answer over never holds this thread for long in one piece.
   * A small answer (INLINE_SPANS) is written here.
   */
  async searchAnswer(result: SearchResult, metrics: SearchMetrics, signal: AbortSignal): Promise<Buffer> {
    if (this.workers.length === 0 || result.traces.reduce((n, t) => n + spanCount(t), 0) <= INLINE_SPANS) {
      signal.throwIfAborted();
      return Buffer.from(await runAnswerJob({ kind: 'search', result, metrics }, signal));
    }
    const slices: TraceResult[][] = [];
    let spans = SPANS_PER_SLICE;
    for (const t of result.traces) {
      if (spans >= SPANS_PER_SLICE) {
        slices.push([]);
        spans = 0;
      }
      slices.at(-1)!.push(t);
      spans += spanCount(t);
    }
    const texts = await Promise.all(slices.map((traces) => this.build({ kind: 'traces', traces }, signal)));
    const parts: Uint8Array[] = [Buffer.from('{"traces":[')];
    texts.forEach((t, i) => parts.push(...(i > 0 ? [COMMA, t] : [t])));
    parts.push(Buffer.from(`],"metrics":${searchMetricsText(metrics)}}`));
    return Buffer.concat(parts);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
