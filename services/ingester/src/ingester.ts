// The ingester: makes accepted spans durable (WAL) before acknowledging them, keeps them
// queryable in memory, and (with a block sink) moves idle traces into blocks in the object
// store, releasing WAL records only once the block is durable.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { scanExportRequest, shareScan } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';
import { faultPoint } from '@spanbase/model';
import { Wal, isFlushed } from '@spanbase/wal';
import type { CreateSegmentFile, FsyncPolicy, RecordRef, ReplayStats } from '@spanbase/wal';
import type { Logger } from '@spanbase/server';
import { formatBytes } from '@spanbase/config';
import { Chunk } from './chunk.ts';
import { IngesterUnavailable, LiveBytesExceeded, MemoryBudgetExceeded } from './errors.ts';
import { MemoryPressure } from './memory-pressure.ts';
import type { MemoryBudget } from './memory-pressure.ts';
import type { LiveTrace } from './live-trace.ts';
import { TenantStore } from './tenant-store.ts';
import type { HeadBatch } from './tenant-store.ts';
import type { BlockSink, FlushedBlock } from './block-sink.ts';
import { flushBatchSteps, tracesOutside } from './flush-batch.ts';
import { flushMarkerSteps } from './flush-marker.ts';
import { TRACES_PER_STEP, stepwise } from './stepwise.ts';
import { InlineLiveQueries, WorkerLiveQueries } from './live/live-queries.ts';
import type { LiveFeed, LiveQueries } from './live/live-queries.ts';
import { liveTenantState } from './live/live-state.ts';
import { bytesToHex } from '@spanbase/model';
import type { SamplingPolicy } from '@spanbase/overrides';
import { DecisionCache } from './sampling/decision-cache.ts';
import { DecisionLog } from './sampling/decision-log.ts';
import type { BatchSampling, TraceOutcome } from './sampling/sample-batch.ts';

/** Ingester settings (from the `ingester.*` and `wal.*` flags). */
export interface IngesterOptions {
  walDir: string;
  walFsync: FsyncPolicy;
  walFsyncIntervalMs: number;
  walSegmentBytes: number;
  /** Creates WAL segment files; fault tests inject a failing disk here. Default: real files. */
  walCreateFile?: CreateSegmentFile;
  /** Memory for chunks not yet released; past it pushes get 429. */
  maxLiveBytes: number;
  /** --memory.budget: past it pushes get 429, and near it head blocks are cut early. */
  memoryBudget?: MemoryBudget;
  /** Called when a head block is cut early because memory is short (see MemoryPressure). */
  onPressureFlush?: (tenant: string) => void;
  /** A trace idle this long is sealed into the head block. */
  traceIdlePeriodMs: number;
  /** The head block is cut after this long... */
  maxBlockDurationMs: number;
  /** ...or when its spans reach this many bytes. */
  maxBlockBytes: number;
  /** How often idle traces and head blocks are checked. */
  flushCheckPeriodMs: number;
  /**
   * After a failed flush, how long before the next attempt: `baseMs` doubling per failure in a
   * row up to `maxMs`, each wait drawn within 25% of that (default 1 s to 1 min).
   */
  flushRetry?: { baseMs: number; maxMs: number };
  /**
   * --ingestion.time-range-slack: a block's recorded time range is bounded by its requests'
   * receive times plus or minus this (see TimeBounds). Absent: the spans' own times (tests).
   */
  timeRangeSlackMs?: number;
  /** Called when a head block could not be written (it is retried after a backoff). */
  onFlushFailed?: (tenant: string) => void;
  /** Called after a flush with the number of its traces that had span times outside the block's bounds. */
  onOutsideTimeBounds?: (tenant: string, traces: number) => void;
  /** Where head blocks go; without one, traces stay in memory (and the WAL) until restart. */
  sink?: BlockSink;
  /** Called once a block is durable, before its traces leave memory (register it for queries here). */
  onFlushed?: (tenant: string, block: FlushedBlock) => void;
  logger: Logger;
  /** Clock, injectable for tests. */
  now?: () => number;
  /**
   * Whether a block exists in the object store: WAL replay skips the spans of blocks that were
   * finished before a crash (see the WAL's flush markers). Without it every record replays whole.
   */
  blockExists?: (tenant: string, blockId: string) => Promise<boolean>;
  /**
   * Where queries over memory run: a worker thread (the default, so no query delays ingest), or
   * this thread (tests). Worker settings: grace for a cancelled query, heap limit in MiB, queries at once.
   */
  liveQueries?: { thread: 'worker'; abortGraceMs: number; memoryMb: number; slots: number; onReplace?: (reason: string) => void } | { thread: 'inline' };
  /** Tail sampling: which traces of a head block are written (see docs/sampling.md). Absent: all are. */
  sampling?: IngesterSampling;
}

