// A real server and client on loopback: calls carry tenant and version, named errors cross as
// themselves, deadlines and cancellation reach the handler, and an unreachable peer or one of
// another version fails the call with a named error, never a hang.
import * as grpc from '@grpc/grpc-js';
import { createError, isSpanbaseError } from '@spanbase/model';
import { silentLogger } from '@spanbase/server';
import { afterEach, describe, expect, it } from 'vitest';
import { PushService } from '../push-api.ts';
import { InternalClient } from './client.ts';
import { InternalServer } from './server.ts';
import type { Handlers } from './server.ts';
import { methodPath } from './service.ts';

const Busy = createError('ING_ERR_LIVE_BYTES_EXCEEDED', 429);
const opts = { maxMessageBytes: 64 * 1024 * 1024 };
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function serve(handlers: Handlers<typeof PushService>): Promise<InternalClient> {
  const server = new InternalServer({ ...opts, log: silentLogger() });
  server.serve(PushService, handlers);
  const port = await server.listen('127.0.0.1', 0);
  open.push(server);
  const client = new InternalClient(`127.0.0.1:${port}`, opts);
  open.push(client);
  return client;
}

const call = (c: InternalClient, o: { tenant?: string; timeoutMs?: number; signal?: AbortSignal } = {}) =>
  c.call(PushService, PushService.methods.Push, { otlp: new Uint8Array([1, 2, 3]) }, { tenant: o.tenant ?? 't1', timeoutMs: o.timeoutMs ?? 5000, signal: o.signal });

function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => undefined, (e) => e);
}

describe('internal API over gRPC', () => {
  it('delivers the request with its tenant and returns the response', async () => {
    const seen: string[] = [];
    const c = await serve({ Push: async (req, ctx) => (seen.push(`${ctx.tenant}:${req.otlp.length}`), { accepted: 3 }) });
    expect(await call(c)).toEqual({ accepted: 3 });
    expect(seen).toEqual(['t1:3']);
  });

  it('raises the handler\'s named error with its status and Retry-After on the caller\'s side', async () => {
    const c = await serve({ Push: async () => { throw Busy('over --ingester.max-live-bytes', { retryAfterSeconds: 7 }); } });
    const err = await caught(call(c));
    expect(isSpanbaseError(err) && [err.code, err.statusCode, err.retryAfterSeconds, err.message]).toEqual(['ING_ERR_LIVE_BYTES_EXCEEDED', 429, 7, 'over --ingester.max-live-bytes']);
  });

  it('times out with RPC_ERR_TIMEOUT and aborts the handler\'s signal', async () => {
    let aborted: (v: boolean) => void;
    const handlerAborted = new Promise<boolean>((r) => (aborted = r));
    const c = await serve({ Push: (_req, ctx) => new Promise((_res, rej) => ctx.signal.addEventListener('abort', () => (aborted(true), rej(ctx.signal.reason)))) });
    const started = Date.now();
    const err = await caught(call(c, { timeoutMs: 200 }));
    expect(isSpanbaseError(err) && err.code).toBe('RPC_ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await handlerAborted).toBe(true);
  });

  it('cancels on the caller\'s AbortSignal, rejecting with its reason, and the handler hears of it', async () => {
    let aborted: (v: boolean) => void;
    const handlerAborted = new Promise<boolean>((r) => (aborted = r));
    const c = await serve({ Push: (_req, ctx) => new Promise((_res, rej) => ctx.signal.addEventListener('abort', () => (aborted(true), rej(ctx.signal.reason)))) });
    const ac = new AbortController();
    const p = caught(call(c, { signal: ac.signal }));
    setTimeout(() => ac.abort(new Error('the query went away')), 100);
    expect(((await p) as Error).message).toBe('the query went away');
    expect(await handlerAborted).toBe(true);
  });

  it('fails fast with RPC_ERR_UNAVAILABLE when nothing listens', async () => {
    const server = new InternalServer({ ...opts, log: silentLogger() });
    const port = await server.listen('127.0.0.1', 0);
    await server.close();
    const c = new InternalClient(`127.0.0.1:${port}`, opts);
    open.push(c);
    const started = Date.now();
    const err = await caught(call(c, { timeoutMs: 10_000 }));
    expect(isSpanbaseError(err) && err.code).toBe('RPC_ERR_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a caller of another API version, and a call without a tenant', async () => {
    const c = await serve({ Push: async () => ({ accepted: 1 }) });
    const raw = new grpc.Client(c.address, grpc.credentials.createInsecure());
    open.push(raw);
    const send = (md: grpc.Metadata) => new Promise<grpc.ServiceError | null>((resolve) => {
      raw.makeUnaryRequest(methodPath(PushService, PushService.methods.Push), (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x01, 0x00]), md, (err) => resolve(err));
    });
    const old = new grpc.Metadata();
    old.set('spanbase-internal-api', '0');
    old.set('x-scope-orgid', 't');
    const v = await send(old);
    expect(v?.metadata.get('spanbase-error-code')[0]).toBe('RPC_ERR_VERSION');
    expect(v?.details).toMatch(/speaks internal API version 0, this process 1/);
    const noTenant = new grpc.Metadata();
    noTenant.set('spanbase-internal-api', '1');
    expect((await send(noTenant))?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
