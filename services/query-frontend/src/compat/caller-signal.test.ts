// A Jaeger or Zipkin client that goes away stops the Tempo query its request was translated to,
// as Tempo's own routes stop when their client goes away: real sockets, the real in-process calls.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpApp, silentLogger } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import { jaegerErrorRenderer, registerJaegerRoutes } from '../jaeger/jaeger-routes.ts';
import { registerZipkinRoutes } from '../zipkin/zipkin-routes.ts';
import { querySignal } from '../query-signal.ts';
import { CALLER_HEADER } from './caller-signal.ts';
import { injectTempoApi } from './tempo-api.ts';

/** Tempo's search route stand-in: holds until released or until its query signal aborts. */
function fakeTempo(holdMs: number) {
  const api = createHttpApp({ logger: silentLogger() });
  const started: (() => void)[] = [];
  const reasons: unknown[] = [];
  api.get('/api/search', async (req) => {
    const { signal, done } = querySignal(req, 60_000);
    for (const s of started.splice(0)) s();
    try {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, holdMs);
        signal.addEventListener('abort', () => { clearTimeout(t); reasons.push(signal.reason); resolve(); }, { once: true });
      });
      return { traces: [] };
    } finally {
      done();
    }
  });
  const whenStarted = () => new Promise<void>((resolve) => started.push(resolve));
  return { api, reasons, whenStarted };
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

async function serve(holdMs: number) {
  const t = fakeTempo(holdMs);
  const tempo = injectTempoApi(t.api);
  const jaeger = createHttpApp({ logger: silentLogger(), renderError: jaegerErrorRenderer });
  const zipkin = createHttpApp({ logger: silentLogger() });
  registerJaegerRoutes(jaeger, { tempo, defaultLimit: 100, operationsSampleTraces: 1000, now: Date.now, multitenancy: false, timeoutMs: 30_000 });
  registerZipkinRoutes(zipkin, { tempo, now: Date.now, multitenancy: false, timeoutMs: 30_000 });
  apps.push(t.api, jaeger, zipkin);
  return { ...t, jaegerPort: await listen(jaeger), zipkinPort: await listen(zipkin) };
}

/** GET that the client drops once the server has started the inner query. */
function dropAfter(port: number, path: string, started: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path });
    req.on('error', () => resolve());
    req.end();
    void started.then(() => req.destroy());
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the Jaeger and Zipkin query APIs when their client goes away', () => {
  it.each([
    ['Jaeger', 'jaegerPort', '/api/traces?service=cart'],
    ['Zipkin', 'zipkinPort', '/api/v2/traces?serviceName=cart'],
  ] as const)('%s: the translated Tempo search is cancelled as the client disconnects', async (_name, portKey, path) => {
    const s = await serve(30_000);
    const t0 = Date.now();
    await dropAfter(s[portKey], path, s.whenStarted());
    await until(() => s.reasons.length === 1);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((s.reasons[0] as Error).message).toBe('client went away');
  });

  it('leaves a query whose client waits alone, and its answer arrives', async () => {
    const s = await serve(50);
    expect(await get(s.jaegerPort, '/api/traces?service=cart')).toBe(200);
    expect(await get(s.zipkinPort, '/api/v2/traces?serviceName=cart')).toBe(200);
    expect(s.reasons).toEqual([]);
  });

  it('ignores a caller header a client sends itself', async () => {
    const s = await serve(50);
    const port = await listen(s.api);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/search', headers: { [CALLER_HEADER]: 'guess' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(s.reasons).toEqual([]);
  });
});