/** Tail-sampling settings of the ingester. */
export interface IngesterSampling {
  /** The tenant's current policy (--sampling.* and the overrides file). */
  policy: (tenant: string) => SamplingPolicy;
  /** Decisions remembered for late spans (--sampling.decision-cache-size). */
  decisionCacheSize: number;
  /** Told how each trace of a written batch was decided (for metrics). */
  onOutcomes?: (tenant: string, outcomes: readonly TraceOutcome[]) => void;
}

/** The wait before the flush after `failures` failed ones in a row, ms. */
export function flushRetryDelay(failures: number, o: { baseMs: number; maxMs: number } = { baseMs: 1000, maxMs: 60_000 }, random = Math.random): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(30, failures - 1));
  return Math.round(ceiling * (0.75 + 0.5 * random()));
}

/** What a push accepted. */
export interface PushResult {
  /** Spans accepted. */
  accepted: number;
}

/** The ingest side of a tenant's data. */
export class Ingester {
  private readonly opts: IngesterOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Queries over what is in memory (search, metrics, trace by id, tags), kept in step with it. */
  readonly live: LiveQueries;
  private readonly feed: LiveFeed;
  private wal!: Wal;
  private readonly tenants = new Map<string, TenantStore>();
  private liveBytes = 0;
  private readonly pressure: MemoryPressure;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private flushFailures = 0;
  /** After failed flushes: no block is written before this time (unix ms). */
  private flushRetryAtMs = 0;
  /** Blocks written, spans flushed and flush failures, for metrics. */
  readonly flushStats = { blocks: 0, spans: 0, failures: 0 };
  /** What the WAL replay at start found (records replayed, damaged bytes skipped, tails cut), for metrics. */
  replayStats!: ReplayStats;
  /** Sampling decisions made, for spans that arrive after their trace was decided. */
  readonly decisions: DecisionCache;
  /** The decisions saved beside the WAL, read back at start (with sampling only). */
  private readonly decisionLog: DecisionLog | undefined;

  private constructor(opts: IngesterOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.pressure = new MemoryPressure(opts.memoryBudget, opts.maxLiveBytes, this.now);
    const lq = opts.liveQueries ?? { thread: 'worker', abortGraceMs: 2000, memoryMb: 0, slots: 4 };
    const live =
      lq.thread === 'inline'
        ? new InlineLiveQueries()
        : new WorkerLiveQueries({ ...lq, snapshot: () => [...this.tenants.values()].map((t) => liveTenantState(t.tenant, t.generations())) });
    this.live = live;
    this.feed = live;
    this.decisions = new DecisionCache(opts.sampling?.decisionCacheSize ?? 1);
    this.decisionLog = opts.sampling && new DecisionLog(join(opts.walDir, 'sampling-decisions.log'), this.decisions, opts.sampling.decisionCacheSize, opts.logger);
  }

