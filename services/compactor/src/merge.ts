// The streaming k-way merge behind every compaction job. Each input yields its traces in ascending
// trace-id order, one row group decoded at a time; the merge holds one trace per input, joins the
// parts of a trace found in several inputs, drops repeated spans (same span id and kind: the
// trace id is already shared) and hands traces on in id order. Memory is therefore one row group
// per input plus the output's row group, whatever the inputs' sizes.
import type { StoredTrace } from '@spanbase/block';
import type { SpanRecord } from '@spanbase/model';
import { compareIds } from '@spanbase/model';

/**
 * A trace part as a source gives it: span records, or a trace as its block stores it. The parts
 * of a trace that are all stored, repeat no span and meet no filter go to the sink as they came
 * (the writer copies their rows); others are made into records to be joined and deduped.
 */
export type TracePart = SpanRecord[] | StoredTrace;

/** A merged trace as the sink gets it: records, or the stored parts that make it up, in input order. */
export type MergedTrace = SpanRecord[] | StoredTrace[];

function idOf(p: TracePart): Uint8Array {
  return Array.isArray(p) ? p[0].span.traceId : p.traceId;
}

function spansOf(t: MergedTrace): number {
  let n = 0;
  for (const p of t) n += isRecord(p) ? 1 : p.length;
  return n;
}

function isRecord(p: SpanRecord | StoredTrace): p is SpanRecord {
  return 'span' in p;
}

/** Whether the sink got stored parts rather than records. */
export function isStored(t: MergedTrace): t is StoredTrace[] {
  return !isRecord(t[0]);
}

function recordsOf(p: TracePart): SpanRecord[] {
  return Array.isArray(p) ? p : p.records();
}

/** Counts of one merge. */
export interface MergeStats {
  /** Trace parts read (a trace in two inputs counts twice). */
  partsIn: number;
  /** Spans read. */
  spansIn: number;
  /** Traces written. */
  tracesOut: number;
  /** Spans written. */
  spansOut: number;
  /** Repeated spans removed. */
  spansDeduped: number;
  /** Traces the filter dropped. */
  tracesDropped: number;
  /** Spans of the traces the filter dropped. */
  spansDropped: number;
}

/**
 * Decides for a batch of traces which to keep (same order). Each trace comes joined with its
 * parts from the context sources, so the decision is about the whole trace; `parts` are the
 * same traces as merged from the inputs alone (what is written).
 */
export type TraceFilter = (traces: readonly SpanRecord[][], parts: readonly SpanRecord[][]) => Promise<boolean[]>;

/** Options of mergeTraces. */
export interface MergeOptions {
  /** Drops traces; without it every trace is kept. */
  filter?: TraceFilter;
  /**
   * Blocks read only so the filter sees whole traces: parts of the merged traces found here are
   * joined for the filter, never written.
   */
  context?: readonly AsyncIterable<TracePart>[];
  /** Traces evaluated per filter call (default 256). */
  batchTraces?: number;
  /** Called after each trace part read, for progress. */
  onPart?: () => void;
  /** Stops the merge. */
  signal?: AbortSignal;
}

function spanKey(r: SpanRecord): string {
  const id = r.span.spanId;
  let s = String.fromCharCode(r.span.kind);
  for (let i = 0; i < id.length; i++) s += String.fromCharCode(id[i]);
  return s;
}

/** Removes repeated spans (same span id and kind), keeping the first; returns how many went. */
export function dedupeTrace(records: SpanRecord[]): number {
  if (records.length < 2) return 0;
  const seen = new Set<string>();
  let w = 0;
  for (let r = 0; r < records.length; r++) {
    const k = spanKey(records[r]);
    if (seen.has(k)) continue;
    seen.add(k);
    records[w++] = records[r];
  }
  const removed = records.length - w;
  records.length = w;
  return removed;
}

interface Head {
  it: AsyncIterator<TracePart>;
  trace: TracePart | undefined;
}

async function advance(h: Head, stats: MergeStats, opts: MergeOptions): Promise<void> {
  // Let go of the part first: a stored part holds its row group's columns, and reading on may
  // decode the next row group.
  h.trace = undefined;
  const r = await h.it.next();
  h.trace = r.done ? undefined : r.value;
  if (h.trace) {
    stats.partsIn++;
    stats.spansIn += h.trace.length;
    opts.onPart?.();
  }
}

