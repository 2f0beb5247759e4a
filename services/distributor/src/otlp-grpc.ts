// The OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export. Messages
// are passed through as raw bytes (no protobufjs), straight into the same pipeline as OTLP/HTTP.
// grpc-js decompresses gzip-encoded messages itself and enforces the size limit.
import type { Http2Server, Http2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { isSpanbaseError } from '@spanbase/model';
import { encodeExportResponse } from '@spanbase/otlp';
import { tenantFromHeader } from '@spanbase/server';
import type { Logger } from '@spanbase/server';
import type { Distributor } from './distributor.ts';
import { RejectionLog } from './rejection-log.ts';
import { grpcCodeForHttp } from './rpc-status.ts';

const identity = (b: Buffer): Buffer => b;

const traceServiceDefinition: grpc.ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Receiver settings. */
export interface OtlpGrpcOptions {
  distributor: Distributor;
  logger: Logger;
  maxRecvMsgSize: number;
  multitenancy: boolean;
}

/** Creates (but does not bind) the gRPC server. */
export function createOtlpGrpcServer(opts: OtlpGrpcOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRecvMsgSize,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  keepFieldWhitespace(server);
  widenFlowControl(server, opts.maxRecvMsgSize);
  const rejections = new RejectionLog(opts.logger);
  const toServiceError = (err: unknown, call: grpc.ServerUnaryCall<Buffer, Buffer>, tenant?: string): grpc.ServiceError => {
    const status = isSpanbaseError(err) ? err.statusCode : 500;
    if (status >= 500) opts.logger.error({ err }, 'OTLP/gRPC export failed');
    const message = isSpanbaseError(err) ? err.message : 'internal error; see the server logs';
    rejections.reject({ protocol: 'grpc', status, code: isSpanbaseError(err) ? err.code : undefined, message, tenant, remote: call.getPeer() });
    const metadata = new grpc.Metadata();
    if (isSpanbaseError(err) && err.retryAfterSeconds !== undefined) metadata.set('retry-after', String(err.retryAfterSeconds));
    return Object.assign(new Error(message), { code: grpcCodeForHttp(status), details: message, metadata }) as grpc.ServiceError;
  };
  server.addService(traceServiceDefinition, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const started = performance.now();
      const finish = (outcome: string) => opts.distributor.pushSeconds.observe({ protocol: 'grpc', outcome }, (performance.now() - started) / 1000);
      let tenant: string;
      try {
        const header = call.metadata.get('x-scope-orgid');
        tenant = tenantFromHeader(header.length > 0 ? String(header[0]) : undefined, opts.multitenancy);
      } catch (err) {
        finish('error');
        callback(toServiceError(err, call));
        return;
      }
      opts.distributor.push(tenant, call.request, 'protobuf').then(
        (result) => {
          finish('ok');
          const msg = result.truncatedAttributes > 0 ? `${result.truncatedAttributes} attribute keys or values were truncated to --distributor.max-attribute-bytes` : '';
          callback(null, Buffer.from(encodeExportResponse({ rejectedSpans: 0, errorMessage: msg }, 'protobuf') as Uint8Array));
        },
        (err) => {
          finish('error');
          callback(toServiceError(err, call, tenant));
        },
      );
    },
  });
  return server;
}

/**
 * Node's HTTP/2 layer drops a header whose value has spaces around it (RFC 9113 calls it
 * malformed) before any handler sees it, so metadata `x-scope-orgid: " tenantB"` would arrive as
 * no tenant at all, while HTTP/1 trims the same header. Keeping the value lets tenantFromHeader
 * trim it for both protocols. grpc-js has no option for this: its http2 server options are set
 * before the server is bound (a test fails if grpc-js stops honouring them).
 */
function keepFieldWhitespace(server: grpc.Server): void {
  const http2Options = (server as unknown as { commonServerOptions?: Record<string, unknown> }).commonServerOptions;
  if (http2Options) http2Options.strictFieldWhitespaceValidation = false;
}

/** Largest HTTP/2 flow-control window (RFC 9113: 2^31 - 1). */
const MAX_WINDOW = 2 ** 31 - 1;
/**
 * The connection window: hundreds of typical exports (100 KiB to 1 MiB) in flight on one
 * connection, and never less than one largest request. It also bounds what one client can have
 * sent that the server has not read yet.
 */
const CONNECTION_WINDOW_BYTES = 64 * 1024 * 1024;
/** What `widenFlowControl` set, by server: the connection window for each new session. */
const connectionWindows = new WeakMap<grpc.Server, number>();

/**
 * HTTP/2's default windows are 64 KiB per stream and per connection, so a client may send only
 * 64 KiB of a connection's requests before the server's event loop acknowledges them. An OTLP
 * export is often 100 KiB or more, and an exporter sends several at once on one connection:
 * whenever the event loop was busy for a moment, every request on the connection waited for
 * window updates, one 64 KiB turn at a time, and acknowledgements queued for seconds although
 * the server had CPU to spare. A stream window of one whole request and a connection window of
 * many lets the bytes arrive at the speed of the socket, as they do over HTTP/1.1, while the
 * receive size limit still bounds what one stream can send. grpc-js has no option for the
 * windows: the stream window is an HTTP/2 setting passed to the server it creates (set before
 * bind, like keepFieldWhitespace), and the connection window is set on each new session.
 */
function widenFlowControl(server: grpc.Server, maxRecvMsgSize: number): void {
  const http2Options = (server as unknown as { commonServerOptions?: { settings?: Record<string, unknown> } }).commonServerOptions;
  const stream = Math.min(MAX_WINDOW, Math.max(65_535, maxRecvMsgSize + 5));
  if (http2Options) http2Options.settings = { ...http2Options.settings, initialWindowSize: stream };
  connectionWindows.set(server, Math.max(stream, CONNECTION_WINDOW_BYTES));
}

/** Binds the server; resolves with the bound port. */
export async function bindGrpc(server: grpc.Server, address: string, port: number): Promise<number> {
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${address.includes(':') ? `[${address}]` : address}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  const window = connectionWindows.get(server);
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (window !== undefined && http2Servers) {
    for (const h2 of http2Servers.keys()) {
      if (h2.listenerCount('session') > 0 && !windowed.has(h2)) {
        windowed.add(h2);
        h2.prependListener('session', (session: Http2Session) => session.setLocalWindowSize(window));
      }
    }
  }
  return bound;
}

/** The HTTP/2 servers already given the session listener (bind can be called more than once). */
const windowed = new WeakSet<Http2Server>();

/** Stops the server, letting in-flight calls finish for up to `graceMs`. */
export function shutdownGrpc(server: grpc.Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
