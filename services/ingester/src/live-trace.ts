// The spans of one trace that are in memory: references (chunk, span index) rather than objects.
import type { Chunk } from './chunk.ts';

/**
 * Where a trace is in its life: accepting spans, waiting in the head block, being written, or
 * written (in a listed block; leaving memory a slice at a time).
 */
export type LiveTraceState = 'live' | 'head' | 'flushing' | 'flushed';

/** Generation ids are unique in the process (a double counts past any uptime). */
let nextGenId = 1;

/** One trace's in-memory spans. */
export class LiveTrace {
  /** The 16-byte trace id (own copy). */
  readonly traceId: Uint8Array;
  /** Names this generation to the live-query worker, which keeps its own index of the same spans. */
  readonly genId: number;
  /** Chunk of each span reference. */
  readonly chunks: Chunk[] = [];
  /** Index of each span within its chunk's scan. */
  readonly spans: number[] = [];
  /** Sum of the spans' encoded sizes. */
  bytes = 0;
  /** When the last span arrived (unix ms); drives the idle period. */
  lastAppendMs = 0;
  /** Earliest span start, unix nanoseconds (double). */
  startNs = Infinity;
  /** Latest span end, unix nanoseconds (double). */
  endNs = -Infinity;
  /** Shortest and longest span duration, ns (from the doubles: within a few hundred ns); queries rule generations out by them. */
  minDurationNs = Infinity;
  /** See minDurationNs. */
  maxDurationNs = -Infinity;
  /** Lifecycle state. */
  state: LiveTraceState = 'live';

  constructor(traceId: Uint8Array, genId = nextGenId++) {
    this.traceId = traceId;
    this.genId = genId;
  }

  /** Adds span `i` of `chunk`. */
  add(chunk: Chunk, i: number, nowMs: number): void {
    const s = chunk.scan;
    this.chunks.push(chunk);
    this.spans.push(i);
    this.bytes += s.spanLength[i];
    this.lastAppendMs = nowMs;
    const start = s.startTimeUnixNano[i];
    const end = s.endTimeUnixNano[i];
    if (start < this.startNs) this.startNs = start;
    if (end > this.endNs) this.endNs = end;
    const d = end - start;
    if (d < this.minDurationNs) this.minDurationNs = d;
    if (d > this.maxDurationNs) this.maxDurationNs = d;
  }

  /** Number of span references. */
  get spanCount(): number {
    return this.spans.length;
  }
}
