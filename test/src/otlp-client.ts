// OTLP client pieces written without Spanbase's code, for tests that check its answers: a raw
// gRPC Export call and the decoding of a google.rpc.Status body.
import * as grpc from '@grpc/grpc-js';

/** Decodes a google.rpc.Status protobuf body (code = 1, message = 2) and returns its message. */
export function statusMessage(buf: Uint8Array): string {
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++];
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      n |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (tag === 0x12) return Buffer.from(buf.subarray(i, i + n)).toString('utf8');
  }
  return '';
}

/** One TraceService/Export call with the request bytes as they are; resolves with the status. */
export function grpcExport(address: string, body: Uint8Array, metadata = new grpc.Metadata()): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(address.replace('http://', ''), grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata,
      (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' });
      },
    );
  });
}
