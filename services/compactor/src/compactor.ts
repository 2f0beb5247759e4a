// The compactor: every --compaction.cycle, for each tenant, list its blocks, plan (planner.ts) and
// carry the plan out: finish interrupted publishes, delete long-compacted blocks, clean leftovers,
// then window by window under a lease expire, rewrite and merge. Any step may be killed; the next
// cycle finds the state it left and carries on (docs/design/2026-11 Compaction and retention.md).
import { hostname } from 'node:os';
import type { ObjectStore } from '@spanbase/backend';
import { BlockObjects, blockKey, deleteBlock, describeDamage, markBlockCompacted, tenantIndexKey, writeQuarantine, writeTenantIndex } from '@spanbase/block';
import type { BlockDamage, QuarantineRecord } from '@spanbase/block';
import { formatDuration } from '@spanbase/config';
import { isSpanbaseError } from '@spanbase/model';
import type { TenantScan } from './block-scan.ts';
import { MetaCache, compactableTenants, scanTenant } from './block-scan.ts';
import { CompactorInputGone, CompactorLeaseLost } from './errors.ts';
import type { Lease, LeaseOptions } from './leases.ts';
import { Leases } from './leases.ts';
import type { CompactorMetricsSink } from './metrics.ts';
import type { Overrides, RetentionPolicy } from '@spanbase/overrides';
import type { Job, PlannerOptions, TenantPlan, WindowWork } from './planner.ts';
import { planTenant } from './planner.ts';
import { manifestOnce, restoreMeta } from './meta-restore.ts';
import { expiryReason } from '@spanbase/overrides';
import { deleteCompactedBlock } from './publish.ts';
import type { JobProgress, StepHook } from './run-job.ts';
import { runJob } from './run-job.ts';
import type { IsolationOptions } from './isolated-job.ts';
import { IsolatedJobs } from './isolated-job.ts';

/** The logger calls the compactor makes (pino's Logger has them). */
export interface CompactorLogger {
  /** Routine events. */
  info(obj: object, msg?: string): void;
  /** Something skipped or retried. */
  warn(obj: object, msg?: string): void;
  /** A failure. */
  error(obj: object, msg?: string): void;
}

/** Options of a Compactor. */
export interface CompactorOptions {
  /** The object store holding every tenant's blocks. */
  store: ObjectStore;
  /** Per-tenant retention. */
  overrides: Overrides;
  /** Grouping, sizes and grace periods. */
  planner: PlannerOptions;
  /** Time between cycles (start()). */
  cycleMs: number;
  /** Clock, unix ms (tests move it). */
  now?: () => number;
  /** Lease timings; the owner defaults to host and pid. */
  leases?: Partial<LeaseOptions>;
  /** Counters. */
  metrics?: CompactorMetricsSink;
  /** Logs. */
  log?: CompactorLogger;
  /** Job progress. */
  onProgress?: (p: JobProgress) => void;
  /** Test hook at each publishing step. */
  step?: StepHook;
  /** Tenants to work on; all tenants in the store when absent. */
  tenants?: () => Promise<string[]>;
  /**
   * Run jobs in a worker thread (kept between jobs) whose heap is capped at the memory bound (production);
   * jobs run in this thread when absent.
   */
  isolate?: IsolationOptions;
  /**
   * Jobs of one window that run at once (default 1), each in a worker of its own when isolated.
   * Jobs of a window never share an input, so they only share the window's lease.
   */
  concurrency?: number;
}

/** What one cycle did, summed over tenants. */
export interface CycleReport {
  /** Tenants looked at. */
  tenants: number;
  /** Jobs that published (merges and rewrites). */
  jobs: number;
  /** Input blocks marked compacted by jobs. */
  blocksCompacted: number;
  /** Blocks expired. */
  blocksExpired: number;
  /** Compacted blocks deleted. */
  blocksDeleted: number;
  /** Partial blocks cleaned. */
  partialCleaned: number;
  /** Interrupted publishes finished (inputs marked, half-marked blocks completed). */
  repaired: number;
  /** Windows skipped because another compactor holds them. */
  windowsBusy: number;
  /** Spans deduplicated by merges. */
  spansDeduplicated: number;
  /** Traces dropped by retention rewrites. */
  tracesDropped: number;
  /** Jobs or steps that failed (retried next cycle). */
  failures: number;
  /** Blocks quarantined (damaged inputs, blocks whose meta does not parse). */
  blocksQuarantined: number;
}

const NOOP_LOG: CompactorLogger = { info() {}, warn() {}, error() {} };
const NOOP_METRICS: CompactorMetricsSink = { count() {}, cycleSeconds() {} };

