// Errors raised before a route runs (fastify's router, Node's HTTP parser) are answered in the
// app's own error format, and a client that leaves before its answer is not logged as a failure.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createHttpApp } from './app.ts';
import type { ErrorRenderer } from './app.ts';
import { parserError } from './client-errors.ts';
import { ClientClosed, ShuttingDown } from './errors.ts';
import { createLogger, silentLogger } from './logger.ts';

/** A renderer that, like the OTLP receiver's, follows the request's content type. */
const jsonWhenAsked: ErrorRenderer = (req, status, message) =>
  req.headers['content-type'] === 'application/json' ? { body: JSON.stringify({ status, message }), contentType: 'application/json' } : { body: `${message}\n`, contentType: 'text/plain; charset=utf-8' };

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function listen(app: FastifyInstance): Promise<string> {
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

function capturingLogger(): { logger: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as { level: number; msg: string });
      cb();
    },
  });
  return { logger: createLogger('debug', dest), lines };
}

describe('errors before routing', () => {
  it('answers a path parameter over the limit with 414 in the app format, not fastify JSON', async () => {
    const app = createHttpApp({ logger: silentLogger(), renderError: jsonWhenAsked });
    app.get('/t/:id', async () => 'ok');
    const r = await app.inject({ method: 'GET', url: `/t/${'a'.repeat(1025)}` });
    expect(r.statusCode).toBe(414);
    expect(r.body).toBe('URI too long: a path parameter is longer than 1024 characters\n');
    const j = await app.inject({ method: 'GET', url: `/t/${'a'.repeat(1025)}`, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(j.body)).toEqual({ status: 414, message: 'URI too long: a path parameter is longer than 1024 characters' });
    expect((await app.inject({ method: 'GET', url: `/t/${'a'.repeat(1024)}` })).statusCode).toBe(200);
    const bad = await app.inject({ method: 'GET', url: '/t/%E0%A4%A' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/^malformed URL/);
  });

  it('answers a request line or headers over Node\'s limit with 414 / 431 on a real socket', async () => {
    const app = createHttpApp({ logger: silentLogger(), renderError: jsonWhenAsked });
    app.get('/t', async () => 'ok');
    const base = await listen(app);
    const long = await fetch(`${base}/t?${'a'.repeat(20_000)}`);
    expect(long.status).toBe(414);
    expect(long.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await long.text()).toBe('URI too long: the request line is longer than 8192 bytes\n');
    const big = await fetch(`${base}/t`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect(await big.text()).toBe('request headers too large: the request line and headers must fit in 16384 bytes\n');
    // The content type is read from the raw bytes, so the answer comes in the request's encoding.
    const json = await fetch(`${base}/t`, { headers: { 'content-type': 'application/json', 'x-big': 'a'.repeat(20_000) } });
    expect(json.status).toBe(431);
    expect(await json.json()).toMatchObject({ status: 431 });
    // The listener keeps serving.
    expect((await fetch(`${base}/t`)).status).toBe(200);
  });

  it('answers bytes that are not HTTP with a plain 400', async () => {
    const app = createHttpApp({ logger: silentLogger() });
    const base = new URL(await listen(app));
    const answer = await new Promise<string>((resolve) => {
      const s = connect(Number(base.port), '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/Content-Type: text\/plain/);
    expect(answer).toMatch(/\r\n\r\nmalformed HTTP request/);
  });

  it('tells a long request line from large headers by what the parser had read', () => {
    expect(parserError('HPE_HEADER_OVERFLOW', `GET /x?${'a'.repeat(9000)}`).message).toMatch(/URI too long/);
    expect(parserError('HPE_HEADER_OVERFLOW', `GET /x HTTP/1.1\r\nx-big: ${'a'.repeat(9000)}`).message).toMatch(/headers too large/);
    expect(parserError('HPE_INVALID_METHOD', 'XX').message).toBe('malformed HTTP request (HPE_INVALID_METHOD)');
  });
});

describe('client aborts', () => {
  it('are logged below error level, whether the work failed because of it or not', async () => {
    const { logger, lines } = capturingLogger();
    const app = createHttpApp({ logger });
    app.get('/slow/:kind', async (req) => {
      await new Promise((r) => req.raw.socket.once('close', r));
      // The query signal's reason, or whatever the work threw once its inputs went away.
      throw (req.params as { kind: string }).kind === 'named' ? ClientClosed('client went away') : new Error('stream aborted');
    });
    const base = await listen(app);
    for (const kind of ['named', 'plain']) {
      const ac = new AbortController();
      const gone = fetch(`${base}/slow/${kind}`, { signal: ac.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      await gone;
    }
    const handled = () => lines.filter((l) => l.msg === 'client went away before the answer' || l.level >= 50).length;
    for (let i = 0; i < 100 && handled() < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'client went away before the answer')).toHaveLength(2);
  });

  it('do not hide a real failure of a client still waiting', async () => {
    const { logger, lines } = capturingLogger();
    const app = createHttpApp({ logger });
    app.get('/boom', async () => {
      throw new Error('disk on fire');
    });
    expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
    expect(lines.filter((l) => l.level === 50 && l.msg === 'request failed')).toHaveLength(1);
  });

  it('log a named timeout or shutdown as a warning with its code, not an error with a stack', async () => {
    const { logger, lines } = capturingLogger();
    const app = createHttpApp({ logger });
    app.get('/closing', async () => {
      throw ShuttingDown('the server is shutting down');
    });
    expect((await app.inject({ method: 'GET', url: '/closing' })).statusCode).toBe(503);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.level === 40 && l.msg === 'request failed' && (l as { code?: string }).code === 'SRV_ERR_SHUTTING_DOWN')).toHaveLength(1);
  });
});
