// ExportTraceServiceResponse: empty when every span was accepted; otherwise (or to pass a
// warning such as "attributes were truncated") a partial_success with the rejected count and a
// message, as the OTLP spec describes.
import { WireType } from './proto-reader.ts';
import { ProtoWriter } from './proto-writer.ts';

/** What to report back to the exporter. */
export interface ExportResult {
  /** Spans not accepted; 0 when all were. */
  rejectedSpans: number | bigint;
  /** Why, or a warning; '' for none. */
  errorMessage: string;
}

/** Encodes an ExportTraceServiceResponse as protobuf bytes. */
export function encodeExportResponse(result: ExportResult, encoding: 'protobuf'): Uint8Array;
/** Encodes an ExportTraceServiceResponse as OTLP/JSON text. */
export function encodeExportResponse(result: ExportResult, encoding: 'json'): string;
/** Encodes an ExportTraceServiceResponse in the request's encoding. */
export function encodeExportResponse(result: ExportResult, encoding: 'protobuf' | 'json'): Uint8Array | string;
export function encodeExportResponse(result: ExportResult, encoding: 'protobuf' | 'json'): Uint8Array | string {
  const rejected = BigInt(result.rejectedSpans);
  const partial = rejected !== 0n || result.errorMessage !== '';
  if (encoding === 'json') {
    if (!partial) return '{}';
    const p: Record<string, string> = {};
    if (rejected !== 0n) p.rejectedSpans = String(rejected);
    if (result.errorMessage !== '') p.errorMessage = result.errorMessage;
    return JSON.stringify({ partialSuccess: p });
  }
  const w = new ProtoWriter(64 + result.errorMessage.length * 3);
  if (partial) {
    w.tag(1, WireType.LEN);
    const mark = w.begin();
    if (rejected !== 0n) {
      w.tag(1, WireType.VARINT);
      w.int64(rejected);
    }
    if (result.errorMessage !== '') {
      w.tag(2, WireType.LEN);
      w.string(result.errorMessage);
    }
    w.finish(mark);
  }
  return w.result().slice();
}