  /** Opens the WAL and replays it, so every acknowledged span is in memory before serving. */
  static async start(opts: IngesterOptions): Promise<Ingester> {
    const ing = new Ingester(opts);
    ing.wal = await Wal.open({
      dir: opts.walDir,
      fsync: opts.walFsync,
      fsyncIntervalMs: opts.walFsyncIntervalMs,
      segmentBytes: opts.walSegmentBytes,
      createFile: opts.walCreateFile,
      warn: (msg, fields) => ing.log.warn(fields ?? {}, msg),
    });
    // Before the replay: replayed late spans follow the decisions made before the restart.
    const decisions = await ing.decisionLog?.load();
    if (decisions) ing.log.info({ decisions }, 'sampling decisions loaded');
    const started = performance.now();
    let spans = 0;
    const undecodable = { records: 0, bytes: 0 };
    let skippedFlushed = 0;
    const stats = (ing.replayStats = await ing.wal.replay(
      (ref, record, flushed) => {
      // Replayed bodies were validated (and truncated) before they were written, and their
      // checksum matched; one that still does not decode is skipped like a damaged record
      // rather than stopping every start-up from here on.
      let scan: ScannedRequest;
      try {
        scan = scanExportRequest(record.body);
      } catch (err) {
        undecodable.records++;
        undecodable.bytes += record.body.byteLength;
        ing.log.error({ err, tenant: ref.tenant, segment: ref.segment }, 'WAL record does not decode; skipped');
        ing.wal.release(ref);
        return;
      }
      spans += scan.spanCount;
      // Spans of the record already in blocks (a flush marker says so) are not indexed again.
      const skip = flushed === undefined ? undefined : (i: number) => isFlushed(flushed, i);
      skippedFlushed += ing.index(ref.tenant, scan, ref, record.receivedAtMs, skip);
      },
      { blockExists: opts.blockExists },
    ));
    stats.skippedRecords += undecodable.records;
    stats.skippedBytes += undecodable.bytes;
    ing.ready = true;
    ing.log.info({ ...stats, spans: spans - skippedFlushed, flushedSpans: skippedFlushed, ms: Math.round(performance.now() - started) }, 'WAL replayed');
    if (opts.sink) {
      ing.timer = setInterval(() => ing.flushTick(), opts.flushCheckPeriodMs);
      ing.timer.unref();
    }
    return ing;
  }

  /** True once the WAL is replayed and until stop. */
  isReady(): boolean {
    return this.ready;
  }

  /**
   * Makes a validated request durable, then queryable; resolves when it may be acknowledged.
   * Rejects with 429 when unflushed data already fills --ingester.max-live-bytes.
   */
  async push(tenant: string, scan: ScannedRequest): Promise<PushResult> {
    if (!this.ready) throw IngesterUnavailable('the ingester is not ready (starting or stopping); retry shortly', { retryAfterSeconds: 1 });
    const budget = this.pressure.overBudget();
    if (budget !== undefined) {
      throw MemoryBudgetExceeded(`process memory is over --memory.budget=${formatBytes(budget)}; blocks are being written to free it, retry later`, { retryAfterSeconds: 2 });
    }
    if (this.liveBytes + scan.bytes.byteLength > this.opts.maxLiveBytes) {
      throw LiveBytesExceeded(`ingester memory limit reached (--ingester.max-live-bytes=${this.opts.maxLiveBytes}); retry later`, { retryAfterSeconds: 5 });
    }
    const receivedAtMs = this.now();
    const ref = await this.wal.append(tenant, scan.bytes, receivedAtMs);
    this.index(tenant, scan, ref, receivedAtMs);
    return { accepted: scan.spanCount };
  }

  /** Indexes a request's spans (but those `skip` names, already in blocks); returns how many it skipped. */
  private index(tenant: string, scan: ScannedRequest, ref: RecordRef, receivedAtMs: number, skip?: (i: number) => boolean): number {
    let skipped = 0;
    if (skip) for (let i = 0; i < scan.spanCount; i++) if (skip(i)) skipped++;
    if (scan.spanCount - skipped === 0) {
      this.wal.release(ref);
      return skipped;
    }
    // In shared memory, the live-query worker and the block writer read the request where it is.
    const chunk = new Chunk(shareScan(scan), ref, receivedAtMs);
    chunk.pending -= skipped;
    this.liveBytes += chunk.bytes;
    const gens = new Float64Array(scan.spanCount);
    this.tenant(tenant).add(chunk, receivedAtMs, gens, skip);
    this.feed.added(tenant, chunk.scan, gens);
    return skipped;
  }

