// Named errors of the internal API (STYLE rule 8); docs/errors.md lists them. A peer's own named
// errors cross the wire with their code and status and are raised again as they were; these are
// the failures of the call itself.
import { createError } from '@spanbase/model';

/** A peer cannot be reached (refused, reset, not resolvable), or is shutting down. */
export const RpcUnavailable = createError('RPC_ERR_UNAVAILABLE', 503);
/** A call ran past its deadline. */
export const RpcTimeout = createError('RPC_ERR_TIMEOUT', 504);
/** The peer speaks another version of the internal API (roles of different Spanbase releases). */
export const RpcVersion = createError('RPC_ERR_VERSION', 502);
/** A message from a peer does not decode. */
export const RpcMalformed = createError('RPC_ERR_MALFORMED', 502);
/** The peer failed the call without a named error (see its log). */
export const RpcFailed = createError('RPC_ERR_FAILED', 502);
/** An address list has no usable peer (empty, or every name resolved to nothing). */
export const RpcNoPeers = createError('RPC_ERR_NO_PEERS', 503);
/** An address entry is neither host:port nor dns+name:port. */
export const RpcBadAddress = createError('RPC_ERR_BAD_ADDRESS', 400);
