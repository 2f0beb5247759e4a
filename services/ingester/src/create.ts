// The ingester role from the flags: WAL, live data and its query worker, the block writer, and
// the metrics it reports. The binary composes it with the rest; in one process it shares the
// block list (a flushed block is queryable at once), apart it remembers its recent blocks and
// serves distributors and queriers on the internal listener.
import type { ObjectStore, ObjectStoreConfig, ObjectStoreMetricsSink } from '@spanbase/backend';
import { BlockObjects, blockKey, parseBlockMeta } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import type { Config } from '@spanbase/config';
import type { InternalServer } from '@spanbase/internal-api';
import type { Overrides } from '@spanbase/overrides';
import { BlockCatalog } from '@spanbase/query';
import type { Logger, MetricsRegistry } from '@spanbase/server';
import { Ingester } from './ingester.ts';
import type { IngesterSampling } from './ingester.ts';
import { serveIngester } from './internal-api.ts';
import { recentBlocks } from './recent-blocks.ts';
import { WorkerBlockSink } from './worker-sink.ts';

/** What the ingester role is given. */
export interface IngesterDeps {
  /** The object store (reads: block existence at replay, recent blocks). */
  store: ObjectStore;
  /** Its settings, for the block writer's thread (which builds its own store, without the read cache). */
  storeConfig: ObjectStoreConfig;
  /** Where the block writer's thread counts its store requests (the store module's metrics). */
  storeMetrics?: ObjectStoreMetricsSink;
  metrics: MetricsRegistry;
  log: Logger;
  /** In one process: told of each flushed block before its traces leave memory (the shared block list). */
  onFlushed?: (tenant: string, meta: BlockMeta) => void;
  /** Apart: the internal listener to serve distributors and queriers on. */
  server?: InternalServer;
  /** Per-tenant settings; the sampling policy comes from here (the flags alone without it). */
  overrides?: Overrides;
}

/** The running ingester role. */
export interface IngesterRole {
  ingester: Ingester;
  /** False while the WAL replays or the ingester stops. */
  ready(): boolean;
  stop(): Promise<void>;
}

/**
 * Whether a block exists, for WAL replay. A store that fails one check (after its retries) is
 * not asked again during this start-up: the WAL replays the spans of every block it cannot
 * confirm (at worst they are stored twice, and compaction merges the copies), and an outage
 * then costs one failed check rather than one per flushed block before the ingester is ready.
 */
function blockExistsOnce(store: ObjectStore): (tenant: string, id: string) => Promise<boolean> {
  let down: unknown;
  return async (tenant, id) => {
    if (down) throw down;
    try {
      return (await store.head(blockKey(tenant, id, BlockObjects.meta))) !== undefined || (await store.head(blockKey(tenant, id, BlockObjects.compactedMeta))) !== undefined;
    } catch (err) {
      down = err;
      throw err;
    }
  };
}

/** Tail sampling from the overrides, counting every decision by tenant and rule. */
function samplingOf(cfg: Config, overrides: Overrides, m: MetricsRegistry): IngesterSampling {
  const traces = m.counter('spanbase_sampling_traces_total', 'Traces tail sampling decided when writing head blocks, by tenant, decision (kept, dropped) and the rule that decided (as written, or "default" for --sampling.default-ratio). A dropped trace is policy, not loss: its spans were acknowledged and are left out of blocks on purpose.', ['tenant', 'decision', 'rule']);
  const spans = m.counter('spanbase_sampling_spans_total', 'Spans of those traces, by tenant, decision and rule; spans that arrived after their trace was decided count under its rule.', ['tenant', 'decision', 'rule']);
  return {
    policy: (tenant) => overrides.sampling(tenant),
    decisionCacheSize: cfg['sampling.decision-cache-size'],
    onOutcomes: (tenant, outcomes) => {
      for (const o of outcomes) {
        const labels = { tenant, decision: o.keep ? 'kept' : 'dropped', rule: o.rule };
        if (!o.late) traces.inc(labels);
        spans.inc(labels, o.spans);
      }
    },
  };
}

