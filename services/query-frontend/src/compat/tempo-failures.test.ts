// A failure of the Tempo route behind a Jaeger or Zipkin call reaches the client with its status,
// its message and its Retry-After, in the shape of the API that was called.
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpApp, silentLogger } from '@spanbase/server';
import { jaegerErrorRenderer, registerJaegerRoutes } from '../jaeger/jaeger-routes.ts';
import { registerZipkinRoutes } from '../zipkin/zipkin-routes.ts';
import type { TempoApi, TempoResponse } from './tempo-api.ts';

const answer = (status: number, text: string, retryAfterSeconds?: number): TempoApi => ({
  get: async (): Promise<TempoResponse> => ({ status, body: Buffer.from(text + '\n'), retryAfterSeconds }),
});

function apps(tempo: TempoApi) {
  const jaeger = createHttpApp({ logger: silentLogger(), renderError: jaegerErrorRenderer });
  const zipkin = createHttpApp({ logger: silentLogger() });
  registerJaegerRoutes(jaeger, { tempo, defaultLimit: 100, operationsSampleTraces: 1000, now: Date.now, multitenancy: false, timeoutMs: 30_000 });
  registerZipkinRoutes(zipkin, { tempo, now: Date.now, multitenancy: false, timeoutMs: 30_000 });
  return { jaeger, zipkin };
}

const open: ReturnType<typeof apps>[] = [];
afterAll(async () => {
  for (const a of open) await Promise.all([a.jaeger.close(), a.zipkin.close()]);
});

describe('failures of the Tempo routes behind the Jaeger and Zipkin APIs', () => {
  it.each([
    [429, 'too many queries: the queue is full', 3],
    [504, 'query cancelled after 30000 ms (--query.timeout)', undefined],
    [422, 'the answer would be larger than --query.max-response-bytes', undefined],
    [400, 'limit 99999 is over the maximum of 10000 (--query.max-limit)', undefined],
    [503, 'no querier reachable', 2],
  ])('keeps status %i, its message and Retry-After', async (status, message, retry) => {
    const a = apps(answer(status, message, retry));
    open.push(a);
    const j = await a.jaeger.inject({ url: '/api/traces?service=x' });
    const want = status;
    expect(j.statusCode).toBe(want);
    expect(j.json()).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: want, msg: message }] });
    expect(j.headers['retry-after']).toBe(retry === undefined ? undefined : String(retry));
    const z = await a.zipkin.inject({ url: '/api/v2/traces?serviceName=x' });
    expect(z.statusCode).toBe(want);
    expect(z.body).toContain(message);
  });

  it('turns any other status into a 500 that names it', async () => {
    const a = apps(answer(418, 'teapot'));
    open.push(a);
    const j = await a.jaeger.inject({ url: '/api/traces?service=x' });
    expect(j.statusCode).toBe(500);
    expect(j.json().errors[0].msg).toBe('query failed with status 418: teapot');
  });

  it('reads a tenant problem as the tenant error it is', async () => {
    const a = apps(answer(401, 'no tenant: the X-Scope-OrgID header is required when multitenancy is enabled'));
    open.push(a);
    expect((await a.jaeger.inject({ url: '/api/services' })).statusCode).toBe(401);
    expect((await a.zipkin.inject({ url: '/api/v2/services' })).statusCode).toBe(401);
  });
});
