// OTLP/HTTP error bodies: a google.rpc.Status (code = 1, message = 2) in the request's encoding,
// as the OTLP specification asks, so exporters can log the server's reason.

/** gRPC status codes used by the receivers. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNAUTHENTICATED: 16,
  UNAVAILABLE: 14,
  INTERNAL: 13,
  UNIMPLEMENTED: 12,
} as const;

/** The gRPC code that corresponds to an HTTP status (OTLP's mapping). */
export function grpcCodeForHttp(status: number): number {
  if (status === 429 || status === 413) return GrpcCode.RESOURCE_EXHAUSTED;
  if (status === 401) return GrpcCode.UNAUTHENTICATED;
  if (status === 503) return GrpcCode.UNAVAILABLE;
  if (status === 404 || status === 405) return GrpcCode.UNIMPLEMENTED;
  if (status >= 400 && status < 500) return GrpcCode.INVALID_ARGUMENT;
  return GrpcCode.INTERNAL;
}

function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

/** google.rpc.Status in protobuf. */
export function encodeStatusProto(code: number, message: string): Uint8Array {
  const msg = Buffer.from(message, 'utf8');
  const head: number[] = [];
  if (code !== 0) {
    head.push(0x08);
    varint(code, head);
  }
  head.push(0x12);
  varint(msg.length, head);
  return Buffer.concat([Buffer.from(head), msg]);
}

/** google.rpc.Status in JSON. */
export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}
