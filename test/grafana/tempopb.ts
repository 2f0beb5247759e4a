// Decodes trace-by-id protobuf bodies the way Grafana does, with the suite's own tempo.proto
// (loaded by protobufjs, not Spanbase's codec), into plain protobuf-JSON-like objects: 64-bit
// integers as strings, bytes as base64, enums by name, unset fields absent.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(fileURLToPath(new URL('./tempo.proto', import.meta.url)));
root.resolveAll();
const TraceType = root.lookupType('contract.Trace');
const TraceByIDResponseType = root.lookupType('contract.TraceByIDResponse');

type J = Record<string, unknown>;

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: String, enums: String, defaults: false, arrays: false };

/** A decoded `Trace` (v1 body). */
export interface DecodedTrace {
  /** ResourceSpans in OTLP JSON form (base64 ids), absent when the trace is empty. */
  resourceSpans?: J[];
}

/** A decoded `TraceByIDResponse` (v2 body). */
export interface DecodedTraceByIdResponse {
  /** Absent when the field was not on the wire: Grafana would dereference a nil pointer. */
  trace?: DecodedTrace;
  /** Absent when not on the wire. */
  metrics?: { inspectedBytes?: string };
  /** Enum name; absent means COMPLETE. */
  status?: 'COMPLETE' | 'PARTIAL';
  /** Why the trace is partial. */
  message?: string;
}

/** Decodes a v1 body as `tempopb.Trace`; throws on bytes that are not that message. */
export function decodeTrace(body: Uint8Array): DecodedTrace {
  return TraceType.toObject(TraceType.decode(body), TO_OBJECT) as DecodedTrace;
}

/** Decodes a v2 body as `tempopb.TraceByIDResponse`. */
export function decodeTraceByIdResponse(body: Uint8Array): DecodedTraceByIdResponse {
  return TraceByIDResponseType.toObject(TraceByIDResponseType.decode(body), TO_OBJECT) as DecodedTraceByIdResponse;
}

/** Re-encodes a decoded v2 response's trace, to measure it as the size limit does. */
export function encodedTraceSize(trace: DecodedTrace): number {
  return TraceType.encode(TraceType.fromObject(trace)).finish().byteLength;
}

/** A message type of the suite's tempo.proto, by name (e.g. `QueryRangeResponse`). */
export function contractType(name: string): protobuf.Type {
  return root.lookupType(`contract.${name}`);
}
