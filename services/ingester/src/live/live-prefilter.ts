// Rules live traces out of a query before decoding them, from what the request's scan already
// holds. A string an OTLP field holds is in the request's protobuf bytes as written (UTF-8, valid,
// already truncated at ingest), inside the span's message, its resource's or its scope's; a span's
// duration is its end minus its start, both kept per span by the scan. So a trace none of whose
// spans passes a required test cannot match; a string hit may be a false one (the bytes of another
// field), which decoding then settles. Decoding and indexing a span costs about 15 µs; these
// checks a fraction of one.
import { spanTests } from '@spanbase/traceql';
import type { FetchSpansRequest, SpanTest, SpanTests } from '@spanbase/traceql';
import type { Chunk } from '../chunk.ts';
import type { LiveTrace } from '../live-trace.ts';

/** Whether a trace (its generations) may matter to a query. */
export type TraceFilter = (gens: readonly LiveTrace[]) => boolean;

/**
 * A filter for a query whose fetches are `requests` (one per metrics pipeline; a trace is kept
 * when any may want it); undefined when some request gives no test, so none can rule out.
 */
export function liveFilter(requests: readonly Pick<FetchSpansRequest, 'conditions' | 'allConditions'>[]): TraceFilter | undefined {
  const filters: TraceTests[] = [];
  for (const r of requests) {
    const tests = spanTests(r);
    if (!tests) return undefined;
    filters.push(new TraceTests(tests));
  }
  return (gens) => filters.some((f) => f.mayHold(gens));
}

/** Offsets kept per string and request; a string found more often is taken to be everywhere (bounded memory). */
const MAX_OFFSETS = 4096;

/**
 * Durations come from start and end times kept as doubles: rounded to 256 ns at today's epoch,
 * so a difference can be off by 256 ns. Bounds are widened by more than that.
 */
const DURATION_SLACK_NS = 1024;

/** One request's tests; where a string occurs in a request is found once, when a trace first needs it. */
export class TraceTests {
  private readonly tests: readonly SpanTest[];
  private readonly needles: (Buffer | undefined)[];
  /** Each duration test's bounds, widened by the slack (ns as doubles). */
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly every: boolean;
  /** Per request: the sorted offsets of each string test's string (empty when absent), each found when first asked. */
  private readonly found = new Map<Chunk, (Int32Array | undefined)[]>();

  constructor(t: SpanTests) {
    this.tests = t.tests;
    this.needles = t.tests.map((x) => (x.kind === 'string' ? Buffer.from(x.value, 'utf8') : undefined));
    this.lo = Float64Array.from(t.tests, (x) => (x.kind === 'duration' ? Number(x.nanos) - DURATION_SLACK_NS : 0));
    this.hi = Float64Array.from(t.tests, (x) => (x.kind === 'duration' ? Number(x.nanos) + DURATION_SLACK_NS : 0));
    this.every = t.every;
  }

  /** False when the trace's spans cannot pass the tests (all of them, or one, as asked). */
  mayHold(gens: readonly LiveTrace[]): boolean {
    for (let n = 0; n < this.tests.length; n++) {
      const held = this.holds(gens, n);
      if (held !== this.every) return held;
    }
    return this.every;
  }

  private holds(gens: readonly LiveTrace[], n: number): boolean {
    const test = this.tests[n];
    if (test.kind === 'duration') {
      for (let k = 0; k < gens.length; k++) if (durationHolds(gens[k], test.op, this.lo[n], this.hi[n])) return true;
      return false;
    }
    const len = this.needles[n]!.length;
    for (const g of gens) {
      for (let k = 0; k < g.chunks.length; k++) {
        const chunk = g.chunks[k];
        const at = this.offsets(chunk, n);
        if (at.length === 0) continue;
        const s = chunk.scan;
        const i = g.spans[k];
        if (within(at, s.spanOffset[i], s.spanLength[i], len)) return true;
        const scope = s.spanScope[i];
        if (within(at, s.scopeMsgOffset[scope], s.scopeMsgLength[scope], len)) return true;
        const resource = s.scopeResource[scope];
        if (within(at, s.resourceMsgOffset[resource], s.resourceMsgLength[resource], len)) return true;
      }
    }
    return false;
  }

  /** Where string test `n`'s string occurs in the request, found the first time a trace asks. */
  private offsets(chunk: Chunk, n: number): Int32Array {
    let at = this.found.get(chunk);
    if (!at) this.found.set(chunk, (at = new Array<Int32Array | undefined>(this.needles.length)));
    return (at[n] ??= occurrences(chunk.scan.bytes, this.needles[n]!));
  }
}

/** Sorted offsets of `needle` in `b`; EVERYWHERE for the empty string or past MAX_OFFSETS hits. */
function occurrences(b: Uint8Array, needle: Buffer): Int32Array {
  // An empty string is any field left at its default: nothing is ruled out.
  if (needle.length === 0) return EVERYWHERE;
  const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let p = bytes.indexOf(needle); p >= 0; p = bytes.indexOf(needle, p + 1)) {
    if (out.length === MAX_OFFSETS) return EVERYWHERE;
    out.push(p);
  }
  return Int32Array.from(out);
}

/** True when a span of the generation may have a duration in the test's bounds [lo, hi] (`>`: at least lo, `<`: at most hi). */
function durationHolds(g: LiveTrace, op: Extract<SpanTest, { kind: 'duration' }>['op'], lo: number, hi: number): boolean {
  if (op === '>' || op === '>=') return g.maxDurationNs >= lo;
  if (op === '<' || op === '<=') return g.minDurationNs <= hi;
  if (g.minDurationNs > hi || g.maxDurationNs < lo) return false;
  for (let k = 0; k < g.chunks.length; k++) {
    const s = g.chunks[k].scan;
    const d = s.endTimeUnixNano[g.spans[k]] - s.startTimeUnixNano[g.spans[k]];
    if (d >= lo && d <= hi) return true;
  }
  return false;
}

/** Offsets that stand for "anywhere": every range holds the string. */
const EVERYWHERE = Int32Array.of(-1);

/** True when one of the sorted offsets `at` starts a `len`-byte run inside [from, from + size); a negative size is an absent message. */
function within(at: Int32Array, from: number, size: number, len: number): boolean {
  if (size < 0) return false;
  if (at === EVERYWHERE) return true;
  let lo = 0;
  let hi = at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < at.length && at[lo] + len <= from + size;
}
