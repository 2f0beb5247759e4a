// The distributor role from the flags: the OTLP receivers (HTTP and gRPC, on their own ports) in
// front of a Distributor that applies each tenant's limits from the overrides and hands accepted
// spans to the ingesters (in this process, or remote ones).
import type { Config } from '@spanbase/config';
import type { Overrides } from '@spanbase/overrides';
import type { FastifyInstance, Logger, MetricsRegistry } from '@spanbase/server';
import { Distributor } from './distributor.ts';
import type { IngesterClient } from './distributor.ts';
import { bindGrpc, createOtlpGrpcServer, shutdownGrpc } from './otlp-grpc.ts';
import { createOtlpHttpApp } from './otlp-http.ts';
import { registerZipkinReceiver } from './zipkin/zipkin-receiver.ts';

/** What the distributor role is given. */
export interface DistributorDeps {
  /** Where accepted spans go. */
  ingesters: IngesterClient;
  /** Per-tenant ingestion limits. */
  overrides: Pick<Overrides, 'forTenant'>;
  metrics: MetricsRegistry;
  log: Logger;
  /** The Zipkin port's app, which the Zipkin receiver's routes go on (the caller listens). */
  zipkin?: FastifyInstance;
}

/** The running distributor role. */
export interface DistributorRole {
  distributor: Distributor;
  /** Ports the receivers bound (after start). */
  bound: { http?: number; grpc?: number };
  /** Opens the receivers. */
  start(): Promise<void>;
  /** Closes them. */
  stop(): Promise<void>;
}

/** Builds the distributor and its receivers (they listen on start). */
export function createDistributor(cfg: Config, deps: DistributorDeps): DistributorRole {
  const distributor = new Distributor({
    maxAttributeBytes: cfg['distributor.max-attribute-bytes'],
    limits: (tenant) => {
      const l = deps.overrides.forTenant(tenant);
      return { rateBytesPerSecond: l.ingestionRateLimitBytes, burstBytes: l.ingestionBurstSizeBytes };
    },
    ingester: deps.ingesters,
    metrics: deps.metrics,
  });
  const common = { distributor, logger: deps.log, maxRecvMsgSize: cfg['distributor.max-recv-msg-size'], multitenancy: cfg['multitenancy.enabled'] };
  const http = createOtlpHttpApp(common);
  const grpc = createOtlpGrpcServer(common);
  if (deps.zipkin) registerZipkinReceiver(deps.zipkin, { ...common, parseStringTags: cfg['zipkin.parse-string-tags'] });
  const host = (a: string) => a || cfg['server.http-listen-address'];
  const bound: DistributorRole['bound'] = {};
  return {
    distributor,
    bound,
    async start() {
      await http.listen({ host: host(cfg['otlp.http-listen-address']), port: cfg['otlp.http-listen-port'] });
      const addr = http.server.address();
      bound.http = typeof addr === 'object' && addr ? addr.port : cfg['otlp.http-listen-port'];
      bound.grpc = await bindGrpc(grpc, host(cfg['otlp.grpc-listen-address']), cfg['otlp.grpc-listen-port']);
      deps.log.info({ http: bound.http, grpc: bound.grpc }, 'OTLP receivers listening');
    },
    async stop() {
      await Promise.all([http.close(), shutdownGrpc(grpc)]);
    },
  };
}
