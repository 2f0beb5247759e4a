// A query's AbortSignal: cancelled when the client goes away or --query.timeout passes, so a
// search nobody waits for stops using the machine.
import { createError } from '@spanbase/model';
import type { FastifyRequest } from '@spanbase/server';

/** The query ran longer than --query.timeout. */
export const QueryTimeout = createError('QRY_ERR_TIMEOUT', 504);

/** A signal for the request's work, and a function to release its listeners. */
export function querySignal(req: FastifyRequest, timeoutMs: number): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const socket = req.raw.socket;
  const onClose = () => ac.abort(new Error('client went away'));
  socket?.once('close', onClose);
  const timer = setTimeout(() => ac.abort(QueryTimeout(`query cancelled after ${timeoutMs} ms (--query.timeout)`)), timeoutMs);
  return {
    signal: ac.signal,
    done: () => {
      clearTimeout(timer);
      socket?.off('close', onClose);
    },
  };
}