/** Starts the ingester (replays the WAL before it resolves). */
export async function createIngester(cfg: Config, deps: IngesterDeps): Promise<IngesterRole> {
  const { store, metrics: m, log } = deps;
  // Apart, the ingester keeps its recent blocks (twice the poll period and a minute) and answers for them itself.
  const recent = deps.onFlushed ? undefined : new BlockCatalog({ store, pollMs: 0, localOnlyForMs: 2 * cfg['storage.blocklist-poll'] + 60_000, log });
  const outsideSlack = m.counter('spanbase_ingester_traces_outside_time_slack_total', 'Traces flushed with span times further than --ingestion.time-range-slack from when they were received, by tenant: a client clock that is off, or a pipeline delivering late.', ['tenant']);
  // The worker only writes: it gets the store settings without the read cache.
  const flushFailures = m.counter('spanbase_ingester_flush_failures_total', 'Head blocks that could not be written to the object store, by tenant: each is tried again after a backoff (1s doubling to 1m) while its data waits in memory and the WAL.', ['tenant']);
  const pressureFlushes = m.counter('spanbase_ingester_pressure_flushes_total', 'Head blocks written early because memory was short (unflushed data past half of --ingester.max-live-bytes, or the process near --memory.budget), by tenant.', ['tenant']);
  const storeMetrics = deps.storeMetrics;
  const sink = new WorkerBlockSink({ store: { ...deps.storeConfig, cache: undefined }, block: { bloomFalsePositive: cfg['block.bloom-filter-false-positive'] } }, storeMetrics && ((...o) => storeMetrics.observe(...o)));
  sink.warm();
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
    onFlushFailed: (tenant) => flushFailures.inc({ tenant }),
    memoryBudget: cfg['memory.budget'] > 0 ? { bytes: cfg['memory.budget'] } : undefined,
    onPressureFlush: (tenant) => pressureFlushes.inc({ tenant }),
    // WAL replay skips spans of blocks finished before a crash (their flush markers name them).
    blockExists: blockExistsOnce(store),
    liveQueries: {
      thread: 'worker',
      abortGraceMs: cfg['query.abort-grace'],
      memoryMb: Math.floor(cfg['query.worker-memory'] / 2 ** 20),
      slots: cfg['query.jobs-per-worker'],
      onReplace: (reason) => log.warn({ reason }, 'live-query worker replaced'),
    },
    sink,
    sampling: deps.overrides && samplingOf(cfg, deps.overrides, m),
    onFlushed: (tenant, block) => {
      const meta = parseBlockMeta(block.meta);
      deps.onFlushed?.(tenant, meta);
      recent?.add(tenant, meta);
    },
    logger: log.child({ module: 'ingester' }),
  }).catch(async (err: unknown) => {
    await sink.close(); // the warm worker would keep a process that failed to start alive
    throw err;
  });
  if (deps.server) serveIngester(deps.server, ingester, recent && recentBlocks(recent, log));
  m.gauge('spanbase_ingester_live_traces', 'Traces held in memory, by tenant.', ['tenant']).collect(() =>
    [...ingester.tenantStores()].map((t) => [{ tenant: t.tenant }, t.traceCount] as [Record<string, string>, number]),
  );
  m.gauge('spanbase_ingester_memory_bytes', 'Bytes of accepted requests held in memory until their spans are in durable blocks.').collect(() => [[{}, ingester.memoryBytes]]);
  m.gauge('spanbase_wal_segments', 'WAL segment files, by tenant.', ['tenant']).collect(() => ingester.walStats().map((s) => [{ tenant: s.tenant }, s.segments] as [Record<string, string>, number]));
  m.gauge('spanbase_wal_bytes', 'Bytes in WAL segment files, by tenant.', ['tenant']).collect(() => ingester.walStats().map((s) => [{ tenant: s.tenant }, s.bytes] as [Record<string, string>, number]));
  m.counter('spanbase_wal_replay_skipped_bytes_total', 'Bytes of damaged WAL records skipped at start-up replay (the whole records after them were replayed).').inc({}, ingester.replayStats.skippedBytes);
  m.counter('spanbase_wal_replay_skipped_records_total', 'Damaged WAL records skipped at start-up replay (each damaged stretch counts once).').inc({}, ingester.replayStats.skippedRecords);
  return { ingester, ready: () => ingester.isReady(), stop: () => ingester.stop() };
}
