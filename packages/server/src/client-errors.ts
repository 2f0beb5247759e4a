// Requests Node's HTTP parser refuses before fastify sees them: headers (with the request line)
// over Node's limit, and bytes that are not HTTP. Fastify would answer them in its own JSON
// shape; these answers use the app's error body instead, written straight to the socket since
// there is no request object to answer through.
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { HeadersTooLarge, MalformedRequest, UriTooLong } from './errors.ts';
import type { ErrorRenderer } from './app.ts';

/** Sockets already answered: the parser may report one failed request more than once. */
const answered = new WeakSet<Socket>();

const REQUEST_LINE = /^[A-Z]+ /;

/** The error for a parser failure, from what the parser had read when it failed. */
export function parserError(code: string | undefined, raw: string): Error {
  if (code === 'HPE_HEADER_OVERFLOW') {
    // The request line alone filling the read budget is a URL problem, not a header one.
    const lineEnd = raw.indexOf('\r\n');
    if (REQUEST_LINE.test(raw) && (lineEnd < 0 ? raw.length : lineEnd) >= maxHeaderSize / 2) return UriTooLong(`URI too long: the request line is longer than ${maxHeaderSize / 2} bytes`);
    return HeadersTooLarge(`request headers too large: the request line and headers must fit in ${maxHeaderSize} bytes`);
  }
  return MalformedRequest(`malformed HTTP request${code ? ` (${code})` : ''}`);
}

/** Headers that could be read from the raw bytes: the content type picks the OTLP answer's encoding. */
function sniffHeaders(raw: string): { 'content-type'?: string } {
  const m = /\r\ncontent-type:[ \t]*([^\r\n]*)/i.exec(raw);
  return m ? { 'content-type': m[1].trim() } : {};
}

/** Fastify's clientErrorHandler: answers in the app's error format and closes the connection. */
export function clientErrorHandler(render: ErrorRenderer, log: Logger): (err: Error & { code?: string; rawPacket?: unknown }, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const packet = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined;
    const raw = packet ? packet.toString('latin1', 0, Math.min(packet.length, maxHeaderSize + 1024)) : '';
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const named = timeout ? undefined : (parserError(err.code, raw) as ReturnType<typeof UriTooLong>);
    const status = named?.statusCode ?? 408;
    const message = named?.message ?? 'request timeout: the request was not received in time';
    log.debug({ status, code: err.code }, 'request refused by the HTTP parser');
    if (socket.writable) {
      const { body, contentType } = render({ headers: sniffHeaders(raw) }, status, message);
      const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
      socket.write(bytes);
    }
    socket.end();
  };
}
