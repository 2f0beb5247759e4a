// The shape of the internal API: a service is a versioned name and its methods, each a typed
// request and response with their codecs. Clients and servers are built from these definitions,
// so a method's types and its wire form are written once. The codec and version choices are in
// docs/design/2026-12 Cluster mode.md ("Internal API").
import { RpcMalformed } from '../errors.ts';

/** Version of the internal API. Roles of one cluster must speak the same one (checked on every call). */
export const INTERNAL_API_VERSION = 1;

/** Metadata key carrying the caller's INTERNAL_API_VERSION. */
export const VERSION_HEADER = 'spanbase-internal-api';

/** One unary method. */
export interface Method<Req, Res> {
  /** Method name, e.g. `Search`. */
  readonly name: string;
  /** Request codec. */
  encodeRequest(req: Req): Uint8Array;
  decodeRequest(bytes: Uint8Array): Req;
  /** Response codec. */
  encodeResponse(res: Res): Uint8Array;
  decodeResponse(bytes: Uint8Array): Res;
}

/** Request type of a method. */
export type RequestOf<M> = M extends Method<infer Req, unknown> ? Req : never;
/** Response type of a method. */
export type ResponseOf<M> = M extends Method<unknown, infer Res> ? Res : never;

/** Any method (for generic plumbing). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethod = Method<any, any>;

/** A service: its full name (`spanbase.internal.v1.Push`) and methods by name. */
export interface Service<M extends Record<string, AnyMethod> = Record<string, AnyMethod>> {
  readonly name: string;
  readonly methods: M;
}

/** The gRPC path of a method. */
export function methodPath(service: { name: string }, method: { name: string }): string {
  return `/${service.name}/${method.name}`;
}

/** Declares a method from its codecs; decoding failures become RPC_ERR_MALFORMED naming the method. */
export function method<Req, Res>(name: string, codecs: { encodeRequest(r: Req): Uint8Array; decodeRequest(b: Uint8Array): Req; encodeResponse(r: Res): Uint8Array; decodeResponse(b: Uint8Array): Res }): Method<Req, Res> {
  const guard = <T>(what: string, decode: (b: Uint8Array) => T) => (b: Uint8Array): T => {
    try {
      return decode(b);
    } catch (err) {
      throw RpcMalformed(`${name} ${what} does not decode: ${(err as Error).message}`, { cause: err });
    }
  };
  return { name, encodeRequest: codecs.encodeRequest, encodeResponse: codecs.encodeResponse, decodeRequest: guard('request', codecs.decodeRequest), decodeResponse: guard('response', codecs.decodeResponse) };
}
