// The module definitions behind --target. In `all` mode the distributor calls the ingester and
// the querier reads its memory in-process; when roles run as separate processes the same
// modules talk over the ingester's /internal/ routes.
import { Distributor, RemoteIngesters, createOtlpGrpcServer, createOtlpHttpApp, bindGrpc, shutdownGrpc } from '@spanbase/distributor';
import type { IngesterClient } from '@spanbase/distributor';
import { Ingester, WorkerBlockSink, registerIngesterRoutes } from '@spanbase/ingester';
import { createObjectStore } from '@spanbase/backend';
import { storageSettings } from '@spanbase/config';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { BlockObjects, blockKey, isCacheableBlockObject, isDamageError, parseBlockMeta } from '@spanbase/block';
import { BlockCatalog } from '@spanbase/query';
import type { MetricsSource, SearchSource, TagsSource, TraceSource } from '@spanbase/query';
import { QueryPool, blockMetricsSource, blockSearchSource, blockTagsSource, blockTraceSource, liveTagsSource, registerTagsRoutes } from '@spanbase/querier';
import type { BlockReaderWithTags } from '@spanbase/querier';
import { QueryAdmission, liveSearchSource, liveSource, registerSearchRoutes, registerTraceRoutes, remoteLiveSources, remoteMetricsSources, remoteSearchSources, remoteTagsSources } from '@spanbase/querier';
import { liveMetricsSource, registerMetricsRoutes } from '@spanbase/querier';
import { compactorFromConfig, metricsSinkFor } from '@spanbase/compactor';
import { Overrides } from '@spanbase/overrides';
import type { ModuleDef, ModuleName } from './module-registry.ts';
import { availableParallelism } from 'node:os';
import { listen } from './listen.ts';

/** What the `store` module provides. */
interface StoreModule {
  store: ObjectStore;
  config: ObjectStoreConfig;
}

/** How long a cancelled query may keep a worker busy before the worker is replaced, ms. */
const QUERY_ABORT_GRACE_MS = 2000;

function requireAddresses(flag: string, list: string[]): string[] {
  if (list.length === 0) throw new Error(`--${flag} must list at least one ingester (host:port of its HTTP API)`);
  return list;
}

