// The two OTLP transports the load generator speaks. Both send pre-encoded protobuf bytes as is:
// HTTP over keep-alive connections (one per request in flight), gRPC over a few HTTP/2 channels
// with raw-bytes serializers (no protobufjs on the client side either).
import { Agent, request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Sender } from './driver.ts';

/** A transport: the send function and how to close its connections. */
export interface Transport {
  /** Sends one body. */
  send: Sender;
  /** Closes connections. */
  close(): void;
}

/** OTLP/HTTP protobuf to `url` over up to `connections` keep-alive connections. */
export function httpTransport(url: string, connections: number): Transport {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const target = new URL(url);
  const send: Sender = (body) =>
    new Promise((resolve) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : String(res.statusCode)));
          res.on('error', (err: NodeJS.ErrnoException) => resolve(`error: ${err.code ?? err.message}`));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(`error: ${err.code ?? err.message}`));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (b: Buffer): Buffer => b;

/** OTLP/gRPC to `address` (`host:port`) over `channels` separate HTTP/2 connections, round-robin. */
export function grpcTransport(address: string, channels: number): Transport {
  // A local subchannel pool per client, so each really opens its own connection.
  const clients = Array.from({ length: channels }, () => new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  let next = 0;
  const send: Sender = (body) =>
    new Promise((resolve) => {
      const client = clients[next++ % clients.length];
      client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, new grpc.Metadata(), (err) => {
        resolve(err ? (grpc.status[err.code] ?? String(err.code)) : 'ok');
      });
    });
  return { send, close: () => clients.forEach((c) => c.close()) };
}