/** Merges, rewrites, expires and deletes blocks. */
export class Compactor {
  private readonly o: CompactorOptions;
  private readonly now: () => number;
  private readonly leases: Leases;
  private readonly cache: MetaCache;
  private readonly log: CompactorLogger;
  private readonly metrics: CompactorMetricsSink;
  private loop: { stop: AbortController; done: Promise<void> } | undefined;
  /** What this process last wrote into each tenant's manifest (block ids). */
  private readonly manifests = new Map<string, string>();
  /** One job worker per concurrent job, each started with its first job. */
  private readonly isolated: IsolatedJobs[];
  private readonly concurrency: number;

  constructor(opts: CompactorOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.leases = new Leases(opts.store, { owner: `${hostname()}/${process.pid}`, now: this.now, ...opts.leases });
    this.cache = new MetaCache(opts.store);
    this.log = opts.log ?? NOOP_LOG;
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
    const iso = opts.isolate;
    this.isolated = iso ? Array.from({ length: this.concurrency }, () => new IsolatedJobs(iso)) : [];
  }

  /** Starts every job worker now rather than with its first job (a bench then times jobs, not module loading). */
  async startWorkers(): Promise<void> {
    await Promise.all(this.isolated.map((i) => i.start()));
  }

  /** Runs one cycle over every tenant. */
  async runCycle(signal?: AbortSignal): Promise<CycleReport> {
    const started = performance.now();
    const report: CycleReport = { tenants: 0, jobs: 0, blocksCompacted: 0, blocksExpired: 0, blocksDeleted: 0, partialCleaned: 0, repaired: 0, windowsBusy: 0, spansDeduplicated: 0, tracesDropped: 0, failures: 0, blocksQuarantined: 0 };
    const tenants = await this.tenants(signal);
    for (const tenant of tenants) {
      signal?.throwIfAborted();
      report.tenants++;
      try {
        await this.runTenant(tenant, report, signal);
      } catch (err) {
        signal?.throwIfAborted();
        report.failures++;
        this.log.error({ err, tenant }, 'compaction of a tenant failed; retrying next cycle');
      }
    }
    this.metrics.cycleSeconds((performance.now() - started) / 1000);
    return report;
  }

  /** The tenants a cycle works on. */
  tenants(signal?: AbortSignal): Promise<string[]> {
    return this.o.tenants ? this.o.tenants() : compactableTenants(this.o.store, signal);
  }

  /** Plans a tenant's cycle without doing it (the retention dry run uses this). */
  async planFor(tenant: string, signal?: AbortSignal): Promise<{ scan: TenantScan; plan: TenantPlan }> {
    const scan = await scanTenant(this.o.store, tenant, this.cache, signal);
    return { scan, plan: planTenant(scan, this.o.overrides.retention(tenant), this.o.planner, this.now()) };
  }

  /** Logs and counts a quarantine (its marker is written): once per block, as the planner skips it after. */
  private quarantined(q: QuarantineRecord, report: CycleReport): void {
    report.blocksQuarantined++;
    this.metrics.count('blocksQuarantined', q.tenantID, 1);
    if (q.lostSpans > 0) this.metrics.count('spansLost', q.tenantID, q.lostSpans);
    this.log.error({ tenant: q.tenantID, block: q.blockID, reason: q.reason, lostRowGroups: q.lostRowGroups, lostSpans: q.lostSpans, carriedInto: q.carriedInto }, 'block quarantined: it cannot be read whole (see quarantine.json beside it)');
  }

  /**
   * Puts back metas that do not parse from the tenant manifest (meta-restore.ts), quarantines the
   * blocks it cannot, and deletes those quarantined a retention ago.
   */
  private async handleBroken(tenant: string, plan: TenantPlan, report: CycleReport, signal?: AbortSignal): Promise<void> {
    const { store } = this.o;
    const manifest = manifestOnce(store, tenant, signal);
    for (const b of plan.quarantineBroken) {
      if (await restoreMeta(store, tenant, b.blockId, b.key, await manifest(), signal)) {
        report.repaired++;
        this.metrics.count('metasRestored', tenant, 1);
        this.log.warn({ tenant, block: b.blockId, key: b.key, err: b.error }, 'block meta did not parse; put back the copy the tenant manifest holds');
        continue;
      }
      const damage: BlockDamage[] = [{ tenantID: tenant, blockID: b.blockId, object: BlockObjects.meta, fallback: 'block-unreadable', message: b.error.message }];
      const q: QuarantineRecord = { blockID: b.blockId, tenantID: tenant, quarantinedAt: new Date(this.now()).toISOString(), reason: `meta.json does not parse: ${b.error.message}`, damage, lostRowGroups: 0, lostSpans: 0 };
      await writeQuarantine(store, q, { signal });
      this.quarantined(q, report);
    }
    for (const id of plan.deleteBroken) {
      await deleteBlock(store, tenant, id, { signal });
      this.metrics.count('blocksDeleted', tenant, 1);
      report.blocksDeleted++;
      this.log.info({ tenant, block: id }, 'deleted a quarantined block whose meta does not parse, a retention period after it was quarantined');
    }
  }

