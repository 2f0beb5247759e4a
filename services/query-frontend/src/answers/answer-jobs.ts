// The kinds of work the answer worker does, shared by the worker thread and the in-thread path.
import type { SearchMetrics } from '@spanbase/query';
import type { SearchResult, TraceResult } from '@spanbase/traceql';
import { searchResponseText, traceText } from '../search/search-json.ts';
import { metricsAnswer } from './metrics-answer.ts';
import type { MetricsAnswerJob } from './metrics-answer.ts';

/** A search's merged result, to write as a SearchResponse. */
export interface SearchAnswerJob {
  kind: 'search';
  result: SearchResult;
  metrics: SearchMetrics;
}

/** Some of a search answer's traces, to write as the JSON of each, comma-separated (a piece of `traces`). */
export interface TracesTextJob {
  kind: 'traces';
  traces: TraceResult[];
}

/** Any answer job. */
export type AnswerJob = MetricsAnswerJob | SearchAnswerJob | TracesTextJob;

/** Runs an answer job; resolves with the answer's bytes. */
export async function runAnswerJob(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
  switch (job.kind) {
    case 'metrics':
      return metricsAnswer(job, signal);
    case 'search':
      return Buffer.from(await searchResponseText(job.result, job.metrics, signal), 'utf8');
    case 'traces':
      return Buffer.from(job.traces.map(traceText).join(','), 'utf8');
  }
}

/**
 * The buffers of a job's numbers that can move to the worker rather than be copied: arrays that
 * own their whole buffer (not views into a larger one, which may hold other data, nor shared
 * memory). A query's partials hold a few thousand arrays of a few KB each; copying them held the
 * posting thread for tens of milliseconds.
 */
export function movableBuffers(job: AnswerJob): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  if (job.kind !== 'metrics') return [];
  const take = (a: Float64Array | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  };
  for (const part of job.parts) {
    for (const st of part.states) {
      if (st.kind === 'compare') {
        for (const v of st.values) take(v.counts);
        continue;
      }
      for (const sd of st.series) {
        take(sd.a);
        take(sd.b);
        for (const [, counts] of sd.hist ?? []) take(counts);
      }
    }
  }
  return [...out];
}
