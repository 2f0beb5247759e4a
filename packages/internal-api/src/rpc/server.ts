// The internal API's listener: one gRPC server per process, on its own address and port
// (--internal.listen-address, --internal.listen-port), never the public API's. Each call carries
// the tenant and the caller's API version in its metadata; a caller of another version gets
// RPC_ERR_VERSION before any handler runs. A handler gets an AbortSignal that fires when the
// caller cancels or its deadline passes, so work nobody waits for stops.
import type { MessagePort } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { validateTenantId } from '@spanbase/server';
import type { Logger } from '@spanbase/server';
import { RpcVersion } from '../errors.ts';
import type { AnyMethod, RequestOf, ResponseOf, Service } from './service.ts';
import { INTERNAL_API_VERSION, VERSION_HEADER, methodPath } from './service.ts';
import { toServiceError } from './status.ts';
import { BadParameter } from '@spanbase/server';

/** What a handler knows about its call. */
export interface CallContext {
  /** The tenant the call is for (from X-Scope-OrgID metadata; checked). */
  readonly tenant: string;
  /** Aborted when the caller cancels or the call's deadline passes. */
  readonly signal: AbortSignal;
  /** The caller, for logs. */
  readonly peer: string;
  /**
   * A caller in the same process only, never on the wire: where a metrics job's sources may post
   * their parts themselves, to the thread that merges them (see PartChannel in @spanbase/query).
   */
  readonly partChannel?: { open(): MessagePort };
}

/** Serves one method. */
export type Handler<M extends AnyMethod> = (req: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>;

/** Handlers for every method of a service. */
export type Handlers<S extends Service> = { [K in keyof S['methods']]: Handler<S['methods'][K]> };

/** Listener settings. */
export interface InternalServerOptions {
  /** Largest message received or sent, bytes. */
  maxMessageBytes: number;
  /** Logs failed calls (5xx) and the listener's life. */
  log: Logger;
}

const identity = (b: Buffer): Buffer => b;

/** Joins host and port, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The internal API's gRPC server. */
export class InternalServer {
  private readonly server: grpc.Server;
  private readonly opts: InternalServerOptions;
  private readonly services: string[] = [];

  constructor(opts: InternalServerOptions) {
    this.opts = opts;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': opts.maxMessageBytes,
      'grpc.max_send_message_length': opts.maxMessageBytes,
      // Find callers that went away without closing (a killed process behind a dead route).
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
  }

  /** Names of the services registered so far. */
  get serviceNames(): readonly string[] {
    return this.services;
  }

  /** Serves `service` with `handlers`. */
  serve<S extends Service>(service: S, handlers: Handlers<S>): void {
    const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [key, m] of Object.entries(service.methods) as [keyof S['methods'] & string, AnyMethod][]) {
      const path = methodPath(service, m);
      definition[key] = { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
      const handler = handlers[key] as Handler<AnyMethod>;
      implementation[key] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.handle(path, m, handler, call).then(
          (bytes) => callback(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
          (err) => callback(toServiceError(err)),
        );
      };
    }
    this.server.addService(definition, implementation);
    this.services.push(service.name);
  }

  private async handle(path: string, m: AnyMethod, handler: Handler<AnyMethod>, call: grpc.ServerUnaryCall<Buffer, Buffer>): Promise<Uint8Array> {
    const peer = call.getPeer();
    const version = String(call.metadata.get(VERSION_HEADER)[0] ?? '');
    if (version !== String(INTERNAL_API_VERSION)) {
      throw RpcVersion(`the caller at ${peer} speaks internal API version ${version || 'none'}, this process ${INTERNAL_API_VERSION}: run the same Spanbase version in every role`);
    }
    const header = call.metadata.get('x-scope-orgid')[0];
    if (header === undefined) throw BadParameter('internal calls need X-Scope-OrgID');
    const tenant = validateTenantId(String(header));
    const ac = new AbortController();
    const onCancel = () => ac.abort(new Error(`${path}: the caller cancelled or its deadline passed`));
    call.once('cancelled', onCancel);
    const deadline = call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() - Date.now() : typeof deadline === 'number' && Number.isFinite(deadline) ? deadline - Date.now() : undefined;
    const timer = ms !== undefined ? setTimeout(onCancel, Math.max(0, ms)) : undefined;
    timer?.unref();
    try {
      const req = m.decodeRequest(new Uint8Array(call.request.buffer, call.request.byteOffset, call.request.byteLength));
      return m.encodeResponse(await handler(req, { tenant, signal: ac.signal, peer }));
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500 && !ac.signal.aborted) this.opts.log.error({ err, method: path, peer }, 'internal API call failed');
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      call.off('cancelled', onCancel);
    }
  }

  /** Binds `host:port` (port 0 picks a free one); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(hostPort(host, port), grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /** Stops accepting calls, lets running ones finish for up to `graceMs`, then cuts them. */
  close(graceMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
