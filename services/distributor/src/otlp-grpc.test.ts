import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { ClientHttp2Session } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry, silentLogger } from '@spanbase/server';
import { Distributor } from './distributor.ts';
import { bindGrpc, createOtlpGrpcServer, shutdownGrpc } from './otlp-grpc.ts';

const MAX_RECV = 4 * 1024 * 1024;

function server() {
  const distributor = new Distributor({
    maxAttributeBytes: 1024,
    limits: () => ({ rateBytesPerSecond: 1e12, burstBytes: 1e12 }),
    ingester: { push: async (_tenant, scan) => ({ accepted: scan.spanCount }) },
    metrics: new MetricsRegistry(),
  });
  return createOtlpGrpcServer({ distributor, logger: silentLogger(), maxRecvMsgSize: MAX_RECV, multitenancy: false });
}

async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let v = read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10));
    v = read();
  }
  return v;
}

describe('OTLP/gRPC receiver flow control', () => {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });

  it('lets a client send a whole request per stream and several per connection without waiting for window updates', async () => {
    const srv = server();
    const port = await bindGrpc(srv, '127.0.0.1', 0);
    open.push(() => shutdownGrpc(srv, 1000));
    const session: ClientHttp2Session = connect(`http://127.0.0.1:${port}`);
    open.push(async () => void session.destroy());
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // HTTP/2's default is 64 KiB for both: an export of a few hundred spans would need several
    // round trips through the server's event loop.
    expect(session.remoteSettings.initialWindowSize).toBeGreaterThanOrEqual(MAX_RECV);
    const connWindow = await until(() => session.state.remoteWindowSize ?? 0, (w) => w >= 4 * MAX_RECV);
    expect(connWindow).toBeGreaterThanOrEqual(4 * MAX_RECV);
  });

  it('receives concurrent large exports on one connection in few turns of a busy event loop', async () => {
    const srv = server();
    const port = await bindGrpc(srv, '127.0.0.1', 0);
    open.push(() => shutdownGrpc(srv, 1000));
    // Every turn of this event loop takes 20 ms, as on a server busy with other requests. With
    // 64 KiB windows each 64 KiB of the exports waits for a turn (8 MiB: over 2.5 s).
    const busy = setInterval(() => {
      const end = performance.now() + 20;
      while (performance.now() < end);
    }, 1);
    open.push(async () => clearInterval(busy));
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    open.push(async () => client.close());
    // An empty request padded with 1 MiB of an unknown field: valid, no spans.
    const pad = 1 << 20;
    const body = Buffer.alloc(pad + 4);
    body.set([(9 << 3) | 2, (pad & 0x7f) | 0x80, ((pad >> 7) & 0x7f) | 0x80, pad >> 14]);
    const started = performance.now();
    const sent = Array.from({ length: 8 }, () =>
      new Promise<void>((resolve, reject) => {
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), (err) => (err ? reject(err) : resolve()));
      }),
    );
    await Promise.all(sent);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('gives every connection the wide window, not only the first', async () => {
    const srv = server();
    const port = await bindGrpc(srv, '127.0.0.1', 0);
    open.push(() => shutdownGrpc(srv, 1000));
    for (let i = 0; i < 3; i++) {
      const session = connect(`http://127.0.0.1:${port}`);
      open.push(async () => void session.destroy());
      const w = await until(() => session.state.remoteWindowSize ?? 0, (x) => x >= 4 * MAX_RECV);
      expect(w).toBeGreaterThanOrEqual(4 * MAX_RECV);
    }
  });
});

/** A raw HTTP/2 call to the receiver: the response's headers, trailers and body. */
async function rawCall(port: number, headers: Record<string, string>, body: Uint8Array): Promise<{ headers: Record<string, unknown>; trailers: Record<string, unknown>; body: Buffer }> {
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers', ...headers });
      let got: Record<string, unknown> = {};
      let trailers: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      req.on('response', (h) => (got = h));
      req.on('trailers', (t) => (trailers = t));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ headers: got, trailers, body: Buffer.concat(chunks) }));
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    session.close();
  }
}

function framed(message: Uint8Array, flag = 0, declared = message.length): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flag;
  out.writeUInt32BE(declared, 1);
  out.set(message, 5);
  return out;
}

