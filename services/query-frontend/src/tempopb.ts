// Tempo's trace-by-id protobuf messages (package tempopb), which Grafana's Tempo datasource
// decodes. A `Trace` (field 1: repeated ResourceSpans) has the wire form of OTLP's TracesData, so
// the v1 body is `encodeTracesData` unchanged and the v2 body only wraps those bytes:
//
//   TraceByIDResponse { Trace trace = 1; TraceByIDMetrics metrics = 2; PartialStatus status = 3; string message = 4; }
//   TraceByIDMetrics  { uint64 inspectedBytes = 1; }        (Tempo's later fields stay unset)
//   PartialStatus     { COMPLETE = 0; PARTIAL = 1; }

/** Media type Grafana asks for (`Accept`) and Tempo answers with. */
export const PROTOBUF_MEDIA_TYPE = 'application/protobuf';

/** True when the Accept header asks for protobuf; Tempo checks for the substring, and so do we. */
export function acceptsProtobuf(accept: string | string[] | undefined): boolean {
  if (accept === undefined) return false;
  return (Array.isArray(accept) ? accept.join(',') : accept).includes(PROTOBUF_MEDIA_TYPE);
}

/** PartialStatus values of TraceByIDResponse. */
export const PartialStatus = { COMPLETE: 0, PARTIAL: 1 } as const;

/** What a TraceByIDResponse carries besides the trace. */
export interface TraceByIdResponseFields {
  /** The trace as TracesData protobuf; empty bytes for a trace that was not found. */
  trace: Uint8Array;
  /** Encoded bytes looked at; 0 leaves the field out. */
  inspectedBytes: number;
  /** True when spans were left out. */
  partial: boolean;
  /** Why the trace is partial. */
  message: string;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function putVarint(out: Uint8Array, pos: number, n: number): number {
  // Division instead of shifts: lengths and byte counts may pass 2^31.
  while (n >= 0x80) {
    out[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/**
 * Encodes a TraceByIDResponse. The `trace` field is always written, also when empty: Grafana
 * reads `resp.Trace.ResourceSpans` without a nil check, and an empty Trace is how Tempo (and
 * Spanbase) says "not found" on v2.
 */
export function encodeTraceByIdResponse(f: TraceByIdResponseFields): Uint8Array {
  const message = f.message === '' ? undefined : new TextEncoder().encode(f.message);
  const metricsBody = f.inspectedBytes > 0 ? 1 + varintLength(f.inspectedBytes) : 0;
  const size =
    1 + varintLength(f.trace.byteLength) + f.trace.byteLength +
    1 + varintLength(metricsBody) + metricsBody +
    (f.partial ? 2 : 0) +
    (message ? 1 + varintLength(message.byteLength) + message.byteLength : 0);
  const out = new Uint8Array(size);
  let pos = 0;
  out[pos++] = (1 << 3) | 2;
  pos = putVarint(out, pos, f.trace.byteLength);
  out.set(f.trace, pos);
  pos += f.trace.byteLength;
  out[pos++] = (2 << 3) | 2;
  pos = putVarint(out, pos, metricsBody);
  if (metricsBody > 0) {
    out[pos++] = (1 << 3) | 0;
    pos = putVarint(out, pos, f.inspectedBytes);
  }
  if (f.partial) {
    out[pos++] = (3 << 3) | 0;
    out[pos++] = PartialStatus.PARTIAL;
  }
  if (message) {
    out[pos++] = (4 << 3) | 2;
    pos = putVarint(out, pos, message.byteLength);
    out.set(message, pos);
    pos += message.byteLength;
  }
  return out;
}
