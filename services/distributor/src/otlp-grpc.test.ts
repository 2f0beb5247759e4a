import { connect } from 'node:http2';
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
