// Starts and stops a Spanbase process for a target: init modules in dependency order, listen,
// start, and on stop undo it all in reverse. main.ts and the end-to-end tests both use this.
import { readFileSync } from 'node:fs';
import type { Config } from '@spanbase/config';
import { MetricsRegistry, createHttpApp, registerBasicRoutes, registerProcessMetrics } from '@spanbase/server';
import type { Logger } from '@spanbase/server';
import { isWarmUpRequest, jaegerErrorRenderer } from '@spanbase/query-frontend';
import { dataLocation } from './data-location.ts';
import { listen } from './listen.ts';
import { resolveModules } from './module-registry.ts';
import type { ModuleContext, ModuleInstance, ModuleName, StartHooks } from './module-registry.ts';
import { MODULES } from './modules.ts';

/** Spanbase's own version (from its package.json). */
export const SPANBASE_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** A running Spanbase. */
export interface RunningSpanbase {
  /** Bound port of the HTTP API. */
  apiPort: number;
  /** Bound port of the OTLP/HTTP receiver, when this target runs one. */
  otlpHttpPort: number | undefined;
  /** Bound port of the OTLP/gRPC receiver, when this target runs one. */
  otlpGrpcPort: number | undefined;
  /** Bound port of the internal API (not opened with --target=all). */
  internalPort: number | undefined;
  /** Bound port of the Zipkin receiver and query API, when this target runs either. */
  zipkinPort: number | undefined;
  /** Bound port of the Jaeger query API, when this target runs the query-frontend. */
  jaegerPort: number | undefined;
  /** The module instances, for tests. */
  modules: Map<ModuleName, ModuleInstance>;
  /** Stops every module in reverse order. */
  stop(): Promise<void>;
}

/** Starts the modules of `cfg.target` and the listeners. */
export async function startSpanbase(cfg: Config, log: Logger, hooks: StartHooks = {}): Promise<RunningSpanbase> {
  const metrics = new MetricsRegistry();
  const api = createHttpApp({ logger: log.child({ module: 'api' }) });
  // Zipkin and Jaeger keep their own well-known ports: their UIs and clients expect them, and
  // Jaeger's /api/traces/{id} differs from Tempo's on the API port.
  const zipkin = createHttpApp({ logger: log.child({ module: 'zipkin' }), bodyLimit: cfg['distributor.max-recv-msg-size'] });
  const jaeger = createHttpApp({ logger: log.child({ module: 'jaeger' }), renderError: jaegerErrorRenderer });
  const instances = new Map<ModuleName, ModuleInstance>();
  const ctx: ModuleContext = {
    cfg,
    log,
    metrics,
    api,
    zipkin,
    jaeger,
    hooks,
    get(name) {
      const m = instances.get(name);
      if (!m) throw new Error(`module ${name} used before it was initialised`);
      return m as never;
    },
  };
  const names = resolveModules(cfg.target, MODULES);
  registerBasicRoutes(api, {
    metrics,
    version: SPANBASE_VERSION,
    revision: process.env.SPANBASE_REVISION ?? '',
    notReady: () => [...instances].filter(([, m]) => m.ready && !m.ready()).map(([n]) => n),
  });
  const stopProcessMetrics = registerProcessMetrics(metrics);
  const requestSeconds = metrics.histogram('spanbase_request_duration_seconds', 'HTTP API request latency, by route and status.', ['route', 'status_code']);
  for (const app of [api, zipkin, jaeger]) {
    app.addHook('onResponse', async (req, reply) => {
      if (isWarmUpRequest(req)) return;
      requestSeconds.observe({ route: req.routeOptions.url ?? 'unknown', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }
  const hasZipkin = names.includes('distributor') || names.includes('query-frontend');
  const hasJaeger = names.includes('query-frontend');
  const started: ModuleName[] = [];
  const stop = async () => {
    stopProcessMetrics();
    await Promise.all([api.close(), zipkin.close(), jaeger.close()]);
    for (const name of [...started].reverse()) {
      try {
        await instances.get(name)?.stop?.();
      } catch (err) {
        log.error({ err, module: name }, 'module failed to stop cleanly');
      }
    }
  };
  try {
    for (const name of names) {
      instances.set(name, await (MODULES[name] as { init(ctx: ModuleContext): Promise<ModuleInstance> }).init(ctx));
      started.push(name);
    }
    const apiPort = await listen(api, cfg['server.http-listen-address'], cfg['server.http-listen-port']);
    const orApi = (address: string) => address || cfg['server.http-listen-address'];
    const zipkinPort = hasZipkin ? await listen(zipkin, orApi(cfg['zipkin.listen-address']), cfg['zipkin.listen-port']) : undefined;
    const jaegerPort = hasJaeger ? await listen(jaeger, orApi(cfg['jaeger.listen-address']), cfg['jaeger.listen-port']) : undefined;
    for (const name of names) await instances.get(name)?.start?.();
    const dist = instances.get('distributor') as { bound?: { http?: number; grpc?: number } } | undefined;
    const internalPort = (instances.get('internal') as { port?: () => number | undefined } | undefined)?.port?.();
    log.info({ target: cfg.target, modules: names, apiPort, internalPort, zipkinPort, jaegerPort, version: SPANBASE_VERSION, pid: process.pid, ...dataLocation(cfg, names) }, 'Spanbase started');
    return { apiPort, otlpHttpPort: dist?.bound?.http, otlpGrpcPort: dist?.bound?.grpc, internalPort, zipkinPort, jaegerPort, modules: instances, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
