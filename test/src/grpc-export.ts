// A raw OTLP/gRPC Export call (the request body as given, no SDK), for tests of what the receiver
// answers to good and bad requests.
import * as grpc from '@grpc/grpc-js';

/** Sends `body` to TraceService/Export at `address`; resolves with the gRPC status code and details. */
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
