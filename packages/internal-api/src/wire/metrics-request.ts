// A metrics query's request (range, step, limits) on the wire (message MetricsRequest). Absent
// fields stay absent, so both sides plan with the same defaults.
import type { MetricsRequest } from '@spanbase/traceql';
import type { ProtoReader, ProtoWriter } from './proto.ts';
import { WireType, readNested } from './proto.ts';

/** Writes the body of a MetricsRequest message. */
export function writeMetricsRequest(w: ProtoWriter, q: MetricsRequest): void {
  w.tag(1, WireType.VARINT);
  w.int64(q.start);
  w.tag(2, WireType.VARINT);
  w.int64(q.end);
  if (q.step !== undefined) {
    w.tag(3, WireType.VARINT);
    w.int64(q.step);
  }
  if (q.instant !== undefined) {
    w.tag(4, WireType.VARINT);
    w.bool(q.instant);
  }
  const ints: [number, number | undefined][] = [[5, q.exemplars], [6, q.maxExemplars], [7, q.maxSeries], [8, q.maxIntervals]];
  for (const [no, v] of ints) {
    if (v === undefined) continue;
    w.tag(no, WireType.VARINT);
    w.uint32(v);
  }
}

/** Reads a nested MetricsRequest message (its tag just read). */
export function readMetricsRequest(r: ProtoReader): MetricsRequest {
  const q: { -readonly [K in keyof MetricsRequest]: MetricsRequest[K] } = { start: 0n, end: 0n };
  return readNested(r, q, (r, no, _t, q) => {
    if (no === 1) q.start = r.int64();
    else if (no === 2) q.end = r.int64();
    else if (no === 3) q.step = r.int64();
    else if (no === 4) q.instant = r.bool();
    else if (no === 5) q.exemplars = r.uint32();
    else if (no === 6) q.maxExemplars = r.uint32();
    else if (no === 7) q.maxSeries = r.uint32();
    else if (no === 8) q.maxIntervals = r.uint32();
    else return false;
    return true;
  });
}
