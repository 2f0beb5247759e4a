// Reading an OTLP request body into one buffer. With a Content-Length (what every OTLP exporter
// sends) the buffer is allocated once and chunks are copied straight in, instead of collecting
// chunks and concatenating them: the ingest profile showed the concat at 4-7% of the event loop.
import type { Readable } from 'node:stream';
import { BodyTooLarge } from '@spanbase/server';
import { MalformedBody } from './errors.ts';

/**
 * Reads the whole body stream, refusing more than `limit` bytes (413). With `shared`, a body with
 * a Content-Length is read into shared memory: the ingester keeps an accepted request in shared
 * memory (its worker threads read it there), and a body already in it is kept as is instead of
 * copied into a second buffer. Every such copy was 150 KiB or so of new memory per request, and
 * new memory outside the heap is what made V8 run a full collection every 64 MiB of it.
 */
export function readBody(req: Readable, contentLength: string | undefined, limit: number, shared = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = contentLength === undefined ? NaN : Number(contentLength);
    const tooLarge = () => BodyTooLarge(`request body too large: the limit is ${limit} bytes (--distributor.max-recv-msg-size)`);
    if (declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const exact = Number.isSafeInteger(declared) && declared >= 0 ? (shared ? Buffer.from(new SharedArrayBuffer(declared)) : Buffer.allocUnsafe(declared)) : undefined;
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (size + chunk.length > (exact ? exact.length : limit)) {
        fail(exact ? MalformedBody(`request body is longer than its Content-Length of ${exact.length} bytes`) : tooLarge());
        return;
      }
      if (exact) chunk.copy(exact, size);
      else parts.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      if (failed) return;
      if (exact && size !== exact.length) fail(MalformedBody(`request body ended after ${size} of ${exact.length} bytes (Content-Length)`));
      else resolve(exact ?? Buffer.concat(parts, size));
    });
    req.on('error', (err) => fail(err));
  });
}
