// The operator commands, called by the spanbase binary: `spanbase compact [--once]` and
// `spanbase retention --dry-run`. Both build the compactor from the same flags as the
// `compactor` module, so what they show is what the running compactor does.
import { resolve } from 'node:path';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { createObjectStore } from '@spanbase/backend';
import type { Config } from '@spanbase/config';
import { compactionConcurrency, formatCount, formatDuration, storageSettings } from '@spanbase/config';
import { isSpanbaseError } from '@spanbase/model';
import type { CompactorLogger, CycleReport } from './compactor.ts';
import { Compactor } from './compactor.ts';
import type { DryRunRow } from './dry-run.ts';
import { formatDryRun, retentionDryRun } from './dry-run.ts';
import type { CompactorMetricsSink } from './metrics.ts';
import { Overrides } from '@spanbase/overrides';
import type { PlannerOptions } from './planner.ts';
import { DECODED_SPAN_BYTES, HEAP_HEADROOM, OUTPUT_OVERHEAD_BYTES, TYPICAL_ROW_GROUP_SPANS, usableMemory } from './planner.ts';
import type { JobProgress } from './run-job.ts';

/** The object store the flags describe (what the ingester writes to), without the read cache. */
export function storeConfigFromFlags(cfg: Config): ObjectStoreConfig {
  return storageSettings(cfg, { withCache: false });
}

/** Planner settings from the flags. */
export function plannerOptionsFromFlags(cfg: Config): PlannerOptions {
  return {
    windowMs: cfg['compaction.window'],
    minInputBlocks: cfg['compaction.min-input-blocks'],
    maxInputBlocks: Math.max(cfg['compaction.max-input-blocks'], cfg['compaction.min-input-blocks']),
    maxBlockBytes: cfg['compaction.max-block-bytes'],
    maxMemoryBytes: cfg['compaction.max-memory-bytes'],
    compactedBlockRetentionMs: cfg['compaction.compacted-block-retention'],
    partialBlockGraceMs: cfg['compaction.partial-block-grace'],
    windowSettleMs: cfg['compaction.settle-period'],
  };
}

/** What compactorFromConfig may be given instead of building it. */
export interface CompactorDeps {
  /** The store; built from the flags when absent. */
  store?: ObjectStore;
  /** Logs (pino's Logger fits). */
  log?: CompactorLogger;
  /** Counters. */
  metrics?: CompactorMetricsSink;
  /** Job progress. */
  onProgress?: (p: JobProgress) => void;
  /** Clock, unix ms. */
  now?: () => number;
  /** Store settings; from the flags when absent (the binary may pass its own, with a cache). */
  storeConfig?: ObjectStoreConfig;
  /** The process's per-tenant overrides (one per process); built from the flags when absent. */
  overrides?: Overrides;
}

/**
 * A compactor and its overrides from the flags. Throws OVR_ERR_BAD_RULE or
 * OVR_ERR_BAD_OVERRIDES for bad rules or a bad overrides file; logs rules that cannot work.
 */
export function compactorFromConfig(cfg: Config, deps: CompactorDeps = {}): { compactor: Compactor; overrides: Overrides } {
  const log = deps.log;
  const overrides = deps.overrides ?? Overrides.fromConfig(cfg, {
    onError: (err) => log?.error({ err, file: cfg['overrides.file'] }, 'overrides file not reloaded; keeping the previous overrides'),
    onReload: () => log?.info({ file: cfg['overrides.file'] }, 'overrides reloaded'),
  });
  const planner = plannerOptionsFromFlags(cfg);
  const typical = OUTPUT_OVERHEAD_BYTES + planner.minInputBlocks * TYPICAL_ROW_GROUP_SPANS * DECODED_SPAN_BYTES;
  if (usableMemory(planner) < typical) log?.warn({ maxMemoryBytes: planner.maxMemoryBytes }, `--compaction.max-memory-bytes is too small to merge ${planner.minInputBlocks} blocks with ${TYPICAL_ROW_GROUP_SPANS}-span row groups (about ${Math.ceil(typical / HEAP_HEADROOM / 1048576)} MiB needed); such blocks will not be merged`);
  const storeConfig = deps.storeConfig ?? storeConfigFromFlags(cfg);
  const compactor = new Compactor({
    store: deps.store ?? createObjectStore(storeConfig),
    // Jobs run in a worker capped at the memory bound, unless the caller brings its own store.
    isolate: deps.store ? undefined : { store: storeConfig, maxMemoryBytes: cfg['compaction.max-memory-bytes'] },
    concurrency: compactionConcurrency(cfg),
    overrides,
    planner,
    cycleMs: cfg['compaction.cycle'],
    log,
    metrics: deps.metrics,
    onProgress: deps.onProgress,
    now: deps.now,
  });
  return { compactor, overrides };
}

/** Where a command writes. */
export interface CommandIo {
  /** Results (stdout). */
  out(text: string): void;
  /** Progress and errors (stderr). */
  err(text: string): void;
  /** Logs. */
  log?: CompactorLogger;
  /** Clock for progress throttling (ms). */
  now?: () => number;
}

/** Prints job progress at most once a second per job, and each job's end. */
export function progressPrinter(io: CommandIo): (p: JobProgress) => void {
  let last = 0;
  const now = io.now ?? Date.now;
  return (p) => {
    const t = now();
    const finished = p.partsDone >= p.partsTotal;
    if (!finished && p.partsDone > 0 && t - last < 1000) return;
    last = t;
    const pct = p.partsTotal > 0 ? Math.floor((100 * p.partsDone) / p.partsTotal) : 100;
    const what = p.job.kind === 'merge' ? `merging ${p.job.inputs.length} blocks into level ${p.job.level}` : `rewriting ${p.job.inputs[0].blockID} (retention ${formatDuration(p.job.filter!.ageMs)} tier)`;
    const mib = (p.job.inputs.reduce((n, m) => n + m.size, 0) / 1024 / 1024).toFixed(1);
    io.err(`compact: ${p.job.inputs[0].tenantID}: ${what}, ${mib} MiB: ${pct}% (${p.partsDone}/${p.partsTotal} traces)\n`);
  };
}

