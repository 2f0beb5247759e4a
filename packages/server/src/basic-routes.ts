// The endpoints every role serves: health, readiness, build info and metrics. `buildinfo`
// reports the Tempo API version Spanbase implements, because Grafana enables features by
// comparing that string; Spanbase's own version travels in its own field.
import type { FastifyInstance } from 'fastify';
import type { MetricsRegistry } from './metrics.ts';

/** The Tempo HTTP API version Spanbase is compatible with. */
export const TEMPO_API_VERSION = '2.9.0';

/** What the basic routes need to know. */
export interface BasicRoutesOptions {
  /** The process's metrics. */
  metrics: MetricsRegistry;
  /** Spanbase's own version. */
  version: string;
  /** Git revision, when known. */
  revision: string;
  /** Names of modules not yet ready; empty means ready. */
  notReady: () => string[];
}

/** Registers /ready, /api/echo, /api/status/buildinfo and /metrics. */
export function registerBasicRoutes(app: FastifyInstance, opts: BasicRoutesOptions): void {
  app.get('/ready', async (_req, reply) => {
    const waiting = opts.notReady();
    if (waiting.length > 0) return reply.code(503).type('text/plain; charset=utf-8').send(`not ready: ${waiting.join(', ')}\n`);
    return reply.type('text/plain; charset=utf-8').send('ready\n');
  });
  app.get('/api/echo', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('echo'));
  app.get('/api/status/buildinfo', async () => ({
    version: TEMPO_API_VERSION,
    revision: opts.revision,
    branch: 'main',
    buildDate: '',
    buildUser: '',
    goVersion: `node ${process.version}`,
    spanbaseVersion: opts.version,
  }));
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(opts.metrics.render()));
}
