// The kinds of work the answer worker does, shared by the worker thread and the in-thread path.
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import type { SearchMetrics } from '@spanbase/query';
import { partialDataBuffers } from '@spanbase/traceql';
import type { MetricsPartialData, MetricsRequest, SearchResult, TraceResult } from '@spanbase/traceql';
import { WorkerFailed, transferring } from '@spanbase/workers';
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

/**
 * A port one source's partial will arrive on, posted by the query worker that evaluated it (see
 * PartChannel): the part never passes through the thread that acknowledges ingest. Sent as an
 * event, ahead of waiting jobs, and always before the answer's own job.
 */
export interface MetricsPortJob {
  kind: 'metrics-port';
  gathering: number;
  query: string;
  request: MetricsRequest;
  port: MessagePort;
}

/** Forgets the partials of an answer that will not be finished (the query failed or was cancelled). */
export interface MetricsDropJob {
  kind: 'metrics-drop';
  gathering: number;
}

/** Any answer job. */
export type AnswerJob = MetricsAnswerJob | SearchAnswerJob | TracesTextJob | MetricsPartJob | MetricsPortJob | MetricsDropJob;

/** Partials handed over ahead of their answer, merged, by gathering. */
interface Gathering {
  merged: MergedParts;
  /** Parts and ports handed over. */
  parts: number;
  error?: unknown;
  /** Ports whose part has not arrived (nor their port closed). */
  open: Set<MessagePort>;
  /** Called when `open` empties. */
  settled?: () => void;
}
const gatherings = new Map<number, Gathering>();
const NOTHING = new Uint8Array(0);

function gatheringOf(id: number, query: string, request: MetricsRequest): Gathering {
  let g = gatherings.get(id);
  if (!g) gatherings.set(id, (g = { merged: noParts(query, request), parts: 0, open: new Set() }));
  return g;
}

/** Merges a part into its gathering; a part that does not fit the plan fails the answer when it is finished. */
function mergeInto(g: Gathering, part: MetricsPartialData): void {
  if (g.error !== undefined) return;
  try {
    mergePart(g.merged, part);
  } catch (err) {
    g.error = err;
  }
}

/** Waits for the part on `port` (or its closing: a job that failed or was cancelled sends none). */
function listen(g: Gathering, port: MessagePort): void {
  g.open.add(port);
  const done = (): void => {
    if (!g.open.delete(port)) return;
    port.close();
    if (g.open.size === 0) g.settled?.();
  };
  port.once('message', (m: { part?: MetricsPartialData }) => {
    if (m?.part) mergeInto(g, m.part);
    done();
  });
  port.once('close', done);
}

/** Resolves once every port of the gathering has delivered or closed; rejects when `signal` aborts. */
function allArrived(g: Gathering, signal: AbortSignal): Promise<void> {
  if (g.open.size === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    g.settled = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
  });
}

function drop(id: number): void {
  const g = gatherings.get(id);
  gatherings.delete(id);
  for (const port of g?.open ?? []) port.close();
}

/**
 * The answer's bytes, to be moved to the thread that asked rather than copied, when they are a
 * buffer of their own (not a slice of Node's small-buffer pool, which other buffers share): a
 * 10 MB metrics answer was copied once more on the thread that acknowledges ingest.
 */
function movingOut(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteLength > 0 && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? transferring(bytes, [bytes.buffer]) : bytes;
}

/** Runs an answer job; resolves with the answer's bytes (moved, not copied, where they can be). */
export async function runAnswerJob(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
  return movingOut(await answerBytes(job, signal));
}

async function answerBytes(job: AnswerJob, signal: AbortSignal): Promise<Uint8Array> {
  switch (job.kind) {
    case 'metrics-part': {
      const g = gatheringOf(job.gathering, job.query, job.request);
      g.parts++;
      mergeInto(g, job.part);
      return NOTHING;
    }
    case 'metrics-port': {
      const g = gatheringOf(job.gathering, job.query, job.request);
      g.parts++;
      listen(g, job.port);
      return NOTHING;
    }
    case 'metrics-drop':
      drop(job.gathering);
      return NOTHING;
    case 'metrics': {
      if (!job.gathered) return metricsAnswer(job, signal);
      const g = gatherings.get(job.gathered.id);
      // A part posted by a query worker may come after this job, which the frontend sends once the worker has answered.
      if (g) await allArrived(g, signal).catch((err: unknown) => {
        drop(job.gathered!.id);
        throw err;
      });
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
 * What a job moves to the worker rather than copies: the buffers of its number arrays (see
 * partialDataBuffers; a query's partials hold a few thousand arrays of a few KB each, and copying
 * them held the posting thread for tens of milliseconds). A metrics-port job is an event, posted
 * with its port (see AnswerPool.metricsGathering).
 */
export function transferList(job: AnswerJob): TransferListItem[] {
  return partialDataBuffers(job.kind === 'metrics' ? job.parts : job.kind === 'metrics-part' ? [job.part] : []);
}
