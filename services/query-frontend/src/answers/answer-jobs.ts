// The kinds of work the answer worker does, shared by the worker thread and the in-thread path.
import type { SearchMetrics } from '@spanbase/query';
import { partialDataBuffers } from '@spanbase/traceql';
import type { MetricsPartialData, MetricsRequest, SearchResult, TraceResult } from '@spanbase/traceql';
import { WorkerFailed } from '@spanbase/workers';
import { searchResponseText, traceText } from '../search/search-json.ts';
import { mergePart, metricsAnswer, noParts } from './metrics-answer.ts';
import type { MergedParts, MetricsAnswerJob } from './metrics-answer.ts';

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

/**
 * One source's partial of a metrics answer, merged at once by the thread that will finish the
 * answer (so it holds one partial per answer, not one per block).
 */
export interface MetricsPartJob {
  kind: 'metrics-part';
  gathering: number;
  /** The query and request, planned where the first part of the gathering arrives. */
  query: string;
  request: MetricsRequest;
  part: MetricsPartialData;
}

/** Forgets the partials of an answer that will not be finished (the query failed or was cancelled). */
export interface MetricsDropJob {
  kind: 'metrics-drop';
  gathering: number;
}

/** Any answer job. */
export type AnswerJob = MetricsAnswerJob | SearchAnswerJob | TracesTextJob | MetricsPartJob | MetricsDropJob;

/** Partials handed over ahead of their answer, merged, by gathering. */
const gatherings = new Map<number, { merged: MergedParts; parts: number; error?: unknown }>();
const NOTHING = new Uint8Array(0);

/** Runs an answer job; resolves with the answer's bytes. */
export async function runAnswerJob(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
  switch (job.kind) {
    case 'metrics-part': {
      let g = gatherings.get(job.gathering);
      if (!g) gatherings.set(job.gathering, (g = { merged: noParts(job.query, job.request), parts: 0 }));
      g.parts++;
      // A part that does not fit the plan fails the answer when it is finished.
      if (g.error === undefined) {
        try {
          mergePart(g.merged, job.part);
        } catch (err) {
          g.error = err;
        }
      }
      return NOTHING;
    }
    case 'metrics-drop':
      gatherings.delete(job.gathering);
      return NOTHING;
    case 'metrics': {
      if (!job.gathered) return metricsAnswer(job, signal);
      const g = gatherings.get(job.gathered.id);
      gatherings.delete(job.gathered.id);
      const held = g?.parts ?? 0;
      // A worker replaced while the query ran took the partials handed to it along.
      if (held !== job.gathered.parts) throw WorkerFailed(`the answer worker lost ${job.gathered.parts - held} of this answer's ${job.gathered.parts} partial results (it was replaced while the query ran); ask again`);
      if (g?.error !== undefined) throw g.error;
      return metricsAnswer(job, signal, g?.merged);
    }
    case 'search':
      return Buffer.from(await searchResponseText(job.result, job.metrics, signal), 'utf8');
    case 'traces':
      return Buffer.from(job.traces.map(traceText).join(','), 'utf8');
  }
}

/**
 * The buffers of a job's number arrays that can move to the worker rather than be copied (see
 * partialDataBuffers). A query's partials hold a few thousand arrays of a few KB each; copying
 * them held the posting thread for tens of milliseconds.
 */
export function movableBuffers(job: AnswerJob): ArrayBuffer[] {
  return partialDataBuffers(job.kind === 'metrics' ? job.parts : job.kind === 'metrics-part' ? [job.part] : []);
}
