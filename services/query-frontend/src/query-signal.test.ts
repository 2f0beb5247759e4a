// A query in flight when its server starts closing is stopped with a 503, so the close (and the
// process's shutdown) does not wait for it to finish or time out.
import { describe, expect, it } from 'vitest';
import { createHttpApp, silentLogger } from '@spanbase/server';
import { querySignal } from './query-signal.ts';

describe('querySignal', () => {
  it('stops a running query when the server starts closing, answering 503', async () => {
    const app = createHttpApp({ logger: silentLogger() });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    app.get('/slow', async (req) => {
      // A query that would run until --query.timeout (a minute here) unless stopped.
      const { signal, done } = querySignal(req, 60_000);
      started();
      try {
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      } finally {
        done();
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const answer = fetch(`http://127.0.0.1:${port}/slow`);
    await running;
    const t0 = performance.now();
    await app.close();
    const res = await answer;
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/shutting down/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);
});
