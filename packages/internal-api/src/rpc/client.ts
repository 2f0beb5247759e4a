// A client of one peer's internal API (a host:port of its internal listener). Every call has a
// deadline and may be cancelled with an AbortSignal; the call is then cancelled on the wire too,
// so the peer stops the work. Connections are kept and reused (HTTP/2, many calls at once).
import * as grpc from '@grpc/grpc-js';
import type { AnyMethod, RequestOf, ResponseOf, Service } from './service.ts';
import { INTERNAL_API_VERSION, VERSION_HEADER, methodPath } from './service.ts';
import { fromServiceError } from './status.ts';

/** Per-call options. */
export interface CallOptions {
  /** The tenant the call is for. */
  tenant: string;
  /** The call fails with RPC_ERR_TIMEOUT after this long, ms. */
  timeoutMs: number;
  /** Cancels the call (here and at the peer); the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Client settings. */
export interface InternalClientOptions {
  /** Largest message received or sent, bytes. */
  maxMessageBytes: number;
}

const identity = (b: Buffer): Buffer => b;

/** Calls one peer. */
export class InternalClient {
  /** The peer's address, `host:port`. */
  readonly address: string;
  private readonly client: grpc.Client;

  constructor(address: string, opts: InternalClientOptions) {
    this.address = address;
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': opts.maxMessageBytes,
      'grpc.max_send_message_length': opts.maxMessageBytes,
      // A peer that died without closing its connections is noticed within seconds.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 0,
      // Reconnect soon after a peer restarts, rather than after grpc's default minute of backoff.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2_000,
    });
  }

  /** Calls `m` of `service` with `req`. */
  call<M extends AnyMethod>(service: Service, m: M, req: RequestOf<M>, o: CallOptions): Promise<ResponseOf<M>> {
    o.signal?.throwIfAborted();
    const path = methodPath(service, m);
    const bytes = m.encodeRequest(req);
    const metadata = new grpc.Metadata();
    metadata.set(VERSION_HEADER, String(INTERNAL_API_VERSION));
    metadata.set('x-scope-orgid', o.tenant);
    return new Promise<ResponseOf<M>>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        call.cancel();
        reject(o.signal!.reason);
      };
      const call = this.client.makeUnaryRequest<Buffer, Buffer>(
        path,
        identity,
        identity,
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        metadata,
        { deadline: Date.now() + o.timeoutMs },
        (err, res) => {
          o.signal?.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          if (err) return reject(fromServiceError(err, `${this.address}`, path));
          try {
            resolve(m.decodeResponse(new Uint8Array(res!.buffer, res!.byteOffset, res!.byteLength)));
          } catch (e) {
            reject(e);
          }
        },
      );
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Closes the connection. */
  close(): void {
    this.client.close();
  }
}
