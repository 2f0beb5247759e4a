// The module definitions behind --target. The binary only composes: each role is built by its
// service's create function from the flags, and gets its dependencies here. In `all` mode the
// roles call each other in this process (the frontend runs jobs on the querier's functions, the
// querier reads the ingester's memory); apart, they call each other's internal API, on a
// listener of its own (never the public port), finding their peers through address lists.
import { FAULTS_ENV, createObjectStore, faultsOf } from '@spanbase/backend';
import type { ObjectStore, ObjectStoreConfig, ObjectStoreMetricsSink } from '@spanbase/backend';
import { isCacheableBlockObject } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { compactorFromConfig, metricsSinkFor } from '@spanbase/compactor';
import type { Compactor } from '@spanbase/compactor';
import { storageSettings } from '@spanbase/config';
import { SINGLE_TENANT } from '@spanbase/server';
import type { Config } from '@spanbase/config';
import { RemoteIngesters, createDistributor } from '@spanbase/distributor';
import type { DistributorRole, IngesterClient } from '@spanbase/distributor';
import { createIngester } from '@spanbase/ingester';
import type { IngesterRole } from '@spanbase/ingester';
import { AddressList, InternalServer, Peers } from '@spanbase/internal-api';
import { Overrides } from '@spanbase/overrides';
import { registerUsageRoute } from './usage-route.ts';
import { BlockCatalog } from '@spanbase/query';
import { createQuerier, inProcessLive, remoteLive, warmSearchPath } from '@spanbase/querier';
import type { LiveData, QuerierRole } from '@spanbase/querier';
import { createQueryFrontend, localQuerier, remoteQueriers, warmUpTarget } from '@spanbase/query-frontend';
import type { QueryFrontend } from '@spanbase/query-frontend';
import type { ModuleContext, ModuleDefs, ModuleInstance } from './module-registry.ts';

/** What the `store` module provides. */
interface StoreModule extends ModuleInstance {
  store: ObjectStore;
  config: ObjectStoreConfig;
  /** Where requests of stores built elsewhere from `config` (the block writer's thread) are counted. */
  metrics: ObjectStoreMetricsSink;
}

/** The instance type of every module. */
export interface ModuleTypes {
  overrides: ModuleInstance & { overrides: Overrides };
  store: StoreModule;
  blocks: ModuleInstance & { catalog: BlockCatalog };
  /** The internal API's listener; none with --target=all (no other process calls in). */
  internal: ModuleInstance & { server: InternalServer | undefined; port(): number | undefined };
  ingester: ModuleInstance & IngesterRole;
  'ingester-client': ModuleInstance & { client: IngesterClient };
  'live-data': ModuleInstance & { live: LiveData };
  distributor: ModuleInstance & DistributorRole;
  querier: ModuleInstance & QuerierRole;
  'query-frontend': ModuleInstance & { frontend: QueryFrontend };
  compactor: ModuleInstance & { compactor: Compactor };
}

/** The peers a flag's address list names, kept resolved while the module runs. */
function peersOf(ctx: ModuleContext, flag: 'distributor.ingester-addresses' | 'querier.ingester-addresses' | 'query-frontend.querier-addresses', what: string): Peers {
  const entries = ctx.cfg[flag];
  if (entries.length === 0) throw new Error(`--${flag} must list at least one ${what} (host:port of its internal API, or dns+name:port)`);
  const list = new AddressList(entries, { flag, refreshMs: ctx.cfg['internal.dns-refresh-period'], resolve: ctx.hooks.resolve, log: ctx.log.child({ module: 'discovery' }) });
  return new Peers(list, { maxMessageBytes: ctx.cfg['internal.max-message-bytes'] });
}

function lifecycle(peers: Peers): Required<Pick<ModuleInstance, 'start' | 'stop'>> {
  return { start: () => peers.list.start(), stop: async () => peers.close() };
}

const host = (cfg: Config, address: string) => address || cfg['server.http-listen-address'];

