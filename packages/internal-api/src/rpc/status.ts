// Errors across the internal API. A named error a handler throws travels with its code, status and
// Retry-After in the call's trailing metadata and is raised again on the caller's side as the same
// named error, so a 429 from an ingester is a 429 at the distributor. Failures of the call itself
// (unreachable peer, deadline, another API version) become RPC_ERR_* errors.
import * as grpc from '@grpc/grpc-js';
import { SpanbaseError, isSpanbaseError } from '@spanbase/model';
import { RpcFailed, RpcTimeout, RpcUnavailable, RpcVersion } from '../errors.ts';

const CODE_KEY = 'spanbase-error-code';
const STATUS_KEY = 'spanbase-error-status';
const RETRY_KEY = 'retry-after';

/** The gRPC status code for an HTTP status. */
export function grpcCodeOf(http: number): grpc.status {
  if (http === 400 || http === 414 || http === 415 || http === 431) return grpc.status.INVALID_ARGUMENT;
  if (http === 401) return grpc.status.UNAUTHENTICATED;
  if (http === 403) return grpc.status.PERMISSION_DENIED;
  if (http === 404) return grpc.status.NOT_FOUND;
  if (http === 409) return grpc.status.ABORTED;
  if (http === 413 || http === 429) return grpc.status.RESOURCE_EXHAUSTED;
  if (http === 422) return grpc.status.FAILED_PRECONDITION;
  if (http === 499) return grpc.status.CANCELLED;
  if (http === 503) return grpc.status.UNAVAILABLE;
  if (http === 504) return grpc.status.DEADLINE_EXCEEDED;
  if (http >= 400 && http < 500) return grpc.status.FAILED_PRECONDITION;
  return grpc.status.INTERNAL;
}

/** A handler's failure as a gRPC error, its named error in the metadata. */
export function toServiceError(err: unknown): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (!isSpanbaseError(err)) {
    return Object.assign(new Error('internal error; see the peer\'s log'), { code: grpc.status.INTERNAL, details: 'internal error; see the peer\'s log', metadata }) as grpc.ServiceError;
  }
  metadata.set(CODE_KEY, err.code);
  metadata.set(STATUS_KEY, String(err.statusCode));
  if (err.retryAfterSeconds !== undefined) metadata.set(RETRY_KEY, String(err.retryAfterSeconds));
  return Object.assign(new Error(err.message), { code: grpcCodeOf(err.statusCode), details: err.message, metadata }) as grpc.ServiceError;
}

function one(md: grpc.Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/** A failed call as the error to raise: the peer's named error, or what went wrong with the call. */
export function fromServiceError(err: grpc.ServiceError, peer: string, path: string): SpanbaseError {
  const code = one(err.metadata, CODE_KEY);
  const status = Number(one(err.metadata, STATUS_KEY));
  const retry = Number(one(err.metadata, RETRY_KEY));
  const retryAfterSeconds = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  if (code && Number.isInteger(status)) return new SpanbaseError(code, err.details, status, { cause: err, retryAfterSeconds });
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      return RpcUnavailable(`${peer} is unreachable (${err.details})`, { cause: err, retryAfterSeconds: 1 });
    case grpc.status.DEADLINE_EXCEEDED:
      return RpcTimeout(`${peer} did not answer ${path} in time`, { cause: err });
    case grpc.status.UNIMPLEMENTED:
      return RpcVersion(`${peer} does not serve ${path}: run the same Spanbase version in every role`, { cause: err });
    default:
      return RpcFailed(`${peer} failed ${path}: ${err.details || grpc.status[err.code]}`, { cause: err });
  }
}
