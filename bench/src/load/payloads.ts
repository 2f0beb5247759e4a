// Pre-encoded request bodies for load generation. Encoding happens once, before the clock
// starts, so the client spends its CPU on sending, not on protobuf. To send more spans than were
// generated without re-sending the same traces (the server would just grow existing traces),
// each pass over the set gets a pass number mixed into bytes 8-11 of every trace id: a fresh copy
// of the body per request, with new trace ids, consistent across the pass so a trace's spans
// still meet. Bytes 12-15 are untouched, so an id never becomes all zero.
import type { TracesData } from '@spanbase/model';
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';

/** Encoded bodies with what the load generator needs to know about each. */
export interface PayloadSet {
  /** ExportTraceServiceRequest protobuf bodies. */
  bodies: Buffer[];
  /** Spans per body. */
  spans: Uint32Array;
  /** Offsets of every span's trace id, per body. */
  traceIdOffsets: Uint32Array[];
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
  let totalBytes = 0;
  for (const batch of batches) {
    const bytes = encodeTracesData(batch);
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const scan = scanExportRequest(body);
    bodies.push(body);
    spans.push(scan.spanCount);
    offsets.push(scan.traceIdOffset.slice(0, scan.spanCount));
    totalBytes += body.byteLength;
    onBatch?.(scan.spanCount);
  }
  return { bodies, spans: Uint32Array.from(spans), traceIdOffsets: offsets, totalSpans: spans.reduce((a, b) => a + b, 0), totalBytes };
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

  constructor(set: PayloadSet) {
    if (set.bodies.length === 0) throw new Error('no payloads to send');
    this.set = set;
  }

  /** The next request. */
  next(): Payload {
    const k = this.i;
    const src = this.set.bodies[k];
    let body = src;
    if (this.pass > 0) {
      body = Buffer.allocUnsafe(src.byteLength);
      src.copy(body);
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
