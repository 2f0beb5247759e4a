// The WAL flush marker of a block about to be written: per request (chunk) its traces touch,
// either "all its spans will be in blocks" or a bitmap of the spans this block holds.
import type { FlushedEntry } from '@spanbase/wal';
import type { Chunk } from './chunk.ts';
import type { LiveTrace } from './live-trace.ts';
import { TRACES_PER_STEP } from './stepwise.ts';

/** Marker entries for the spans of `traces` (before they are released), in steps (see stepwise.ts). */
export function* flushMarkerSteps(traces: readonly LiveTrace[]): Generator<void, FlushedEntry[]> {
  const byChunk = new Map<Chunk, number[]>();
  let n = 0;
  for (const t of traces) {
    if (++n % TRACES_PER_STEP === 0) yield;
    for (let k = 0; k < t.chunks.length; k++) {
      let list = byChunk.get(t.chunks[k]);
      if (!list) byChunk.set(t.chunks[k], (list = []));
      list.push(t.spans[k]);
    }
  }
  const out: FlushedEntry[] = [];
  for (const [chunk, spans] of byChunk) {
    if (++n % TRACES_PER_STEP === 0) yield;
    if (!chunk.ref) continue;
    // Every span of the request not yet in a block is in this one.
    if (chunk.pending === spans.length) {
      out.push({ segment: chunk.ref.segment, offset: chunk.ref.offset, spans: 'all' });
      continue;
    }
    const spanCount = chunk.scan.spanCount;
    const bits = new Uint8Array(Math.ceil(spanCount / 8));
    for (const i of spans) bits[i >> 3] |= 1 << (i & 7);
    out.push({ segment: chunk.ref.segment, offset: chunk.ref.offset, spans: bits, spanCount });
  }
  return out;
}
