// The kinds of work the answer worker does, shared by the worker thread and the in-thread path.
import type { SearchMetrics } from '@spanbase/query';
import type { MetricsPartialData, SearchResult, TraceResult } from '@spanbase/traceql';
import { WorkerFailed } from '@spanbase/workers';
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

/** One source's partial of a metrics answer, kept by the thread that will finish the answer. */
export interface MetricsPartJob {
  kind: 'metrics-part';
  gathering: number;
  part: MetricsPartialData;
}

/** Forgets the partials of an answer that will not be finished (the query failed or was cancelled). */
export interface MetricsDropJob {
  kind: 'metrics-drop';
  gathering: number;
}

/** Any answer job. */
export type AnswerJob = MetricsAnswerJob | SearchAnswerJob | TracesTextJob | MetricsPartJob | MetricsDropJob;

/** Partials handed over ahead of their answer, by gathering. */
const gatherings = new Map<number, MetricsPartialData[]>();
const NOTHING = new Uint8Array(0);

/** Runs an answer job; resolves with the answer's bytes. */
export async function runAnswerJob(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
  switch (job.kind) {
    case 'metrics-part': {
      const held = gatherings.get(job.gathering);
      if (held) held.push(job.part);
      else gatherings.set(job.gathering, [job.part]);
      return NOTHING;
    }
    case 'metrics-drop':
      gatherings.delete(job.gathering);
      return NOTHING;
    case 'metrics': {
      if (!job.gathered) return metricsAnswer(job, signal);
      const held = gatherings.get(job.gathered.id) ?? [];
      gatherings.delete(job.gathered.id);
      // A worker replaced while the query ran took the partials handed to it along.
      if (held.length !== job.gathered.parts) throw WorkerFailed(`the answer worker lost ${job.gathered.parts - held.length} of this answer's ${job.gathered.parts} partial results (it was replaced while the query ran); ask again`);
      return metricsAnswer({ ...job, parts: [...held, ...job.parts] }, signal);
    }
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
  const parts = job.kind === 'metrics' ? job.parts : job.kind === 'metrics-part' ? [job.part] : [];
  const take = (a: Float64Array | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  };
  for (const part of parts) {
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
