// The module definitions behind --target. In `all` mode the distributor calls the ingester and
// the querier reads its memory in-process; when roles run as separate processes the same
// modules talk over the ingester's /internal/ routes.
import { Distributor, RemoteIngesters, createOtlpGrpcServer, createOtlpHttpApp, bindGrpc, shutdownGrpc } from '@spanbase/distributor';
import type { IngesterClient } from '@spanbase/distributor';
import { Ingester, registerIngesterRoutes } from '@spanbase/ingester';
import { TenantConcurrency, liveSearchSource, liveSource, registerSearchRoutes, registerTraceRoutes, remoteLiveSources } from '@spanbase/querier';
import type { SearchSource, TraceSource } from '@spanbase/querier';
import { liveMetricsSource, registerMetricsRoutes } from '@spanbase/querier';
import type { MetricsSource } from '@spanbase/querier';
import { compactorFromConfig, metricsSinkFor } from '@spanbase/compactor';
import type { ModuleDef, ModuleName } from './module-registry.ts';
import { listen } from './listen.ts';

function requireAddresses(flag: string, list: string[]): string[] {
  if (list.length === 0) throw new Error(`--${flag} must list at least one ingester (host:port of its HTTP API)`);
  return list;
}

export const MODULES: Record<ModuleName, ModuleDef> = {
  ingester: {
    deps: () => [],
    async init(ctx) {
      const cfg = ctx.cfg;
      const ingester = await Ingester.start({
        walDir: cfg['wal.path'],
        walFsync: cfg['wal.fsync'],
        walFsyncIntervalMs: cfg['wal.fsync-interval'],
        walSegmentBytes: cfg['wal.segment-bytes'],
        maxLiveBytes: cfg['ingester.max-live-bytes'],
        traceIdlePeriodMs: cfg['ingester.trace-idle-period'],
        maxBlockDurationMs: cfg['ingester.max-block-duration'],
        maxBlockBytes: cfg['ingester.max-block-bytes'],
        flushCheckPeriodMs: cfg['ingester.flush-check-period'],
        logger: ctx.log.child({ module: 'ingester' }),
      });
      registerIngesterRoutes(ctx.api, ingester, cfg['distributor.max-recv-msg-size']);
      const m = ctx.metrics;
      m.gauge('spanbase_ingester_live_traces', 'Traces held in memory, by tenant.', ['tenant']).collect(() =>
        [...ingester.tenantStores()].map((t) => [{ tenant: t.tenant }, t.traceCount] as [Record<string, string>, number]),
      );
      m.gauge('spanbase_ingester_memory_bytes', 'Bytes of accepted requests held in memory until their spans are in durable blocks.').collect(() => [[{}, ingester.memoryBytes]]);
      m.gauge('spanbase_wal_segments', 'WAL segment files, by tenant.', ['tenant']).collect(() => ingester.walStats().map((s) => [{ tenant: s.tenant }, s.segments] as [Record<string, string>, number]));
      m.gauge('spanbase_wal_bytes', 'Bytes in WAL segment files, by tenant.', ['tenant']).collect(() => ingester.walStats().map((s) => [{ tenant: s.tenant }, s.bytes] as [Record<string, string>, number]));
      return Object.assign(ingester, { ready: () => ingester.isReady(), stop: () => ingester.stop() });
    },
  },

  'ingester-client': {
    deps: (target) => (target === 'all' ? ['ingester'] : []),
    async init(ctx) {
      // In one process the distributor calls the ingester directly; apart, over HTTP.
      if (ctx.cfg.target === 'all') return { client: ctx.get<Ingester>('ingester') as IngesterClient };
      return { client: new RemoteIngesters(requireAddresses('distributor.ingester-addresses', ctx.cfg['distributor.ingester-addresses'])) };
    },
  },

  'live-sources': {
    deps: (target) => (target === 'all' ? ['ingester'] : []),
    async init(ctx) {
      if (ctx.cfg.target === 'all') {
        const ingester = ctx.get<Ingester>('ingester');
        return {
          sources: [liveSource(ingester)],
          search: (tenant: string): SearchSource[] => [liveSearchSource(ingester, tenant)],
          metrics: (tenant: string): MetricsSource[] => [liveMetricsSource(ingester, tenant)],
        };
      }
      return { sources: remoteLiveSources(requireAddresses('querier.ingester-addresses', ctx.cfg['querier.ingester-addresses'])), search: (): SearchSource[] => [], metrics: (): MetricsSource[] => [] };
    },
  },

  distributor: {
    deps: () => ['ingester-client'],
    async init(ctx) {
      const cfg = ctx.cfg;
      const log = ctx.log.child({ module: 'distributor' });
      const distributor = new Distributor({
        maxAttributeBytes: cfg['distributor.max-attribute-bytes'],
        rateLimitBytes: cfg['ingestion.rate-limit-bytes'],
        burstSizeBytes: cfg['ingestion.burst-size-bytes'],
        ingester: ctx.get<{ client: IngesterClient }>('ingester-client').client,
        metrics: ctx.metrics,
      });
      const common = { distributor, logger: log, maxRecvMsgSize: cfg['distributor.max-recv-msg-size'], multitenancy: cfg['multitenancy.enabled'] };
      const http = createOtlpHttpApp(common);
      const grpc = createOtlpGrpcServer(common);
      const host = (a: string) => a || cfg['server.http-listen-address'];
      const bound: { http?: number; grpc?: number } = {};
      return {
        distributor,
        bound,
        async start() {
          bound.http = await listen(http, host(cfg['otlp.http-listen-address']), cfg['otlp.http-listen-port']);
          bound.grpc = await bindGrpc(grpc, host(cfg['otlp.grpc-listen-address']), cfg['otlp.grpc-listen-port']);
          log.info({ http: bound.http, grpc: bound.grpc }, 'OTLP receivers listening');
        },
        async stop() {
          await Promise.all([http.close(), shutdownGrpc(grpc)]);
        },
      };
    },
  },

  querier: {
    deps: () => ['live-sources'],
    async init(ctx) {
      const cfg = ctx.cfg;
      const live = ctx.get<{ sources: TraceSource[]; search: (tenant: string) => SearchSource[]; metrics: (tenant: string) => MetricsSource[] }>('live-sources');
      const log = ctx.log.child({ module: 'querier' });
      registerTraceRoutes(ctx.api, {
        sources: () => live.sources,
        multitenancy: cfg['multitenancy.enabled'],
        maxBytesPerTrace: cfg['query.max-bytes-per-trace'],
      });
      const failures = ctx.metrics.counter('spanbase_querier_source_failures_total', 'Search sources (blocks, ingesters) that failed and were left out of a result.');
      registerSearchRoutes(ctx.api, {
        sources: async (tenant) => live.search(tenant),
        multitenancy: cfg['multitenancy.enabled'],
        limits: { defaultLimit: 20, maxLimit: 262_144, defaultSpss: 3, maxSpss: 100, defaultLookbackMs: cfg['query.default-lookback'], maxQueryBytes: 128 * 1024, now: Date.now },
        concurrency: new TenantConcurrency(cfg['query.max-concurrent-per-tenant']),
        parallelism: 2,
        timeoutMs: cfg['query.timeout'],
        onSourceFailure: (source, err) => {
          failures.inc();
          log.warn({ source, err }, 'search source failed; the result is partial');
        },
      });
      // --- TraceQL metrics (issue #6): /api/metrics/query_range and /api/metrics/query ---
      registerMetricsRoutes(ctx.api, {
        sources: async (tenant) => live.metrics(tenant),
        multitenancy: cfg['multitenancy.enabled'],
        limits: { maxRangeMs: 24 * 3600_000, maxQueryBytes: 128 * 1024, now: Date.now },
        maxExemplars: 100,
        maxSeries: 10_000,
        concurrency: new TenantConcurrency(cfg['query.max-concurrent-per-tenant']),
        parallelism: 2,
        timeoutMs: cfg['query.timeout'],
        onSourceFailure: (source, err) => {
          failures.inc();
          log.warn({ source, err }, 'metrics source failed; the result is partial');
        },
      });
      // --- end TraceQL metrics ---
      return {};
    },
  },

  // --- Compaction and retention (issue #7): merges, rewrites and expires blocks every --compaction.cycle ---
  compactor: {
    deps: () => [],
    async init(ctx) {
      const { compactor, overrides } = compactorFromConfig(ctx.cfg, { log: ctx.log.child({ module: 'compactor' }), metrics: metricsSinkFor(ctx.metrics) });
      return {
        compactor,
        overrides,
        async start() {
          overrides.start();
          compactor.start();
        },
        async stop() {
          await compactor.stop();
          overrides.stop();
        },
      };
    },
  },
  // --- end Compaction and retention ---
};