  private async runTenant(tenant: string, report: CycleReport, signal?: AbortSignal): Promise<void> {
    const { store } = this.o;
    const { plan } = await this.planFor(tenant, signal);
    const at = () => new Date(this.now());
    for (const m of plan.finishMarking) await store.delete(blockKey(tenant, m.blockID, BlockObjects.meta));
    for (const m of plan.markReplaced) await markBlockCompacted(store, m, { at: at() });
    report.repaired += plan.finishMarking.length + plan.markReplaced.length;
    for (const c of plan.deleteCompacted) {
      await deleteCompactedBlock(store, c.meta, () => this.o.step?.('deleting', c.meta.blockID) ?? Promise.resolve());
      this.metrics.count('blocksDeleted', tenant, 1);
      report.blocksDeleted++;
    }
    if (plan.deleteCompacted.length > 0) this.log.info({ tenant, blocks: plan.deleteCompacted.length, graceMs: this.o.planner.compactedBlockRetentionMs }, `deleted ${plan.deleteCompacted.length} compacted or expired block(s) past their grace period`);
    if (plan.cleanPartial.length > 0) {
      const writing = await this.leases.activeOutputs(tenant);
      for (const p of plan.cleanPartial) {
        if (writing.has(p.blockId)) continue;
        for (const k of p.keys) await store.delete(k);
        this.metrics.count('partialBlocksCleaned', tenant, 1);
        report.partialCleaned++;
        this.log.info({ tenant, block: p.blockId, objects: p.keys.length }, 'deleted the leftovers of an unfinished block');
      }
    }
    await this.handleBroken(tenant, plan, report, signal);
    for (const w of plan.windows) {
      signal?.throwIfAborted();
      await this.runWindow(tenant, w, report, signal);
    }
    await this.leases.sweep(tenant, 24 * 3_600_000);
    await this.refreshManifest(tenant, signal);
  }

  /**
   * As Tempo's compactors do, leaves a tenant manifest for readers. Metas are cached, so this
   * costs one listing and a read per new block; the manifest is written only when it changed.
   */
  private async refreshManifest(tenant: string, signal?: AbortSignal): Promise<void> {
    const { store } = this.o;
    const scan = await scanTenant(store, tenant, this.cache, signal);
    const signature = scan.live.map((m) => m.blockID).join() + '|' + scan.compacted.map((c) => c.meta.blockID).join();
    if (this.manifests.get(tenant) === signature) return;
    if (scan.live.length + scan.compacted.length > 0) await writeTenantIndex(store, tenant, { live: scan.live, compacted: scan.compacted.map((c) => c.meta) }, { createdAt: new Date(this.now()), signal });
    else await store.delete(tenantIndexKey(tenant), { signal });
    this.manifests.set(tenant, signature);
  }

  private async runWindow(tenant: string, w: WindowWork, report: CycleReport, signal?: AbortSignal): Promise<void> {
    const { store } = this.o;
    const lease = await this.leases.acquire(tenant, w.window);
    if (!lease) {
      report.windowsBusy++;
      return;
    }
    try {
      if (w.expire.length > 0) await lease.renew();
      const policy = this.o.overrides.retention(tenant);
      for (const m of w.expire) {
        await markBlockCompacted(store, m, { at: new Date(this.now()) });
        this.metrics.count('blocksExpired', tenant, 1);
        report.blocksExpired++;
      }
      // Expiry removes data: always say so, with what went and why, at the default log level.
      if (w.expire.length > 0) {
        const spans = w.expire.reduce((n, m) => n + m.spanCount, 0);
        const traces = w.expire.reduce((n, m) => n + m.totalObjects, 0);
        const newest = w.expire.reduce((t, m) => (m.endTime > t ? m.endTime : t), '');
        this.log.info(
          { tenant, window: w.window, blocks: w.expire.length, traces, spans, newest, reason: expiryReason(policy), ids: w.expire.map((m) => m.blockID) },
          `expired ${w.expire.length} block(s) with ${spans} span(s): ${expiryReason(policy)}`,
        );
      }
      const jobs = w.jobs;
      const runners = Math.min(this.concurrency, jobs.length);
      // Each running job renews the lease from its own copy of it, so every output is announced
      // before any starts: a renewal never drops another job's output, and the clean-up of
      // partial blocks (which spares announced outputs) never takes one being written.
      if (runners > 1) {
        try {
          await lease.renew(jobs.map((j) => j.outputId));
        } catch (err) {
          if (!isSpanbaseError(err, CompactorLeaseLost)) throw err;
          this.log.warn({ tenant, window: w.window, err }, 'lost the window lease; leaving the window to its new holder');
          return;
        }
      }
      let next = 0;
      let lost = false;
      const runner = async (slot: number): Promise<void> => {
        while (next < jobs.length && !lost) {
          signal?.throwIfAborted();
          const job = jobs[next++];
          if (await this.runOne(tenant, w, job, slot, lease, policy, report, signal)) lost = true;
        }
      };
      // Every runner is waited for before the lease is released, even when one throws (abort).
      const ended = await Promise.allSettled(Array.from({ length: runners }, (_, slot) => runner(slot)));
      for (const e of ended) if (e.status === 'rejected') throw e.reason;
    } finally {
      await lease.release().catch((err) => this.log.warn({ err, tenant, window: w.window }, 'could not release a window lease; it expires by itself'));
    }
  }