function unary(port: number, path: string, body: Buffer, options: Record<string, unknown> = {}): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), (err) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' });
    });
  });
}

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
/** An empty export request (no resource spans): valid, no spans. */
const EMPTY = Buffer.alloc(0);

describe('OTLP/gRPC receiver protocol edges', () => {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  async function start(): Promise<number> {
    const srv = server();
    const port = await bindGrpc(srv, '127.0.0.1', 0);
    open.push(() => shutdownGrpc(srv, 1000));
    return port;
  }

  it('answers OK with an export response, and UNIMPLEMENTED for any other method', async () => {
    const port = await start();
    expect(await unary(port, EXPORT, EMPTY)).toEqual({ code: 0, details: '' });
    const other = await unary(port, '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', EMPTY);
    expect(other.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('refuses a message over the size limit from its prefix, and keeps serving', async () => {
    const port = await start();
    const big = await unary(port, EXPORT, Buffer.alloc(MAX_RECV + 1));
    expect(big.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(big.details).toContain('larger than max');
    expect((await unary(port, EXPORT, EMPTY)).code).toBe(0);
  });

  it('inflates gzip messages, and refuses one that inflates past the limit', async () => {
    const port = await start();
    const gzip = { 'grpc.default_compression_algorithm': 2 };
    // A valid request padded with an unknown field compresses to almost nothing.
    const pad = 1 << 20;
    const body = Buffer.alloc(pad + 4);
    body.set([(9 << 3) | 2, (pad & 0x7f) | 0x80, ((pad >> 7) & 0x7f) | 0x80, pad >> 14]);
    expect(await unary(port, EXPORT, body, gzip)).toEqual({ code: 0, details: '' });
    const bomb = Buffer.alloc(MAX_RECV + 1024);
    const r = await unary(port, EXPORT, bomb, gzip);
    expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('answers a cut-short message, a second message, an unknown compression and no message with an error status, and keeps serving', async () => {
    const port = await start();
    const status = (r: { headers: Record<string, unknown>; trailers: Record<string, unknown> }) => Number(r.headers['grpc-status'] ?? r.trailers['grpc-status']);
    const calls = [
      rawCall(port, {}, framed(new Uint8Array(10), 0, 100)),
      rawCall(port, {}, Buffer.concat([framed(EMPTY), framed(EMPTY)])),
      rawCall(port, { 'grpc-encoding': 'snappy' }, framed(new Uint8Array(4), 1)),
      rawCall(port, {}, EMPTY),
    ];
    for (const r of await Promise.all(calls)) {
      expect(status(r)).toBeGreaterThan(0);
      expect(r.body.length).toBe(0);
    }
    // A well-formed call still works.
    const ok = await rawCall(port, {}, framed(EMPTY));
    expect(ok.headers[':status']).toBe(200);
    expect(status(ok)).toBe(0);
    expect(ok.body.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, ok.body.length - 5]));
  });

  it('answers 415 to a request that is not gRPC, and percent-encodes status messages', async () => {
    const port = await start();
    const r = await rawCall(port, { 'content-type': 'application/json' }, Buffer.from('{}'));
    expect(r.headers[':status']).toBe(415);
    // A bad body: the message names the field, in printable ASCII only.
    const bad = await rawCall(port, {}, framed(Buffer.from([0x0a, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff])));
    expect(bad.headers['grpc-status']).toBe(String(grpc.status.INVALID_ARGUMENT));
    expect(String(bad.headers['grpc-message'])).toMatch(/^[\x20-\x7e]+$/);
  });

  it('lets a call in flight finish on shutdown, then closes the connection', async () => {
    const srv = server();
    const port = await bindGrpc(srv, '127.0.0.1', 0);
    const session = connect(`http://127.0.0.1:${port}`);
    open.push(async () => void session.destroy());
    const req = session.request({ ':method': 'POST', ':path': EXPORT, 'content-type': 'application/grpc', te: 'trailers' });
    const done = new Promise<unknown>((resolve) => {
      req.on('trailers', (t) => resolve(t['grpc-status']));
      req.on('error', () => resolve('error'));
    });
    req.resume();
    req.write(framed(new Uint8Array(0), 0, 0).subarray(0, 3));
    await new Promise((r) => setTimeout(r, 50));
    const stopped = shutdownGrpc(srv, 2000);
    req.end(framed(new Uint8Array(0), 0, 0).subarray(3));
    expect(await done).toBe('0');
    await stopped;
  });
});

