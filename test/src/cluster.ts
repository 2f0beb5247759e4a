// A cluster of roles in this process, each its own Spanbase started with its own --target and
// talking to the others over real internal listeners on loopback: ingesters, a distributor,
// queriers and a query-frontend, sharing one block store. It looks like one TestSpanbase to
// suites written for the single binary: OTLP goes to the distributor, queries to the frontend,
// and /metrics of every role is read through `metricsText`.
import { join } from 'node:path';
import { defaultConfig } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { silentLogger } from '@spanbase/server';
import { startSpanbase } from 'spanbase';
import type { RunningSpanbase, StartHooks } from 'spanbase';
import { tempDir } from './harness.ts';
import type { TestSpanbase } from './harness.ts';

/** A running in-process cluster. */
export interface TestCluster extends TestSpanbase {
  /** Every role, by name (`ingester-0`, `distributor`, `querier-1`, `query-frontend`). */
  roles: Map<string, RunningSpanbase>;
}

/** Shape of the cluster. */
export interface ClusterShape {
  ingesters?: number;
  queriers?: number;
}

/** Starts ingesters, a distributor, queriers and a frontend with `overrides` on every role. */
export async function startTestCluster(overrides: Partial<Config> = {}, shape: ClusterShape = {}, hooks: StartHooks = {}): Promise<TestCluster> {
  const dataDir = tempDir('sb-cluster-');
  const base = (target: Config['target'], name: string, extra: Partial<Config> = {}): Config =>
    defaultConfig({
      'server.http-listen-port': 0,
      'otlp.http-listen-port': 0,
      'otlp.grpc-listen-port': 0,
      'zipkin.listen-port': 0,
      'jaeger.listen-port': 0,
      'internal.listen-port': 0,
      'storage.local.path': join(dataDir, 'blocks'),
      'wal.path': join(dataDir, name, 'wal'),
      'query.workers': 1,
      ...overrides,
      ...extra,
      target,
    });
  const roles = new Map<string, RunningSpanbase>();
  const start = async (name: string, cfg: Config) => {
    const r = await startSpanbase(cfg, silentLogger(), hooks);
    roles.set(name, r);
    return r;
  };
  const stop = async () => {
    for (const r of [...roles.values()].reverse()) await r.stop();
  };
  try {
    const ingesters: string[] = [];
    for (let i = 0; i < (shape.ingesters ?? 2); i++) ingesters.push(`127.0.0.1:${(await start(`ingester-${i}`, base('ingester', `ingester-${i}`))).internalPort}`);
    const queriers: string[] = [];
    for (let i = 0; i < (shape.queriers ?? 2); i++) queriers.push(`127.0.0.1:${(await start(`querier-${i}`, base('querier', `querier-${i}`, { 'querier.ingester-addresses': ingesters }))).internalPort}`);
    const dist = await start('distributor', base('distributor', 'distributor', { 'distributor.ingester-addresses': ingesters }));
    const frontendCfg = base('query-frontend', 'query-frontend', { 'query-frontend.querier-addresses': queriers });
    const frontend = await start('query-frontend', frontendCfg);
    const api = `http://127.0.0.1:${frontend.apiPort}`;
    return {
      api,
      otlpHttp: `http://127.0.0.1:${dist.otlpHttpPort}/v1/traces`,
      otlpGrpc: `http://127.0.0.1:${dist.otlpGrpcPort}`,
      zipkin: `http://127.0.0.1:${dist.zipkinPort}`,
      zipkinQuery: `http://127.0.0.1:${frontend.zipkinPort}`,
      jaeger: `http://127.0.0.1:${frontend.jaegerPort}`,
      dataDir,
      cfg: frontendCfg,
      running: frontend,
      roles,
      metricsText: async () => (await Promise.all([...roles.values()].map(async (r) => (await fetch(`http://127.0.0.1:${r.apiPort}/metrics`)).text()))).join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
