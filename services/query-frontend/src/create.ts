// The query-frontend role from the flags: it serves the public query API (Grafana points here),
// admits each query under the per-tenant and global limits, bounds it, splits it into jobs over
// the block list and live data, runs them on the queriers (in this process, or others over the
// internal API) and merges their answers.
// Design note: docs/design/2026-12 Cluster mode.md.
import type { BlockMeta } from '@spanbase/block';
import type { Config } from '@spanbase/config';
import { isDamageError } from '@spanbase/block';
import type { Overrides } from '@spanbase/overrides';
import type { FastifyInstance, Logger, MetricsRegistry } from '@spanbase/server';
import { QueryAdmission } from './admission.ts';
import { AnswerPool } from './answers/answer-pool.ts';
import { jobSources } from './job-sources.ts';
import { registerMetricsRoutes } from './metrics/metrics-routes.ts';
import type { QuerierSet } from './queriers.ts';
import { JobScheduler } from './scheduler.ts';
import { registerSearchRoutes } from './search/search-routes.ts';
import { warmUpQueries } from './warm-up.ts';
import type { WarmUpReport, WarmUpTarget } from './warm-up.ts';
import { registerTagsRoutes } from './tags/tags-routes.ts';
import { registerTraceRoutes } from './trace-routes.ts';
import { injectTempoApi } from './compat/tempo-api.ts';
import { registerJaegerRoutes } from './jaeger/jaeger-routes.ts';
import { registerZipkinRoutes } from './zipkin/zipkin-routes.ts';
import { dependencyQuery, registerDependenciesRoutes } from './dependencies/dependencies-routes.ts';
import type { DependencyQuery } from './dependencies/dependencies-routes.ts';
import { dependencySources } from './dependencies/dependency-sources.ts';

/** What the frontend role is given. */
export interface QueryFrontendDeps {
  /** The public API app its routes go on. */
  api: FastifyInstance;
  /** The tenant's blocks, as the block list knows them now. */
  blocks(tenant: string): BlockMeta[];
  /** Ids of the blocks the list accounts for (listed, compacted, or replaced by one it lists). */
  accounted(tenant: string): ReadonlySet<string>;
  /** The queriers that run its jobs. */
  queriers: QuerierSet;
  /** The flag the queriers come from (for messages). */
  queriersFlag: string;
  /** Per-tenant query limits. */
  overrides: Pick<Overrides, 'forTenant'>;
  metrics: MetricsRegistry;
  log: Logger;
  /** The Jaeger port's app, which Jaeger's query API goes on (the caller listens). */
  jaeger?: FastifyInstance;
  /** The Zipkin port's app, which Zipkin's query API goes on. */
  zipkin?: FastifyInstance;
  /** Threads that build answers (default 1; 0 builds them on the main thread, for tests). */
  answerWorkers?: number;
}

/** The running frontend. */
export interface QueryFrontend {
  scheduler: JobScheduler;
  admission: QueryAdmission;
  /** The service dependency graph of a tenant over a range (for the Jaeger and Zipkin dependency routes). */
  dependencies: DependencyQuery;
  /**
   * Sends the process's own routes the warm-up requests over `target` (see warm-up.ts): once,
   * after a start, so the first user query finds the query path compiled.
   */
  warmUp(target: WarmUpTarget): Promise<WarmUpReport>;
  /** Stops the answer workers. */
  close(): Promise<void>;
}

