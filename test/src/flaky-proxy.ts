// A TCP proxy on 127.0.0.1 in front of the test S3 server that breaks requests the way networks
// and overloaded stores do, below the SDK: it resets connections, stops answering, cuts response
// bodies short, dribbles them slowly, or lets a request reach the server and then drops the
// answer. What the real AWS SDK makes of each is what the store under test sees.
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

/** What the proxy does to a request. */
export type ProxyFault =
  /** The connection is reset as soon as the request arrives; the server never sees it. */
  | 'reset'
  /** The request is swallowed and the connection held open, silent. */
  | 'stall'
  /** The answer's headers and a few body bytes are passed on, then the connection is closed. */
  | 'truncate'
  /** The answer is passed on slowly (see `bytesPerSecond`). */
  | 'slow'
  /** The request reaches the server; its answer is dropped and the connection reset. */
  | 'lost-reply';

/** A running proxy. */
export interface FlakyProxy {
  /** `http://127.0.0.1:<port>`: the S3 endpoint to give the store. */
  endpoint: string;
  /** Applies `fault` to the next `times` connections (all when absent); undefined heals. */
  set(fault: ProxyFault | undefined, times?: number): void;
  /** Connections faulted so far. */
  readonly faulted: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Starts a proxy to `target` (`http://127.0.0.1:<port>`). */
export async function startFlakyProxy(target: string, opts: { bytesPerSecond?: number; truncateTo?: number } = {}): Promise<FlakyProxy> {
  const port = Number(new URL(target).port);
  let fault: ProxyFault | undefined;
  let left = Infinity;
  let faulted = 0;
  const sockets = new Set<Socket>();
  const take = (): ProxyFault | undefined => {
    if (!fault || left <= 0) return undefined;
    left--;
    faulted++;
    return fault;
  };

  // The fault is drawn per connection, when it opens; set() closes the open ones, so every
  // request after it comes on a new connection (the SDK keeps connections alive between requests).
  const server = createServer((client) => {
    const f = take();
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (f === 'stall') return void client.on('data', () => {});
    if (f === 'reset') return void client.once('data', () => client.resetAndDestroy());
    const up = connect(port, '127.0.0.1');
    sockets.add(up);
    client.on('close', () => up.destroy());
    up.on('close', () => (sockets.delete(up), client.destroy()));
    up.on('error', () => {});
    client.pipe(up);
    let seenHeaders = false;
    let bodySent = 0;
    up.on('data', async (d: Buffer) => {
      if (f === 'lost-reply') return void client.resetAndDestroy();
      if (f === 'truncate') {
        let body = d;
        if (!seenHeaders) {
          const at = d.indexOf(HEADER_END);
          if (at < 0) return void client.write(d);
          seenHeaders = true;
          client.write(d.subarray(0, at + HEADER_END.length));
          body = d.subarray(at + HEADER_END.length);
        }
        const room = (opts.truncateTo ?? 16) - bodySent;
        if (body.length < room) {
          bodySent += body.length;
          if (body.length > 0) client.write(body);
          return;
        }
        client.end(body.subarray(0, room));
        up.destroy();
        return;
      }
      if (f === 'slow') {
        up.pause();
        const rate = opts.bytesPerSecond ?? 64 * 1024;
        for (let at = 0; at < d.length && !client.destroyed; at += 1024) {
          client.write(d.subarray(at, at + 1024));
          await new Promise((r) => setTimeout(r, (1000 * 1024) / rate));
        }
        up.resume();
        return;
      }
      client.write(d);
    });
    up.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${own}`,
    set(f, times) {
      fault = f;
      left = times ?? Infinity;
      for (const s of sockets) s.destroy();
    },
    get faulted() {
      return faulted;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
