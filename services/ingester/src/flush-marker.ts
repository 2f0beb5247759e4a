// The WAL flush marker for a block just made durable: per request (chunk) it touched, either
// "all its spans are in blocks now" or a bitmap of the spans this block holds.
import type { FlushedEntry } from '@spanbase/wal';
import type { Chunk } from './chunk.ts';

/** Marker entries for chunks and the span indices a flush wrote of each. */
export function flushMarkerEntries(flushed: ReadonlyMap<Chunk, readonly number[]>): FlushedEntry[] {
  const out: FlushedEntry[] = [];
  for (const [chunk, spans] of flushed) {
    if (!chunk.ref) continue;
    if (chunk.pending === 0) {
      out.push({ segment: chunk.ref.segment, offset: chunk.ref.offset, spans: 'all' });
      continue;
    }
    const n = chunk.scan.spanCount;
    const bits = new Uint8Array(Math.ceil(n / 8));
    for (const i of spans) bits[i >> 3] |= 1 << (i & 7);
    out.push({ segment: chunk.ref.segment, offset: chunk.ref.offset, spans: bits, spanCount: n });
  }
  return out;
}