/** Registers the query API on `deps.api`. */
export function createQueryFrontend(cfg: Config, deps: QueryFrontendDeps): QueryFrontend {
  const { metrics: m, log, overrides } = deps;
  const retries = m.counter('spanbase_query_frontend_retries_total', 'Jobs run again on another querier after one failed (unreachable, killed mid-job, or failing).');
  const scheduler = new JobScheduler({
    queriers: deps.queriers,
    flag: deps.queriersFlag,
    maxRetries: cfg['query-frontend.max-retries'],
    onRetry: (querier, err) => {
      retries.inc();
      log.warn({ querier, err }, 'job failed on a querier; trying another');
    },
  });
  m.gauge('spanbase_query_frontend_jobs', 'Query jobs waiting in the frontend\'s queue and running on queriers.', ['state']).collect(() => {
    const st = scheduler.stats();
    return [[{ state: 'queued' }, st.queued], [{ state: 'running' }, st.running]];
  });
  m.gauge('spanbase_query_frontend_queriers', 'Queriers the frontend sends jobs to.').collect(() => [[{}, deps.queriers().length]]);
  const rejected = m.counter('spanbase_query_rejected_total', 'Queries refused with 429: the queue was full or the wait too long.');
  const admission = new QueryAdmission(
    {
      maxConcurrent: cfg['query.max-concurrent'],
      perTenant: (tenant) => overrides.forTenant(tenant).maxConcurrentQueries,
      maxQueued: cfg['query.max-queued'],
      queueTimeoutMs: cfg['query.queue-timeout'],
    },
    () => rejected.inc(),
  );
  m.gauge('spanbase_query_admission', 'Queries admitted and running, and waiting for a turn.', ['state']).collect(() => {
    const st = admission.stats();
    return [[{ state: 'running' }, st.running], [{ state: 'queued' }, st.queued]];
  });
  const sourceOptions = { scheduler, blocks: deps.blocks, accounted: deps.accounted, targetBytes: cfg['query-frontend.target-bytes-per-job'] };
  const sources = jobSources(sourceOptions);
  const parallelism = () => scheduler.capacity();
  const failures = m.counter('spanbase_querier_source_failures_total', 'Search sources (blocks, ingesters) that failed and were left out of a result.');
  const unreadable = m.counter('spanbase_querier_blocks_skipped_total', 'Blocks a query skipped, wholly or in part (damaged row groups), because they could not be read (checksum mismatch, missing object), by reason.', ['reason']);
  // A damaged block is logged once where the damage is found; each answer it leaves partial is counted.
  const sourceFailed = (kind: string) => (source: string, err: unknown) => {
    failures.inc();
    if (!isDamageError(err)) return log.warn({ source, err }, `${kind} source failed; the result is partial`);
    unreadable.inc({ reason: (err as { code: string }).code });
    log.debug({ source, err }, `${kind} source damaged; the result is partial`);
  };
  const answerReplaced = m.counter('spanbase_query_answer_workers_replaced_total', 'Answer workers replaced (stuck on a cancelled answer, out of memory, or dead).');
  const parts = m.counter('spanbase_query_metrics_partials_total', 'Metrics partials (one per query job) merged on the answer worker, by route: direct (posted there by the query or live-query worker) or main-thread (received and handed over by the main thread: from queriers or ingesters in other processes).', ['route']);
  const answers = new AnswerPool({
    workers: deps.answerWorkers ?? 1,
    onPart: (route) => parts.inc({ route }),
    onReplace: (reason) => {
      answerReplaced.inc();
      log.warn({ reason }, 'answer worker replaced');
    },
  });
  const multitenancy = cfg['multitenancy.enabled'];
  const timeoutMs = cfg['query.timeout'];
  registerTraceRoutes(deps.api, { sources: sources.traces, multitenancy, maxBytesPerTrace: (tenant) => overrides.forTenant(tenant).maxBytesPerTrace, timeoutMs });
  registerSearchRoutes(deps.api, {
    sources: sources.search,
    multitenancy,
    limits: { defaultLimit: cfg['query.default-limit'], maxLimit: cfg['query.max-limit'], defaultSpss: cfg['query.default-spans-per-spanset'], maxSpss: cfg['query.max-spans-per-spanset'], defaultLookbackMs: cfg['query.default-lookback'], timeRangeSlackMs: cfg['ingestion.time-range-slack'], maxQueryBytes: cfg['query.max-query-bytes'], now: Date.now },
    admission,
    answers,
    parallelism,
    timeoutMs,
    maxResponseBytes: cfg['query.max-response-bytes'],
    onSourceFailure: sourceFailed('search'),
  });
  registerTagsRoutes(deps.api, {
    tagsSources: async (tenant, range) => sources.tags(tenant, range),
    searchSources: sources.search,
    admission,
    parallelism,
    maxResponseBytes: cfg['query.max-response-bytes'],
    multitenancy,
    defaultLookbackMs: cfg['query.default-lookback'],
    timeoutMs,
    now: Date.now,
  });
  registerMetricsRoutes(deps.api, {
    sources: sources.metrics,
    multitenancy,
    limits: { maxRangeMs: cfg['query.max-metrics-range'], maxQueryBytes: cfg['query.max-query-bytes'], now: Date.now },
    maxExemplars: cfg['query.max-exemplars'],
    maxSeries: cfg['query.max-series'],
    maxResponseBytes: cfg['query.max-response-bytes'],
    admission,
    answers,
    parallelism,
    timeoutMs,
    onSourceFailure: sourceFailed('metrics'),
  });
  // The service graph, from per-block summaries and live data; served on our API and, in
  // Jaeger's and Zipkin's shapes, on their ports.
  const dependencies = dependencyQuery((tenant, range, failed) => dependencySources(sourceOptions, tenant, range, failed));
  registerDependenciesRoutes(deps.api, { query: dependencies, multitenancy, defaultLookbackMs: cfg['query.default-lookback'], timeoutMs, now: Date.now });
  // Jaeger's and Zipkin's APIs are translations onto the routes above, so they are admitted,
  // bounded and split into jobs exactly as Tempo's API is.
  const tempo = injectTempoApi(deps.api);
  if (deps.jaeger) registerJaegerRoutes(deps.jaeger, { tempo, defaultLimit: 100, operationsSampleTraces: Math.min(1000, cfg['query.max-limit']), now: Date.now, multitenancy, dependencies, timeoutMs });
  if (deps.zipkin) registerZipkinRoutes(deps.zipkin, { tempo, now: Date.now, multitenancy, dependencies, timeoutMs });
  let closed = false;
  return {
    scheduler,
    admission,
    dependencies,
    warmUp: (target) => warmUpQueries(tempo, target, multitenancy, () => closed),
    close: () => {
      closed = true;
      return answers.close();
    },
  };
}