function summary(r: CycleReport): string {
  return (
    `compact: ${formatCount(r.tenants, 'tenant')}, ${formatCount(r.jobs, 'job')} (${formatCount(r.blocksCompacted, 'block')} compacted), ` +
    `${r.blocksExpired} expired, ${r.blocksDeleted} deleted, ${formatCount(r.partialCleaned, 'leftover')} cleaned, ${r.repaired} repaired, ` +
    `${formatCount(r.spansDeduplicated, 'span')} deduplicated, ${formatCount(r.tracesDropped, 'trace')} dropped by retention, ` +
    `${formatCount(r.windowsBusy, 'window')} busy elsewhere, ${r.blocksQuarantined} quarantined, ${formatCount(r.failures, 'failure')}\n`
  );
}

/** What `spanbase compact` is about to do, so a silent start is not mistaken for a hang. */
function startLine(cfg: Config, once: boolean): string {
  const store = storeConfigFromFlags(cfg);
  const where = store.backend === 'local' ? resolve(store.local!.path) : `s3://${store.s3!.bucket}/${store.s3!.prefix}`;
  const what = once ? 'one compaction cycle' : `compacting every ${formatDuration(cfg['compaction.cycle'])} until stopped (Ctrl-C)`;
  return `compact: ${what} over the blocks in ${where} (window ${formatDuration(cfg['compaction.window'])}, block retention ${formatDuration(cfg['compaction.block-retention'])})\n`;
}

/** `spanbase compact`: one cycle with `once`, else cycles until `signal` aborts. Returns the exit code. */
export async function runCompactCommand(cfg: Config, opts: { once: boolean; io: CommandIo; store?: ObjectStore; signal?: AbortSignal }): Promise<number> {
  const { compactor } = compactorFromConfig(cfg, { store: opts.store, log: opts.io.log, onProgress: progressPrinter(opts.io) });
  opts.io.err(startLine(cfg, opts.once));
  if (opts.once) {
    try {
      const report = await compactor.runCycle(opts.signal);
      opts.io.out(summary(report));
      return report.failures > 0 ? 1 : 0;
    } finally {
      await compactor.stop();
    }
  }
  compactor.start();
  await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve(), { once: true }));
  await compactor.stop();
  return 0;
}

/**
 * `spanbase retention [--dry-run]`: prints what retention would expire or drop now. It never
 * changes anything (the compactor applies retention); `--dry-run` only says so explicitly.
 */
export async function runRetentionCommand(cfg: Config, opts: { dryRun: boolean; io: CommandIo; store?: ObjectStore; now?: () => number; signal?: AbortSignal }): Promise<number> {
  const store = opts.store ?? createObjectStore(storeConfigFromFlags(cfg));
  const now = opts.now ?? Date.now;
  const { compactor, overrides } = compactorFromConfig(cfg, { store, log: opts.io.log, now });
  const rows: DryRunRow[] = [];
  for (const tenant of await compactor.tenants(opts.signal)) {
    const { plan } = await compactor.planFor(tenant, opts.signal);
    rows.push(...(await retentionDryRun(store, tenant, plan, overrides.retention(tenant), now(), (t, done, total) => opts.io.err(`retention: ${t}: judged ${done}/${total} blocks to rewrite\n`))));
  }
  opts.io.out(formatDryRun(rows));
  opts.io.err(`retention: nothing was changed${opts.dryRun ? ' (dry run)' : ''}; the compactor applies retention every --compaction.cycle (${formatDuration(cfg['compaction.cycle'])}), or at once with \`spanbase compact --once\`\n`);
  return 0;
}

/** The binary's sub-commands this package runs, with the switches each accepts. */
export const COMPACTOR_COMMANDS = { compact: ['once'], retention: ['dry-run'] } as const satisfies Record<string, readonly string[]>;

/** A sub-command of this package named by the positional arguments, if they name exactly one. */
export function compactorCommandOf(positional: readonly string[]): keyof typeof COMPACTOR_COMMANDS | undefined {
  const [name] = positional;
  return positional.length === 1 && Object.hasOwn(COMPACTOR_COMMANDS, name) ? (name as keyof typeof COMPACTOR_COMMANDS) : undefined;
}

/** Runs `spanbase compact` or `spanbase retention` and returns the exit code; prints errors to stderr. */
export async function runCompactorCommand(name: keyof typeof COMPACTOR_COMMANDS, cfg: Config, switches: ReadonlyMap<string, string | true>, opts: { log?: CompactorLogger; signal?: AbortSignal; io?: CommandIo } = {}): Promise<number> {
  const io: CommandIo = opts.io ?? { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s), log: opts.log };
  const on = (s: string) => switches.has(s) && switches.get(s) !== 'false';
  try {
    if (name === 'compact') return await runCompactCommand(cfg, { once: on('once'), io, signal: opts.signal });
    return await runRetentionCommand(cfg, { dryRun: on('dry-run'), io, signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) return 130;
    io.err(`spanbase ${name}: ${(err as Error).message}\n`);
    return isSpanbaseError(err) && err.statusCode === 400 ? 2 : 1;
  }
}