/** The trace joined with its parts in the context sources, which are advanced past `id`. */
async function withContext(trace: SpanRecord[], id: Uint8Array, context: readonly Head[], ignore: MergeStats): Promise<SpanRecord[]> {
  let whole = trace;
  for (const h of context) {
    while (h.trace && compareIds(idOf(h.trace), id) < 0) await advance(h, ignore, {});
    if (h.trace && compareIds(idOf(h.trace), id) === 0) {
      whole = [...whole, ...recordsOf(h.trace)];
      await advance(h, ignore, {});
    }
  }
  if (whole !== trace) dedupeTrace(whole);
  return whole;
}

/**
 * Merges traces from sources (each in ascending trace-id order) into `sink`, in ascending
 * trace-id order, joining parts of one trace and dropping repeated spans.
 */
export async function mergeTraces(sources: readonly AsyncIterable<TracePart>[], sink: (trace: MergedTrace) => Promise<void>, opts: MergeOptions = {}): Promise<MergeStats> {
  const stats: MergeStats = { partsIn: 0, spansIn: 0, tracesOut: 0, spansOut: 0, spansDeduped: 0, tracesDropped: 0, spansDropped: 0 };
  const heads: Head[] = sources.map((s) => ({ it: s[Symbol.asyncIterator](), trace: undefined }));
  const context: Head[] = (opts.context ?? []).map((s) => ({ it: s[Symbol.asyncIterator](), trace: undefined }));
  const ignore: MergeStats = { ...stats };
  const batchSize = opts.batchTraces ?? 256;
  let batch: SpanRecord[][] = [];
  let joined: SpanRecord[][] = [];
  const emit = async (traces: MergedTrace[], whole: SpanRecord[][]) => {
    const keep = opts.filter ? await opts.filter(whole, traces as SpanRecord[][]) : undefined;
    for (let i = 0; i < traces.length; i++) {
      if (keep && !keep[i]) {
        stats.tracesDropped++;
        stats.spansDropped += spansOf(traces[i]);
        continue;
      }
      await sink(traces[i]);
      stats.tracesOut++;
      stats.spansOut += spansOf(traces[i]);
    }
  };
  try {
    await Promise.all(heads.map((h) => advance(h, stats, opts)));
    await Promise.all(context.map((h) => advance(h, ignore, {})));
    let previous: Uint8Array | undefined;
    while (true) {
      opts.signal?.throwIfAborted();
      let min: Uint8Array | undefined;
      for (const h of heads) if (h.trace && (!min || compareIds(idOf(h.trace), min) < 0)) min = idOf(h.trace);
      if (!min) break;
      if (previous && compareIds(min, previous) <= 0) throw new Error('merge input is not in ascending trace-id order');
      previous = min;
      const parts: Head[] = heads.filter((h) => h.trace && compareIds(idOf(h.trace), min) === 0);
      const got = parts.map((h) => h.trace!);
      const next = () => Promise.all(parts.map((h) => advance(h, stats, opts)));
      if (!opts.filter && got.every((p) => !Array.isArray(p))) {
        const stored = got as StoredTrace[];
        if (!stored[0].hasRepeatedSpans(stored.slice(1))) {
          // Written before the inputs move on: a stored part holds its whole decoded row group,
          // and an input must not hold two while it decodes the next.
          await emit([stored], []);
          await next();
          continue;
        }
      }
      const trace = got.length === 1 ? recordsOf(got[0]) : got.flatMap(recordsOf);
      got.length = 0;
      await next();
      stats.spansDeduped += dedupeTrace(trace);
      if (!opts.filter) {
        await emit([trace], [trace]);
        continue;
      }
      batch.push(trace);
      joined.push(await withContext(trace, min, context, ignore));
      if (batch.length >= batchSize) {
        await emit(batch, joined);
        batch = [];
        joined = [];
      }
    }
    if (batch.length > 0) await emit(batch, joined);
  } finally {
    await Promise.all([...heads, ...context].map((h) => h.it.return?.()));
  }
  return stats;
}
