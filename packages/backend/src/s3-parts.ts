// Cuts a put body into multipart-upload parts.
import type { PutBody } from './object-store.ts';

/** First buffer size for a streamed part; it doubles up to the part size as data arrives. */
const FIRST_BUFFER = 64 * 1024;

/**
 * Yields parts of exactly `partSize` bytes (the last may be shorter). Bytes are subarrays of a
 * Uint8Array body, or copies of a stream's chunks (the producer may reuse its buffers). Memory
 * held is one part, grown as data arrives so a small streamed body stays small.
 */
export async function* partsOf(body: PutBody, partSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let at = 0; at < body.length; at += partSize) yield body.subarray(at, at + partSize);
    return;
  }
  let part = new Uint8Array(Math.min(FIRST_BUFFER, partSize));
  let fill = 0;
  for await (const chunk of body) {
    signal?.throwIfAborted();
    for (let at = 0; at < chunk.length; ) {
      if (fill === part.length) {
        const grown = new Uint8Array(Math.min(partSize, part.length * 2));
        grown.set(part);
        part = grown;
      }
      const n = Math.min(part.length - fill, chunk.length - at);
      part.set(chunk.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === partSize) {
        yield part;
        part = new Uint8Array(partSize); // later parts are full size: no need to grow again
        fill = 0;
      }
    }
  }
  if (fill > 0) yield part.subarray(0, fill);
}