export const MODULES: Record<ModuleName, ModuleDef> = {
  // Per-tenant limits (--overrides.file, reloaded when it changes) over the flags' defaults.
  overrides: {
    deps: () => [],
    async init(ctx) {
      const log = ctx.log.child({ module: 'overrides' });
      const overrides = Overrides.fromConfig(ctx.cfg, { onError: (err) => log.error({ err }, 'overrides file rejected; keeping the previous limits'), onReload: () => log.info('overrides reloaded') });
      return { overrides, start: async () => overrides.start(), stop: async () => overrides.stop() };
    },
  },

  store: {
    deps: () => [],
    async init(ctx) {
      const config = storageSettings(ctx.cfg);
      const m = ctx.metrics;
      const requests = m.counter('spanbase_store_requests_total', 'Object store requests, by operation and outcome.', ['op', 'outcome']);
      const bytes = m.counter('spanbase_store_bytes_total', 'Object store bytes moved, by operation.', ['op']);
      const seconds = m.histogram('spanbase_store_request_duration_seconds', 'Object store request latency, by operation.', ['op']);
      const store = createObjectStore(config, {
        cacheable: isCacheableBlockObject,
        metrics: {
          observe(op, outcome, n, secs) {
            requests.inc({ op, outcome });
            if (n > 0) bytes.inc({ op }, n);
            seconds.observe({ op }, secs);
          },
        },
        onRetry: (e) => ctx.log.warn({ op: e.op, key: e.key, attempt: e.attempt, err: e.error }, 'object store request failed; retrying'),
      });
      return { store, config } satisfies StoreModule;
    },
  },

  blocks: {
    deps: () => ['store'],
    async init(ctx) {
      const damaged = ctx.metrics.counter('spanbase_block_damage_total', 'Damaged parts of blocks found by this process, each counted once, by what readers do instead (bloom-skipped, index-rebuilt, statistics-skipped, tags-skipped, row-group-lost, block-unreadable).', ['fallback']);
      const catalog = new BlockCatalog({ store: ctx.get<StoreModule>('store').store, pollMs: ctx.cfg['storage.blocklist-poll'], log: ctx.log.child({ module: 'blocklist' }), onDamage: (d) => damaged.inc({ fallback: d.fallback }) });
      ctx.metrics.gauge('spanbase_blocklist_blocks', 'Blocks known to this process, by tenant.', ['tenant']).collect(() => catalog.tenantIds().map((t) => [{ tenant: t }, catalog.blocks(t).length] as [Record<string, string>, number]));
      return { catalog, start: () => catalog.start(), stop: async () => catalog.stop() };
    },
  },

  ingester: {
    deps: (target) => (target === 'all' ? ['store', 'blocks'] : ['store']),
    async init(ctx) {
      const cfg = ctx.cfg;
      // In one process the shared catalog makes a flushed block queryable at once; apart, the
      // ingester keeps its recent blocks (twice the poll period) and answers for them itself.
      const catalog =
        cfg.target === 'all'
          ? ctx.get<{ catalog: BlockCatalog }>('blocks').catalog
          : new BlockCatalog({ store: ctx.get<StoreModule>('store').store, pollMs: 0, localOnlyForMs: 2 * cfg['storage.blocklist-poll'] + 60_000, log: ctx.log });
      // The worker only writes: it gets the store settings without the read cache.
      const outsideSlack = ctx.metrics.counter('spanbase_ingester_traces_outside_time_slack_total', 'Traces flushed with span times further than --ingestion.time-range-slack from when they were received, by tenant: a client clock that is off, or a pipeline delivering late.', ['tenant']);
      const sink = new WorkerBlockSink({ store: { ...ctx.get<StoreModule>('store').config, cache: undefined }, block: { bloomFalsePositive: cfg['block.bloom-filter-false-positive'] } });
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
        timeRangeSlackMs: cfg['ingestion.time-range-slack'],
        onOutsideTimeBounds: (tenant, traces) => outsideSlack.inc({ tenant }, traces),
        // WAL replay skips spans of blocks finished before a crash (their flush markers name them).
        blockExists: async (tenant, id) => {
          const store = ctx.get<StoreModule>('store').store;
          return (await store.head(blockKey(tenant, id, BlockObjects.meta))) !== undefined || (await store.head(blockKey(tenant, id, BlockObjects.compactedMeta))) !== undefined;
        },
        liveQueries: {
          thread: 'worker',
          abortGraceMs: QUERY_ABORT_GRACE_MS,
          memoryMb: Math.floor(cfg['query.worker-memory'] / 2 ** 20),
          slots: 4,
          onReplace: (reason) => ctx.log.warn({ reason }, 'live-query worker replaced'),
        },
        sink,
        onFlushed: (tenant, block) => catalog.add(tenant, parseBlockMeta(block.meta)),
        logger: ctx.log.child({ module: 'ingester' }),
      });
      const recent = cfg.target === 'all' ? undefined : blockTraceSource(catalog, ctx.log, ctx.metrics.counter('spanbase_ingester_recent_blocks_skipped_total', 'Recent blocks the ingester could not read for a trace lookup.', ['reason']));
      registerIngesterRoutes(ctx.api, ingester, cfg['distributor.max-recv-msg-size'], recent && (async (tenant, id) => (await recent.findTrace(tenant, id, undefined)).records));
      const m = ctx.metrics;
      m.gauge('spanbase_ingester_live_traces', 'Traces held in memory, by tenant.', ['tenant']).collect(() =>
        [...ingester.tenantStores()].map((t) => [{ tenant: t.tenant }, t.traceCount] as [Record<string, string>, number]),
      );
      m.gauge('spanbase_ingester_memory_bytes', 'Bytes of accepted requests held in memory until their spans are in durable blocks.').collect(() => [[{}, ingester.memoryBytes]]);
      m.gauge('spanbase_wal_segments', 'WAL segment files, by tenant.', ['tenant']).collect(() => ingester.walStats().map((s) => [{ tenant: s.tenant }, s.segments] as [Record<string, string>, number]));
      m.gauge('spanbase_wal_bytes', 'Bytes in WAL segment files, by tenant.', ['tenant']).collect(() => ingester.walStats().map((s) => [{ tenant: s.tenant }, s.bytes] as [Record<string, string>, number]));
      m.counter('spanbase_wal_replay_skipped_bytes_total', 'Bytes of damaged WAL records skipped at start-up replay (the whole records after them were replayed).').inc({}, ingester.replayStats.skippedBytes);
      m.counter('spanbase_wal_replay_skipped_records_total', 'Damaged WAL records skipped at start-up replay (each damaged stretch counts once).').inc({}, ingester.replayStats.skippedRecords);
      return { ingester, ready: () => ingester.isReady(), stop: () => ingester.stop() };
    },
  },

  'ingester-client': {
    deps: (target) => (target === 'all' ? ['ingester'] : []),
    async init(ctx) {
      // In one process the distributor calls the ingester directly; apart, over HTTP.
      if (ctx.cfg.target === 'all') return { client: ctx.get<{ ingester: Ingester }>('ingester').ingester as IngesterClient };
      return { client: new RemoteIngesters(requireAddresses('distributor.ingester-addresses', ctx.cfg['distributor.ingester-addresses'])) };
    },
  },

  'live-sources': {
    deps: (target) => (target === 'all' ? ['ingester'] : []),
    async init(ctx) {
      if (ctx.cfg.target === 'all') {
        const live = ctx.get<{ ingester: Ingester }>('ingester').ingester.live;
        return {
          tags: (tenant: string): TagsSource[] => [liveTagsSource(live, tenant)],
          sources: [liveSource(live)],
          search: (tenant: string): SearchSource[] => [liveSearchSource(live, tenant)],
          metrics: (tenant: string): MetricsSource[] => [liveMetricsSource(live, tenant)],
        };
      }
      const addresses = requireAddresses('querier.ingester-addresses', ctx.cfg['querier.ingester-addresses']);
      return {
        sources: remoteLiveSources(addresses),
        search: (tenant: string): SearchSource[] => remoteSearchSources(addresses, tenant),
        metrics: (tenant: string): MetricsSource[] => remoteMetricsSources(addresses, tenant),
        tags: (tenant: string): TagsSource[] => remoteTagsSources(addresses, tenant),
      };
    },
  },

  distributor: {
    deps: () => ['ingester-client', 'overrides'],
    async init(ctx) {
      const cfg = ctx.cfg;
      const overrides = ctx.get<{ overrides: Overrides }>('overrides').overrides;
      const log = ctx.log.child({ module: 'distributor' });
      const distributor = new Distributor({
        maxAttributeBytes: cfg['distributor.max-attribute-bytes'],
        limits: (tenant) => {
          const l = overrides.forTenant(tenant);
          return { rateBytesPerSecond: l.ingestionRateLimitBytes, burstBytes: l.ingestionBurstSizeBytes };
        },
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
    deps: () => ['live-sources', 'blocks', 'store', 'overrides'],
    async init(ctx) {
      const cfg = ctx.cfg;
      const overrides = ctx.get<{ overrides: Overrides }>('overrides').overrides;
      const live = ctx.get<{ sources: TraceSource[]; search: (tenant: string) => SearchSource[]; metrics: (tenant: string) => MetricsSource[]; tags: (tenant: string) => TagsSource[] }>('live-sources');
      const catalog = ctx.get<{ catalog: BlockCatalog }>('blocks').catalog;
      const log = ctx.log.child({ module: 'querier' });
      const unreadable = ctx.metrics.counter('spanbase_querier_blocks_skipped_total', 'Blocks a query skipped, wholly or in part (damaged row groups), because they could not be read (checksum mismatch, missing object), by reason.', ['reason']);
      const storeModule = ctx.get<StoreModule>('store');
      const replaced = ctx.metrics.counter('spanbase_query_workers_replaced_total', 'Query worker threads replaced: stuck on a cancelled query, out of memory, or crashed.');
      const pool = new QueryPool(cfg['query.workers'] > 0 ? cfg['query.workers'] : availableParallelism(), storeModule.config, storeModule.store, {
        chunkCacheBytes: cfg['query.chunk-cache-bytes'],
        abortGraceMs: QUERY_ABORT_GRACE_MS,
        workerMemoryMb: Math.floor(cfg['query.worker-memory'] / 2 ** 20),
        onReplace: (reason) => {
          replaced.inc();
          log.warn({ reason }, 'query worker replaced');
        },
      });
      const traceSources = [...live.sources, blockTraceSource(catalog, log, unreadable, pool)];
      // Sources searched at once: enough to keep every worker busy.
      const parallelism = Math.max(2, pool.size);
      const rejected = ctx.metrics.counter('spanbase_query_rejected_total', 'Queries refused with 429: the queue was full or the wait too long.');
      const admission = new QueryAdmission(
        {
          maxConcurrent: cfg['query.max-concurrent'],
          perTenant: (tenant) => overrides.forTenant(tenant).maxConcurrentQueries,
          maxQueued: cfg['query.max-queued'],
          queueTimeoutMs: cfg['query.queue-timeout'],
        },
        () => rejected.inc(),
      );
      ctx.metrics.gauge('spanbase_query_admission', 'Queries admitted and running, and waiting for a turn.', ['state']).collect(() => {
        const st = admission.stats();
        return [[{ state: 'running' }, st.running], [{ state: 'queued' }, st.queued]];
      });
      const noteDamage = (d: Parameters<BlockCatalog['noteDamage']>[0]) => catalog.noteDamage(d);
      const searchSources = {
        live: live.search,
        blocks: (tenant: string) => catalog.blocks(tenant).map((m) => blockSearchSource(m, pool, catalog.reader(m), noteDamage)),
      };
      registerTraceRoutes(ctx.api, {
        sources: () => traceSources,
        multitenancy: cfg['multitenancy.enabled'],
        maxBytesPerTrace: (tenant) => overrides.forTenant(tenant).maxBytesPerTrace,
        timeoutMs: cfg['query.timeout'],
      });
      const failures = ctx.metrics.counter('spanbase_querier_source_failures_total', 'Search sources (blocks, ingesters) that failed and were left out of a result.');
      // A damaged block is logged once where the damage is found; each answer it leaves partial is counted.
      const sourceFailed = (kind: string) => (source: string, err: unknown) => {
        failures.inc();
        if (!isDamageError(err)) return log.warn({ source, err }, `${kind} source failed; the result is partial`);
        unreadable.inc({ reason: (err as { code: string }).code });
        log.debug({ source, err }, `${kind} source damaged; the result is partial`);
      };
      registerSearchRoutes(ctx.api, {
        sources: searchSources,
        multitenancy: cfg['multitenancy.enabled'],
        limits: { defaultLimit: 20, maxLimit: cfg['query.max-limit'], defaultSpss: 3, maxSpss: cfg['query.max-spans-per-spanset'], defaultLookbackMs: cfg['query.default-lookback'], timeRangeSlackMs: cfg['ingestion.time-range-slack'], maxQueryBytes: 128 * 1024, now: Date.now },
        admission,
        parallelism,
        timeoutMs: cfg['query.timeout'],
        maxResponseBytes: cfg['query.max-response-bytes'],
        onSourceFailure: sourceFailed('search'),
      });
      registerTagsRoutes(ctx.api, {
        tagsSources: async (tenant) => [...live.tags(tenant), ...catalog.blocks(tenant).map((m) => blockTagsSource(m, catalog.reader(m) as unknown as BlockReaderWithTags))],
        searchSources,
        admission,
        parallelism,
        maxResponseBytes: cfg['query.max-response-bytes'],
        multitenancy: cfg['multitenancy.enabled'],
        defaultLookbackMs: cfg['query.default-lookback'],
        timeoutMs: cfg['query.timeout'],
        now: Date.now,
      });
      registerMetricsRoutes(ctx.api, {
        sources: { live: live.metrics, blocks: (tenant: string) => catalog.blocks(tenant).map((m) => blockMetricsSource(m, pool, noteDamage)) },
        multitenancy: cfg['multitenancy.enabled'],
        limits: { maxRangeMs: 24 * 3600_000, maxQueryBytes: 128 * 1024, now: Date.now },
        maxExemplars: 100,
        maxSeries: cfg['query.max-series'],
        maxResponseBytes: cfg['query.max-response-bytes'],
        admission,
        parallelism,
        timeoutMs: cfg['query.timeout'],
        onSourceFailure: sourceFailed('metrics'),
      });
      // --- end TraceQL metrics ---
      return { pool, stop: () => pool.close() };
    },
  },

  // --- Compaction and retention (issue #7): merges, rewrites and expires blocks every --compaction.cycle ---
  compactor: {
    deps: () => ['overrides'],
    async init(ctx) {
      const overrides = ctx.get<{ overrides: Overrides }>('overrides').overrides;
      const { compactor } = compactorFromConfig(ctx.cfg, { log: ctx.log.child({ module: 'compactor' }), metrics: metricsSinkFor(ctx.metrics), overrides });
      return {
        compactor,
        start: async () => compactor.start(),
        stop: () => compactor.stop(),
      };
    },
  },
  // --- end Compaction and retention ---
};