  private tenant(tenant: string): TenantStore {
    let t = this.tenants.get(tenant);
    if (!t) {
      t = new TenantStore(tenant);
      this.tenants.set(tenant, t);
    }
    return t;
  }

  /**
   * One round of the flush loop: seal idle traces, and cut and write head blocks that are old or
   * big enough. One flush runs at a time, which bounds the memory and CPU flushing takes. After
   * a failure no block is written until the backoff has passed (unless forced), so a store that
   * is down is not asked again every tick; acknowledged data waits in memory and the WAL.
   */
  flushTick(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    const now = this.now();
    // Short of memory: every trace is sealed and every head written now (traces cut in two are
    // joined again by compaction), since only a written block frees memory.
    const pressured = !force && this.pressure.pressured(this.liveBytes);
    const isDue = (t: TenantStore, at: number): boolean =>
      t.head.length > 0 && (force || pressured || t.headBytes >= this.opts.maxBlockBytes || at - t.headStartedMs >= this.opts.maxBlockDurationMs);
    const work = async (): Promise<void> => {
      // The first tenant's first step runs before flushTick returns: a small live set is sealed at once.
      for (const t of [...this.tenants.values()]) await stepwise(t.sealIdleSteps(now - this.opts.traceIdlePeriodMs, now, force || pressured));
      if (!force && now < this.flushRetryAtMs) return;
      const due = [...this.tenants.values()].filter((t) => isDue(t, now));
      if (pressured) for (const t of due) this.opts.onPressureFlush?.(t.tenant);
      if (!this.opts.sink) return;
      for (const t of due) {
        // No trace is sealed while a flush runs, so after a burst (or a slow store) the head can
        // hold many times --ingester.max-block-bytes. It is written as blocks of about that size,
        // oldest traces first: each block's memory and WAL records are let go as soon as it is
        // stored, and the block writer never holds more than one block's columns. A stopping
        // ingester leaves the rest to WAL replay.
        do {
          const batch = t.cutHead(this.opts.maxBlockBytes);
          if (!batch || !(await this.flushBatch(t, batch))) break;
        } while (this.ready && isDue(t, this.now()));
      }
    };
    this.flushing = work().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Seals every trace and writes every head block now (tests, operator flush). */
  async flushAll(): Promise<void> {
    await this.flushing;
    await this.flushTick(true);
  }

  /** Writes one cut of a head block; false when the write failed (the batch is back in the head). */
  private async flushBatch(tenant: TenantStore, batch: HeadBatch): Promise<boolean> {
    const started = performance.now();
    // The batch and its marker are built in steps, between which acknowledgements go out.
    const fb = await stepwise(flushBatchSteps(tenant.tenant, batch.traces, this.opts.timeRangeSlackMs));
    fb.blockId = randomUUID();
    fb.sampling = this.batchSampling(tenant.tenant, batch.traces);
    try {
      // Which spans the block will hold, so that if it exists after a crash they are not replayed.
      await this.wal.markFlushing(tenant.tenant, fb.blockId, await stepwise(flushMarkerSteps(batch.traces)));
      const block = await this.opts.sink!.write(fb);
      if (block.lostReply) this.log.warn({ tenant: tenant.tenant, block: block.blockId, err: block.lostReply }, 'the object store reported an error writing a block that it did store whole; the block is kept, not written again');
      await faultPoint('flush-after-meta');
      // Register the block for queries before the traces leave memory: no window where a
      // trace is in neither place. A batch sampling dropped whole has no block.
      if (block.blockId !== undefined) this.opts.onFlushed?.(tenant.tenant, block);
      if (block.outcomes) this.remember(tenant.tenant, block.outcomes);
      // In the same turn as the block is listed, live queries stop counting its traces; the
      // memory and WAL records they hold are then let go in steps.
      this.feed.dropped(tenant.tenant, Float64Array.from(batch.traces, (t) => t.genId));
      for (const t of batch.traces) t.state = 'flushed';
      await stepwise(tenant.forgetSteps(batch));
      await stepwise(this.releaseSteps(batch.traces));
      this.flushFailures = 0;
      this.flushRetryAtMs = 0;
      this.flushStats.blocks++;
      this.flushStats.spans += fb.spanCount;
      const outside = fb.timeBounds ? tracesOutside(batch.traces, fb.timeBounds) : 0;
      if (outside > 0) this.opts.onOutsideTimeBounds?.(tenant.tenant, outside);
      const dropped = block.outcomes ? block.outcomes.filter((o) => !o.keep).length : 0;
      this.log.info({ tenant: tenant.tenant, block: block.blockId ?? null, traces: fb.traceStarts.length - 1, spans: fb.spanCount, sampledOut: dropped, ms: Math.round(performance.now() - started) }, block.blockId ? 'block flushed' : 'head block sampled out whole; no block written');
      return true;
    } catch (err) {
      this.flushFailures++;
      this.flushStats.failures++;
      tenant.requeue(batch);
      const retryInMs = flushRetryDelay(this.flushFailures, this.opts.flushRetry);
      this.flushRetryAtMs = this.now() + retryInMs;
      this.opts.onFlushFailed?.(tenant.tenant);
      this.log.error({ err, tenant: tenant.tenant, failures: this.flushFailures, retryInMs }, 'block flush failed; the traces stay in memory and the WAL, and will be retried');
      return false;
    }
  }

  /**
   * What the batch's sampling needs: the tenant's policy, and the decisions already made for its
   * traces (late spans follow them). Undefined when the policy keeps everything and no trace of
   * the batch was decided before.
   */
  private batchSampling(tenant: string, traces: readonly LiveTrace[]): BatchSampling | undefined {
    const s = this.opts.sampling;
    if (!s) return undefined;
    const policy = s.policy(tenant);
    const earlier = traces.map((t) => (this.decisions.size === 0 ? undefined : this.decisions.get(tenant, bytesToHex(t.traceId))));
    if (!policy.active && earlier.every((d) => d === undefined)) return undefined;
    return { spec: { keep: policy.keep.map((r) => r.text), drop: policy.drop.map((r) => r.text), defaultRatio: policy.defaultRatio }, earlier };
  }

  /** Remembers a written batch's decisions and reports them. */
  private remember(tenant: string, outcomes: readonly TraceOutcome[]): void {
    for (const o of outcomes) this.decisions.set(tenant, o.id, { keep: o.keep, rule: o.rule, th: o.th });
    void this.decisionLog?.append(outcomes.map((o) => [tenant, o.id, { keep: o.keep, rule: o.rule, th: o.th }]));
    this.opts.sampling?.onOutcomes?.(tenant, outcomes);
  }

  /** Marks spans of flushed traces durable, in steps: frees chunks and releases WAL records. */
  private *releaseSteps(traces: readonly LiveTrace[]): Generator<void, void> {
    let n = 0;
    for (const t of traces) {
      if (++n % TRACES_PER_STEP === 0) yield;
      for (const chunk of t.chunks) {
        chunk.pending--;
        if (chunk.pending === 0) {
          this.liveBytes -= chunk.bytes;
          if (chunk.ref) this.wal.release(chunk.ref);
        }
      }
    }
  }

  /** Tenants with data in memory. */
  tenantStores(): IterableIterator<TenantStore> {
    return this.tenants.values();
  }

  /** Bytes of requests held in memory. */
  get memoryBytes(): number {
    return this.liveBytes;
  }

  /** WAL segments and bytes per tenant. */
  walStats(): { tenant: string; segments: number; bytes: number }[] {
    return this.wal.stats();
  }

  /** Stops accepting, finishes WAL writes and closes it. Unflushed data replays on next start. */
  async stop(): Promise<void> {
    this.ready = false;
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
    await this.decisionLog?.flushed();
    await this.wal.close();
    await this.opts.sink?.close();
    await this.feed.close();
  }
}