export const MODULES: ModuleDefs = {
  // Per-tenant limits (--overrides.file, reloaded when it changes) over the flags' defaults; one per process.
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
      if (faultsOf(config)) ctx.log.warn({ [FAULTS_ENV]: process.env[FAULTS_ENV] }, 'object store fault injection is on: storage operations fail on purpose (for tests only)');
      const metrics: ObjectStoreMetricsSink = {
        observe(op, outcome, n, secs) {
          requests.inc({ op, outcome });
          if (n > 0) bytes.inc({ op }, n);
          seconds.observe({ op }, secs);
        },
      };
      const store = createObjectStore(config, {
        cacheable: isCacheableBlockObject,
        metrics,
        onRetry: (e) => ctx.log.warn({ op: e.op, key: e.key, attempt: e.attempt, err: e.error }, 'object store request failed; retrying'),
      });
      return { store, config, metrics } satisfies StoreModule;
    },
  },

  // The block list the frontend splits queries over (in one process, the ingester adds its blocks at once).
  blocks: {
    deps: () => ['store'],
    async init(ctx) {
      // In one process the querier reads through the catalog's readers (the metadata it prefetched), so it counts their damage.
      const damaged = ctx.metrics.counter('spanbase_block_damage_total', 'Damaged parts of blocks found by this process, each counted once, by what readers do instead (bloom-skipped, index-rebuilt, statistics-skipped, tags-skipped, dependencies-skipped, row-group-lost, block-unreadable).', ['fallback']);
      const catalog = new BlockCatalog({ store: ctx.get('store').store, pollMs: ctx.cfg['storage.blocklist-poll'], log: ctx.log.child({ module: 'blocklist' }), onDamage: (d) => damaged.inc({ fallback: d.fallback }), metadataCacheBytes: ctx.cfg['query.metadata-cache-bytes'] });
      ctx.metrics.gauge('spanbase_blocklist_blocks', 'Blocks known to this process, by tenant.', ['tenant']).collect(() => catalog.tenantIds().map((t) => [{ tenant: t }, catalog.blocks(t).length] as [Record<string, string>, number]));
      // By compaction level: level 0 is what ingesters flushed and no merge has taken yet, the
      // compactor's backlog; it should stay flat under steady ingest.
      const byLevel = (value: (m: BlockMeta) => number) => () =>
        catalog.tenantIds().flatMap((t) => {
          const sums = new Map<number, number>();
          for (const m of catalog.blocks(t)) sums.set(m.compactionLevel, (sums.get(m.compactionLevel) ?? 0) + value(m));
          return [...sums].map(([level, v]) => [{ tenant: t, level: String(level) }, v] as [Record<string, string>, number]);
        });
      ctx.metrics.gauge('spanbase_blocklist_level_blocks', 'Blocks known to this process, by tenant and compaction level (0: not merged yet).', ['tenant', 'level']).collect(byLevel(() => 1));
      ctx.metrics.gauge('spanbase_blocklist_level_bytes', 'Bytes of data.parquet of the blocks known to this process, by tenant and compaction level.', ['tenant', 'level']).collect(byLevel((m) => m.size));
      return { catalog, start: () => catalog.start(), stop: async () => catalog.stop() };
    },
  },

  internal: {
    deps: () => [],
    async init(ctx) {
      const cfg = ctx.cfg;
      if (cfg.target === 'all') return { server: undefined, port: () => undefined };
      const log = ctx.log.child({ module: 'internal' });
      const server = new InternalServer({ maxMessageBytes: cfg['internal.max-message-bytes'], log });
      let bound: number | undefined;
      return {
        server,
        port: () => bound,
        async start() {
          bound = await server.listen(host(cfg, cfg['internal.listen-address']), cfg['internal.listen-port']);
          log.info({ port: bound, services: server.serviceNames }, 'internal API listening');
        },
        stop: () => server.close(),
      };
    },
  },

  ingester: {
    deps: (target) => (target === 'all' ? ['store', 'blocks', 'overrides'] : ['store', 'internal', 'overrides']),
    async init(ctx) {
      const catalog = ctx.cfg.target === 'all' ? ctx.get('blocks').catalog : undefined;
      const store = ctx.get('store');
      return createIngester(ctx.cfg, {
        overrides: ctx.get('overrides').overrides,
        store: store.store,
        storeConfig: store.config,
        storeMetrics: store.metrics,
        metrics: ctx.metrics,
        log: ctx.log,
        onFlushed: catalog && ((tenant, meta) => catalog.add(tenant, meta)),
        server: ctx.cfg.target === 'all' ? undefined : ctx.get('internal').server,
      });
    },
  },

  'ingester-client': {
    deps: (target) => (target === 'all' ? ['ingester'] : []),
    async init(ctx) {
      // In one process the distributor calls the ingester directly; apart, over the internal API.
      if (ctx.cfg.target === 'all') return { client: ctx.get('ingester').ingester };
      const peers = peersOf(ctx, 'distributor.ingester-addresses', 'ingester');
      return { client: new RemoteIngesters(peers, ctx.cfg['internal.call-timeout']), ...lifecycle(peers) };
    },
  },

  'live-data': {
    deps: (target) => (target === 'all' ? ['ingester'] : []),
    async init(ctx) {
      if (ctx.cfg.target === 'all') return { live: inProcessLive(ctx.get('ingester').ingester.live) };
      const peers = peersOf(ctx, 'querier.ingester-addresses', 'ingester');
      return { live: remoteLive(peers, ctx.cfg['query.timeout']), ...lifecycle(peers) };
    },
  },

  distributor: {
    deps: () => ['ingester-client', 'overrides'],
    async init(ctx) {
      return createDistributor(ctx.cfg, { ingesters: ctx.get('ingester-client').client, overrides: ctx.get('overrides').overrides, metrics: ctx.metrics, log: ctx.log.child({ module: 'distributor' }), zipkin: ctx.zipkin });
    },
  },

  querier: {
    deps: (target) => (target === 'all' ? ['live-data', 'store', 'blocks'] : ['live-data', 'store', 'internal']),
    async init(ctx) {
      const store = ctx.get('store');
      // In one process the querier reads blocks through the block list's readers, whose metadata
      // is prefetched as blocks appear; apart, it keeps readers of the blocks its jobs name.
      const catalog = ctx.cfg.target === 'all' ? ctx.get('blocks').catalog : undefined;
      const querier = createQuerier(ctx.cfg, {
        store: store.store,
        storeConfig: store.config,
        live: ctx.get('live-data').live,
        metrics: ctx.metrics,
        log: ctx.log.child({ module: 'querier' }),
        server: ctx.cfg.target === 'all' ? undefined : ctx.get('internal').server,
        readers: catalog,
      });
      if (catalog) {
        // The workers read new blocks' metadata too, and the first one warms the search path.
        let warmed = false;
        catalog.onPrefetch(async (meta) => {
          if (!warmed) {
            warmed = true;
            await warmSearchPath(catalog.reader(meta));
          }
          await querier.pool.prefetch(meta);
        });
      }
      return querier;
    },
  },

  'query-frontend': {
    deps: (target) => (target === 'all' ? ['blocks', 'overrides', 'querier'] : ['blocks', 'overrides']),
    async init(ctx) {
      const cfg = ctx.cfg;
      const catalog = ctx.get('blocks').catalog;
      // Operators' usage report (reads blocks in a thread of its own), served beside the query API.
      registerUsageRoute(ctx.api, { store: storageSettings(cfg), overrides: ctx.get('overrides').overrides, multitenancy: cfg['multitenancy.enabled'] });
      const common = { api: ctx.api, jaeger: ctx.jaeger, zipkin: ctx.zipkin, blocks: (tenant: string) => catalog.blocks(tenant), accounted: (tenant: string) => catalog.accounted(tenant), overrides: ctx.get('overrides').overrides, metrics: ctx.metrics, log: ctx.log.child({ module: 'query-frontend' }) };
      // Once the first block list is read and its metadata prefetched, in the background.
      const warmUp = (frontend: QueryFrontend) => {
        if (!cfg['query.warm-up']) return;
        void catalog.prefetchDone().then(async () => {
          const target = warmUpTarget(catalog.tenantIds().flatMap((t) => catalog.blocks(t)), Date.now(), cfg['multitenancy.enabled'] ? undefined : SINGLE_TENANT);
          if (!target) return;
          const r = await frontend.warmUp(target);
          common.log.info({ ...r, ms: Math.round(r.ms), tenant: target.tenant }, 'query path warmed up');
        }).catch((err: unknown) => common.log.warn({ err }, 'query warm-up failed; the first queries compile the query path'));
      };
      if (cfg.target === 'all') {
        const querier = ctx.get('querier');
        const frontend = createQueryFrontend(cfg, { ...common, queriers: localQuerier(querier.jobs, querier.slots), queriersFlag: 'the querier in this process' });
        return { frontend, start: async () => warmUp(frontend), stop: () => frontend.close() };
      }
      const peers = peersOf(ctx, 'query-frontend.querier-addresses', 'querier');
      const queriers = remoteQueriers(peers, { slots: cfg['query-frontend.max-jobs-per-querier'], timeoutMs: cfg['query.timeout'] });
      const frontend = createQueryFrontend(cfg, { ...common, queriers, queriersFlag: '--query-frontend.querier-addresses' });
      const peerLife = lifecycle(peers);
      return { frontend, start: async () => {
        await peerLife.start();
        warmUp(frontend);
      }, stop: async () => {
        await peerLife.stop();
        await frontend.close();
      } };
    },
  },

  // Compaction and retention: merges, rewrites and expires blocks every --compaction.cycle.
  compactor: {
    deps: () => ['overrides'],
    async init(ctx) {
      const { compactor } = compactorFromConfig(ctx.cfg, { log: ctx.log.child({ module: 'compactor' }), metrics: metricsSinkFor(ctx.metrics), overrides: ctx.get('overrides').overrides });
      return { compactor, start: async () => compactor.start(), stop: () => compactor.stop() };
    },
  },
};
