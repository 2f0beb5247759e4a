// A SpansetFetcher over traces held in memory (span records from the model). It honours the
// request the way a block reader should: time range, then conditions (all or any), returning only
// the spans that can matter, with exactly the requested columns. With `prune: false` it returns
// every span of every trace in range, which is what the reference evaluation uses.
import type { SpanRecord } from '@spanbase/model';
import { conditionHolds } from './conditions.ts';
import type { IndexedTrace } from './record-values.ts';
import { indexTrace, recordAttributes, recordValue } from './record-values.ts';
import type { Static } from './static.ts';
import type { FetchedSpan, FetchedSpanset, FetchSpansRequest, SpansetFetcher } from './storage.ts';
import { serviceNameOf } from '@spanbase/model';

/** Options of the in-memory fetcher. */
export interface MemoryFetcherOptions {
  /** Drop spans by the request's conditions (default true). */
  readonly prune?: boolean;
}

/** Whether a trace spanning [start, end] overlaps the request's time range. */
export function overlapsRange(start: bigint, end: bigint, request: Pick<FetchSpansRequest, 'startTimeUnixNano' | 'endTimeUnixNano'>): boolean {
  return (request.endTimeUnixNano === 0n || start <= request.endTimeUnixNano) && (request.startTimeUnixNano === 0n || end >= request.startTimeUnixNano);
}

/** Traces as span record lists, or already indexed; an iterable may produce them one at a time. */
export type MemoryTraces = Iterable<readonly SpanRecord[] | IndexedTrace>;

/** The traces of `source` indexed, empty ones left out, as they are iterated (nothing is kept). */
export function* indexedTraces(source: MemoryTraces): Generator<IndexedTrace> {
  for (const t of source) {
    const indexed = 'records' in t ? t : indexTrace(t);
    if (indexed.records.length > 0) yield indexed;
  }
}

/** Serves spansets from in-memory traces (one SpanRecord list per trace). */
export class MemoryFetcher implements SpansetFetcher {
  private readonly traces: MemoryTraces;
  private readonly prune: boolean;
  /** Spans handed out by the last fetch, for tests that check pruning. */
  lastFetchedSpans = 0;

  /**
   * Traces as span record lists, or already indexed (to share the indexing with other readers).
   * An iterable is iterated once per fetch, so traces can be produced (decoded) one at a time and
   * a fetch holds one trace, not all of them.
   */
  constructor(traces: MemoryTraces, options: MemoryFetcherOptions = {}) {
    this.traces = traces;
    this.prune = options.prune ?? true;
  }

  async *fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset> {
    this.lastFetchedSpans = 0;
    for (const t of indexedTraces(this.traces)) {
      signal?.throwIfAborted();
      if (!overlapsRange(t.start, t.end, request)) continue;
      const spans: FetchedSpan[] = [];
      for (let i = 0; i < t.records.length; i++) {
        if (this.prune && !this.matters(request, t, i)) continue;
        spans.push(fetchedSpan(request, t, i));
      }
      if (spans.length === 0) continue;
      this.lastFetchedSpans += spans.length;
      yield {
        traceId: t.traceId,
        rootServiceName: t.root ? serviceNameOf(t.root.resource) : undefined,
        rootSpanName: t.root?.span.name,
        startTimeUnixNano: t.start,
        durationNanos: t.end - t.start,
        spans,
      };
    }
  }

  private matters(request: FetchSpansRequest, t: IndexedTrace, i: number): boolean {
    const cs = request.conditions;
    if (cs.length === 0) return true;
    if (request.allConditions) return cs.every((c) => conditionHolds(c, recordValue(c.field, t, i)));
    return cs.some((c) => conditionHolds(c, recordValue(c.field, t, i)));
  }
}

function fetchedSpan(request: FetchSpansRequest, t: IndexedTrace, i: number): FetchedSpan {
  const span = t.records[i].span;
  const values: (Static | undefined)[] = request.columns.map((c) => recordValue(c, t, i));
  const ns = t.nested[i];
  return {
    spanId: span.spanId,
    startTimeUnixNano: span.startTimeUnixNano,
    durationNanos: span.endTimeUnixNano - span.startTimeUnixNano,
    nestedSetLeft: ns.left,
    nestedSetRight: ns.right,
    nestedSetParent: ns.parent,
    value: (column: number) => values[column],
    attributes: request.allAttributes ? () => recordAttributes(t, i) : undefined,
  };
}
