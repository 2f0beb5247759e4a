// Rules live traces out of a needle search by searching their encoded bytes, before decoding
// them. A string an OTLP field holds is in the request's protobuf bytes as written (UTF-8, valid,
// already truncated at ingest), inside the span's message, its resource's or its scope's. So a
// trace none of whose spans (with their resources and scopes) contains a required string cannot
// match; a hit may be a false one (the bytes of another field), which decoding then settles.
// Decoding and indexing a span costs about 15 µs; a byte search over its request a fraction of one.
import { requiredStrings } from '@spanbase/traceql';
import type { FetchSpansRequest, RequiredStrings } from '@spanbase/traceql';
import type { Chunk } from '../chunk.ts';
import type { LiveTrace } from '../live-trace.ts';

/** Offsets kept per needle and request; a needle found more often is taken to be everywhere (bounded memory). */
const MAX_OFFSETS = 4096;

/** Where one string occurs in each request, found once per search, the first time a trace needs it. */
export class ByteNeedles {
  private readonly needles: Buffer[];
  private readonly every: boolean;
  /** Per request: the sorted offsets of each needle (empty when absent). */
  private readonly found = new Map<Chunk, Int32Array[]>();

  constructor(required: RequiredStrings) {
    this.needles = required.values.map((v) => Buffer.from(v, 'utf8'));
    this.every = required.every;
  }

  /** False when the trace's spans cannot hold the required strings (all of them, or one, as asked). */
  mayHold(gens: readonly LiveTrace[]): boolean {
    for (let n = 0; n < this.needles.length; n++) {
      const held = this.holds(gens, n);
      if (held !== this.every) return held;
    }
    return this.every;
  }

  private holds(gens: readonly LiveTrace[], n: number): boolean {
    const len = this.needles[n].length;
    for (const g of gens) {
      for (let k = 0; k < g.chunks.length; k++) {
        const chunk = g.chunks[k];
        const at = this.offsets(chunk)[n];
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

  private offsets(chunk: Chunk): Int32Array[] {
    let at = this.found.get(chunk);
    if (at) return at;
    const b = chunk.scan.bytes;
    const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    at = this.needles.map((needle) => {
      const out: number[] = [];
      // An empty string is any field left at its default: nothing is ruled out.
      if (needle.length === 0) return EVERYWHERE;
      for (let p = bytes.indexOf(needle); p >= 0; p = bytes.indexOf(needle, p + 1)) {
        if (out.length === MAX_OFFSETS) return EVERYWHERE;
        out.push(p);
      }
      return Int32Array.from(out);
    });
    this.found.set(chunk, at);
    return at;
  }
}

/** Whether a trace (its generations) may matter to a query. */
export type TraceFilter = (gens: readonly LiveTrace[]) => boolean;

/**
 * A byte filter for a query whose fetches are `requests` (one per metrics pipeline; a trace is
 * kept when any may want it); undefined when some request pins no string, so none can rule out.
 */
export function byteFilter(requests: readonly Pick<FetchSpansRequest, 'conditions' | 'allConditions'>[]): TraceFilter | undefined {
  const needles: ByteNeedles[] = [];
  for (const r of requests) {
    const required = requiredStrings(r);
    if (!required) return undefined;
    needles.push(new ByteNeedles(required));
  }
  return (gens) => needles.some((n) => n.mayHold(gens));
}

/** Offsets that stand for "anywhere": every range holds the needle. */
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