  /** Runs one job of a window in `slot`'s worker; true when the window's lease was lost. */
  private async runOne(tenant: string, w: WindowWork, job: Job, slot: number, lease: Lease, policy: RetentionPolicy, report: CycleReport, signal?: AbortSignal): Promise<boolean> {
    const { store } = this.o;
    try {
      const ctx = { store, lease, policy, now: this.now, step: this.o.step, onProgress: this.o.onProgress, signal };
      const r = this.isolated.length > 0 ? await this.isolated[slot].run(job, ctx) : await runJob(job, ctx);
      report.jobs++;
      report.blocksCompacted += r.retired;
      report.spansDeduplicated += r.stats.spansDeduped;
      report.tracesDropped += r.stats.tracesDropped;
      for (const d of r.damage) if (d.fallback === 'index-rebuilt') this.log.warn({ tenant, block: d.blockID, damage: describeDamage(d) }, 'block index damaged; read through an index rebuilt from data.parquet');
      for (const q of r.quarantined) this.quarantined(q, report);
      this.metrics.count('blocksCompacted', tenant, r.retired);
      this.metrics.count('bytesCompacted', tenant, r.bytesIn);
      this.metrics.count('spansDeduplicated', tenant, r.stats.spansDeduped);
      this.metrics.count('tracesDroppedByRetention', tenant, r.stats.tracesDropped);
      if (r.output) this.metrics.count('blocksWritten', tenant, 1);
      const msg = job.kind === 'rewrite' ? `retention rewrote a block past ${formatDuration(job.filter!.ageMs)}: ${r.stats.tracesDropped} trace(s) dropped, ${r.stats.spansOut} span(s) kept` : 'compaction job done';
      this.log.info({ tenant, kind: job.kind, inputs: job.inputs.map((m) => m.blockID), output: r.output?.blockID, level: job.level, spans: r.stats.spansOut, deduped: r.stats.spansDeduped, dropped: r.stats.tracesDropped }, msg);
      return false;
    } catch (err) {
      signal?.throwIfAborted();
      report.failures++;
      this.metrics.count('jobFailures', tenant, 1);
      if (isSpanbaseError(err, CompactorLeaseLost)) {
        this.log.warn({ tenant, window: w.window, err }, 'lost the window lease; leaving the window to its new holder');
        return true;
      }
      if (isSpanbaseError(err, CompactorInputGone)) this.log.warn({ tenant, job: job.key, err }, 'an input went away; the job is dropped');
      else this.log.error({ tenant, job: job.key, err }, 'compaction job failed; retrying next cycle');
      return false;
    }
  }

  /** Runs cycles every cycleMs until stop(). */
  start(): void {
    if (this.loop) return;
    const stop = new AbortController();
    const done = (async () => {
      while (!stop.signal.aborted) {
        try {
          await this.runCycle(stop.signal);
        } catch (err) {
          if (!stop.signal.aborted) this.log.error({ err }, 'compaction cycle failed');
        }
        await new Promise<void>((resolve) => {
          // Stopped during the cycle: the abort event has fired already and would not fire again.
          if (stop.signal.aborted) return resolve();
          const t = setTimeout(resolve, this.o.cycleMs);
          stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
      }
    })();
    this.loop = { stop, done };
  }

  /** Stops the loop (a running job is aborted and leaves nothing visible) and the job worker. */
  async stop(): Promise<void> {
    if (this.loop) {
      this.loop.stop.abort(new Error('compactor stopping'));
      await this.loop.done;
      this.loop = undefined;
    }
    await Promise.all(this.isolated.map((i) => i.close()));
  }
}
