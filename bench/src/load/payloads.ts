// Pre-encoded request bodies for load generation. Encoding happens once, before the clock
// starts, so the client spends its CPU on sending, not on protobuf. To send more spans than were
// generated without re-sending the same traces (the server would just grow existing traces),
// each pass over the set gets a pass number mixed into bytes 8-11 of every trace id: a fresh copy
// of the body per request, with new trace ids, consistent across the pass so a trace's spans
// still meet. Bytes 12-15 are untouched, so an id never becomes all zero. A long run can also
// move every span's times forward by the time elapsed since the set was made, so its data keeps
// arriving at "now" as a real service's does, not all inside the minute the set was made for.
import type { TracesData } from '@spanbase/model';
import { encodeTracesData, ProtoReader, scanExportRequest, WireType } from '@spanbase/otlp';

/** Encoded bodies with what the load generator needs to know about each. */
export interface PayloadSet {
  /** ExportTraceServiceRequest protobuf bodies. */
  bodies: Buffer[];
  /** Spans per body. */
  spans: Uint32Array;
  /** Offsets of every span's trace id, per body. */
  traceIdOffsets: Uint32Array[];
  /** Offsets of every span's start and end time (fixed64, little-endian), per body. */
  timeOffsets: Uint32Array[];
  /** Sum of `spans`. */
  totalSpans: number;
  /** Sum of body sizes. */
  totalBytes: number;
}

/** Encodes batches; `onBatch` is called per batch with its span count (for progress). */
export function encodePayloads(batches: Iterable<TracesData>, onBatch?: (spans: number) => void): PayloadSet {
  const bodies: Buffer[] = [];
  const spans: number[] = [];
  const offsets: Uint32Array[] = [];
  const times: Uint32Array[] = [];
  let totalBytes = 0;
  for (const batch of batches) {
    const bytes = encodeTracesData(batch);
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const scan = scanExportRequest(body);
    bodies.push(body);
    spans.push(scan.spanCount);
    offsets.push(scan.traceIdOffset.slice(0, scan.spanCount));
    times.push(spanTimeOffsets(body, scan.spanOffset, scan.spanLength, scan.spanCount));
    totalBytes += body.byteLength;
    onBatch?.(scan.spanCount);
  }
  return { bodies, spans: Uint32Array.from(spans), traceIdOffsets: offsets, timeOffsets: times, totalSpans: spans.reduce((a, b) => a + b, 0), totalBytes };
}

/** Span fields start_time_unix_nano (7) and end_time_unix_nano (8), both fixed64. */
const START_TIME_TAG = (7 << 3) | WireType.I64;
const END_TIME_TAG = (8 << 3) | WireType.I64;

/** Offsets of the start and end time values in every span message of a body. */
function spanTimeOffsets(body: Uint8Array, spanOffset: Uint32Array, spanLength: Uint32Array, count: number): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = new ProtoReader(body, spanOffset[i], spanOffset[i] + spanLength[i]);
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag === START_TIME_TAG || tag === END_TIME_TAG) out.push(r.pos);
      r.skip(tag);
    }
  }
  return Uint32Array.from(out);
}

/** Adds `lo + hi * 2^32` to the little-endian uint64 at `o`. */
function addUint64(body: Buffer, o: number, lo: number, hi: number): void {
  const sumLo = body.readUInt32LE(o) + lo;
  body.writeUInt32LE(sumLo >>> 0, o);
  body.writeUInt32LE((body.readUInt32LE(o + 4) + hi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0, o + 4);
}

/** Options for a PayloadCycler. */
export interface CyclerOptions {
  /**
   * Unix time (ms) the set's span times were made for: each request's span start and end times
   * move forward by the time since then, so spans arrive with current times however long a run is.
   */
  retimeFromMs?: number;
}

/** One request to send. */
export interface Payload {
  /** The body. */
  body: Buffer;
  /** Its span count. */
  spans: number;
}

/** Hands out bodies round-robin, with fresh trace ids on every pass after the first. */
export class PayloadCycler {
  private readonly set: PayloadSet;
  private i = 0;
  private pass = 0;
  private readonly retimeFromMs: number | undefined;

  constructor(set: PayloadSet, options: CyclerOptions = {}) {
    if (set.bodies.length === 0) throw new Error('no payloads to send');
    this.set = set;
    this.retimeFromMs = options.retimeFromMs;
  }

  /** The next request. */
  next(): Payload {
    const k = this.i;
    const src = this.set.bodies[k];
    let body = src;
    if (this.pass > 0 || this.retimeFromMs !== undefined) {
      body = Buffer.allocUnsafe(src.byteLength);
      src.copy(body);
    }
    if (this.retimeFromMs !== undefined) {
      const shift = BigInt(Math.max(0, Date.now() - this.retimeFromMs)) * 1_000_000n;
      const lo = Number(shift & 0xffffffffn);
      const hi = Number(shift >> 32n);
      for (const o of this.set.timeOffsets[k]) addUint64(body, o, lo, hi);
    }
    if (this.pass > 0) {
      const offs = this.set.traceIdOffsets[k];
      const p = this.pass;
      for (let s = 0; s < offs.length; s++) {
        const o = offs[s] + 8;
        body[o] ^= p & 0xff;
        body[o + 1] ^= (p >>> 8) & 0xff;
        body[o + 2] ^= (p >>> 16) & 0xff;
        body[o + 3] ^= (p >>> 24) & 0xff;
      }
    }
    if (++this.i === this.set.bodies.length) {
      this.i = 0;
      this.pass++;
    }
    return { body, spans: this.set.spans[k] };
  }
}
