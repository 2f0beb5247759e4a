// The Jaeger and Zipkin routes answer by calling Tempo's routes in this process (inject), where
// no socket closes when the outer client goes away. The outer request's signal travels with each
// call as an opaque token in a header, so the inner route's querySignal stops its work too.
import { randomUUID } from 'node:crypto';
import { ClientClosed } from '@spanbase/server';
import type { FastifyReply } from '@spanbase/server';

/** The header carrying a caller's token on an in-process call. */
export const CALLER_HEADER = 'x-spanbase-caller';

const callers = new Map<string, AbortSignal>();

/**
 * Aborted when the client of `reply` goes away before the answer is written. A response's 'close'
 * comes once, finished or not, so nothing is left listening on a kept-alive socket.
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(ClientClosed('client went away'));
  });
  return ac.signal;
}

/**
 * A token for `signal` to put in CALLER_HEADER, while `call` runs. A random token: a client that
 * sends the header itself names no caller (a guess never matches).
 */
export async function withCallerToken<T>(signal: AbortSignal, call: (token: string) => Promise<T>): Promise<T> {
  const token = randomUUID();
  callers.set(token, signal);
  try {
    return await call(token);
  } finally {
    callers.delete(token);
  }
}

/** The signal of the in-process caller named by the request's headers, if any. */
export function callerSignal(headers: Record<string, string | string[] | undefined>): AbortSignal | undefined {
  const token = headers[CALLER_HEADER];
  return typeof token === 'string' ? callers.get(token) : undefined;
}
