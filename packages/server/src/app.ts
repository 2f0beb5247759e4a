// The fastify app factory. Every HTTP listener (the API, the OTLP receiver) is built here so
// they share error mapping and logging; tests call `app.inject()` without opening a socket.
// Errors fastify and Node raise before a route runs (a path parameter over the length limit,
// headers over Node's limit, a malformed request) are rendered the same way as the routes' own.
import type { IncomingHttpHeaders } from 'node:http';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isSpanbaseError } from '@spanbase/model';
import { clientErrorHandler } from './client-errors.ts';
import { ClientClosed, MalformedRequest, ShuttingDown, UriTooLong } from './errors.ts';

/** Longest path parameter (trace ids and tag names travel in the path). */
export const MAX_PARAM_LENGTH = 1024;

/** What an error body is rendered from: the request's headers, which may be all that was read. */
export interface ErrorRequest {
  /** The request's headers (empty when they could not be read). */
  headers: IncomingHttpHeaders;
}

/** Renders an error body: its bytes or text and its content type. */
export type ErrorRenderer = (req: ErrorRequest, status: number, message: string) => { body: string | Uint8Array; contentType: string };

/** Options of an HTTP app. */
export interface HttpAppOptions {
  /** The process logger; requests log through a child of it. */
  logger: Logger;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /**
   * Renders an error body for this app. The API answers plain text; the OTLP receiver answers a
   * google.rpc.Status in the request's encoding.
   */
  renderError?: ErrorRenderer;
}

/** The API's error body: the message as plain text. */
export const plainText: ErrorRenderer = (_req, _status, message) => ({ body: message + '\n', contentType: 'text/plain; charset=utf-8' });

/** Maps any error to a status and a message a person can act on. */
export function describeError(err: unknown, bodyLimit?: number): { status: number; message: string; internal: boolean } {
  if (isSpanbaseError(err)) return { status: err.statusCode, message: err.message, internal: err.statusCode >= 500 };
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: `request body too large: the limit is ${bodyLimit ?? 'set by --distributor.max-recv-msg-size'} bytes`, internal: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: `unsupported content type: ${fe.message}`, internal: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, message: fe.message, internal: false };
  }
  if (fe.validation) return { status: 400, message: fe.message, internal: false };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, message: fe.message, internal: false };
  return { status: 500, message: 'internal error; see the server logs', internal: true };
}

/** Fastify's routing errors as named errors (their own messages quote the whole path). */
function frameworkError(err: FastifyError): unknown {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return UriTooLong(`URI too long: a path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
  if (err.code === 'FST_ERR_BAD_URL') return MalformedRequest('malformed URL: the path is not valid percent-encoding');
  return err;
}

/** True when the client closed the connection: nobody will read the answer. */
function clientGone(err: unknown, req: FastifyRequest): boolean {
  return isSpanbaseError(err, ClientClosed) || req.raw.socket?.destroyed === true;
}

const CLOSING = 'spanbaseClosing';

/** Aborted when the app that serves `req` starts closing (undefined for an app not made by createHttpApp). */
export function closingSignal(req: FastifyRequest): AbortSignal | undefined {
  return (req.server as unknown as Record<string, AbortSignal | undefined>)[CLOSING];
}

/** Builds a fastify app with Spanbase's error mapping. Routes are added by the caller. */
export function createHttpApp(opts: HttpAppOptions): FastifyInstance {
  const render = opts.renderError ?? plainText;
  const handle = (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, message, internal } = describeError(err, opts.bodyLimit);
    if (clientGone(err, req)) {
      // A client that gives up (Grafana cancelling a query, an exporter timing out) is routine:
      // whatever failed after it left failed because it left.
      req.log.debug({ status, reason: message }, 'client went away before the answer');
    } else if (internal && isSpanbaseError(err) && (status === 503 || status === 504)) {
      // Named conditions the answer already explains (a query past its timeout, the server
      // shutting down or not ready): a line per request, without a stack trace per line.
      req.log.warn({ status, code: err.code, reason: message }, 'request failed');
    } else if (internal) req.log.error({ err }, 'request failed');
    else req.log.debug({ status, msg: message }, 'request rejected');
    const { body, contentType } = render(req, status, message);
    if (isSpanbaseError(err) && err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
    void reply.code(status).type(contentType).send(body);
  };
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Per-request lines would dominate the logs at ingest rates; latencies go to /metrics instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Trace ids and tag names travel in the path; Grafana double-encodes tag names.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (err, req, reply) => handle(frameworkError(err), req, reply),
    clientErrorHandler: clientErrorHandler(render, opts.logger),
  });
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => handle(err, req, reply));
  // Closing waits for requests in flight; a long query would hold a shutdown for up to
  // --query.timeout, so queries listen to this and stop (see closingSignal).
  const closing = new AbortController();
  // A decoration, so routes in encapsulated plugins (their own req.server) see it too.
  app.decorate(CLOSING, closing.signal);
  app.addHook('preClose', async () => {
    closing.abort(ShuttingDown('the server is shutting down; ask again once it is back'));
  });
  app.setNotFoundHandler((req, reply) => {
    const { body, contentType } = render(req, 404, `no route for ${req.method} ${req.url.split('?')[0]}`);
    void reply.code(404).type(contentType).send(body);
  });
  return app;
}
