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
