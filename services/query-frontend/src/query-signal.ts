// A query's AbortSignal: cancelled when the client goes away or --query.timeout passes, so a
// search nobody waits for stops using the machine, and when the server starts shutting down, so
// a long query does not hold the process up (its client gets 503 and asks again).
import { ClientClosed, closingSignal } from '@spanbase/server';
import type { FastifyRequest } from '@spanbase/server';
import { QueryTimeout } from './errors.ts';
import { callerSignal } from './compat/caller-signal.ts';

/** A signal for the request's work, and a function to release its listeners. */
export function querySignal(req: FastifyRequest, timeoutMs: number): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const socket = req.raw.socket;
  // A named error, so the answer nobody reads is logged as routine rather than as a failure.
  const onClose = () => ac.abort(ClientClosed('client went away'));
  socket?.once('close', onClose);
  // A Jaeger or Zipkin translation calling this route in-process: its client's going away counts.
  const caller = callerSignal(req.headers);
  if (caller?.aborted) onClose();
  else caller?.addEventListener('abort', onClose, { once: true });
  const closing = closingSignal(req);
  const onClosing = () => ac.abort(closing?.reason);
  if (closing?.aborted) onClosing();
  else closing?.addEventListener('abort', onClosing, { once: true });
  const timer = setTimeout(() => ac.abort(QueryTimeout(`query cancelled after ${timeoutMs} ms (--query.timeout)`)), timeoutMs);
  return {
    signal: ac.signal,
    done: () => {
      clearTimeout(timer);
      socket?.off('close', onClose);
      caller?.removeEventListener('abort', onClose);
      closing?.removeEventListener('abort', onClosing);
    },
  };
}
