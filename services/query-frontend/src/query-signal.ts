// A query's AbortSignal: cancelled when the client goes away or --query.timeout passes, so a
// search nobody waits for stops using the machine, and when the server starts shutting down, so
// a long query does not hold the process up (its client gets 503 and asks again).
import { ClientClosed, closingSignal } from '@spanbase/server';
import type { FastifyRequest } from '@spanbase/server';
import { QueryTimeout } from './errors.ts';
import { callerSignal } from './compat/caller-signal.ts';

/** Calls `onAbort` once `signal` aborts (at once if it has); returns what stops listening. */
function follow(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** A signal for the request's work, and a function to release its listeners. */
export function querySignal(req: FastifyRequest, timeoutMs: number): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const socket = req.raw.socket;
  // A named error, so the answer nobody reads is logged as routine rather than as a failure.
  const onClose = () => ac.abort(ClientClosed('client went away'));
  socket?.once('close', onClose);
  // A Jaeger or Zipkin translation calling this route in-process: its client's going away counts.
  const unfollowCaller = follow(callerSignal(req.headers), onClose);
  const closing = closingSignal(req);
  const unfollowClosing = follow(closing, () => ac.abort(closing?.reason));
  const timer = setTimeout(() => ac.abort(QueryTimeout(`query cancelled after ${timeoutMs} ms (--query.timeout)`)), timeoutMs);
  return {
    signal: ac.signal,
    done: () => {
      clearTimeout(timer);
      socket?.off('close', onClose);
      unfollowCaller();
      unfollowClosing();
    },
  };
}
