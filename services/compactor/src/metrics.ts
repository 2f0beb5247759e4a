// What the compactor counts, behind a narrow sink so this package does not depend on the server's
// registry; metricsSinkFor() backs it with any registry shaped like @spanbase/server's.

/** The compactor's counters: Prometheus name and help, by short name. */
export const CompactorCounters = {
  blocksCompacted: ['spanbase_compactor_blocks_compacted_total', 'Input blocks merged or rewritten, then marked compacted, by tenant.'],
  bytesCompacted: ['spanbase_compactor_bytes_compacted_total', 'Bytes (data.parquet) of the input blocks compacted, by tenant.'],
  blocksWritten: ['spanbase_compactor_blocks_written_total', 'Blocks written by merges and retention rewrites, by tenant.'],
  spansDeduplicated: ['spanbase_compactor_spans_deduplicated_total', 'Repeated spans (same trace id, span id and kind) removed while merging, by tenant.'],
  blocksExpired: ['spanbase_compactor_blocks_expired_total', 'Blocks marked compacted because every trace in them passed its retention, by tenant.'],
  tracesDroppedByRetention: ['spanbase_compactor_traces_dropped_by_retention_total', 'Traces removed by retention rewrites (blocks expired whole not included), by tenant.'],
  blocksDeleted: ['spanbase_compactor_blocks_deleted_total', 'Compacted blocks deleted after --compaction.compacted-block-retention, by tenant.'],
  partialBlocksCleaned: ['spanbase_compactor_partial_blocks_cleaned_total', 'Leftovers of killed writers (objects without meta.json) deleted, by tenant.'],
  jobFailures: ['spanbase_compactor_job_failures_total', 'Jobs that stopped with an error (retried next cycle), by tenant.'],
  blocksQuarantined: ['spanbase_compactor_blocks_quarantined_total', 'Blocks the compactor could not read whole and quarantined (quarantine.json written beside them), by tenant.'],
  metasRestored: ['spanbase_compactor_metas_restored_total', 'Block metas that no longer parsed, put back from the copy in the tenant manifest, by tenant.'],
  spansLost: ['spanbase_compactor_spans_lost_total', 'Spans in damaged row groups of quarantined blocks, which compaction could not carry into its output, by tenant.'],
} as const;

/** Short name of a compactor counter. */
export type CompactorCounter = keyof typeof CompactorCounters;

/** Where the compactor's numbers go. */
export interface CompactorMetricsSink {
  /** Adds `n` to a counter for a tenant. */
  count(counter: CompactorCounter, tenant: string, n: number): void;
  /** Records how long one cycle took. */
  cycleSeconds(seconds: number): void;
}

/** The registry shape metricsSinkFor needs (the server's MetricsRegistry has it). */
export interface RegistryLike {
  /** Registers or returns a counter. */
  counter(name: string, help: string, labelNames: readonly string[]): { inc(labels: Record<string, string>, n?: number): void };
  /** Registers or returns a histogram. */
  histogram(name: string, help: string, labelNames: readonly string[], buckets?: readonly number[]): { observe(labels: Record<string, string>, v: number): void };
}

/** Cycle duration buckets, seconds: cycles range from an idle listing to hours of merging. */
const CYCLE_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/** A sink that records into a Prometheus-style registry. */
export function metricsSinkFor(registry: RegistryLike): CompactorMetricsSink {
  const counters = Object.fromEntries(Object.entries(CompactorCounters).map(([k, [name, help]]) => [k, registry.counter(name, help, ['tenant'])]));
  const cycle = registry.histogram('spanbase_compactor_cycle_duration_seconds', 'Duration of compaction cycles.', [], CYCLE_BUCKETS);
  return {
    count: (counter, tenant, n) => counters[counter].inc({ tenant }, n),
    cycleSeconds: (s) => cycle.observe({}, s),
  };
}

/** A sink that keeps totals in memory (tests, the CLI summary). */
export class CountingMetrics implements CompactorMetricsSink {
  /** Totals by counter, all tenants. */
  readonly totals = new Map<CompactorCounter, number>();
  /** Cycles recorded. */
  cycles = 0;
  count(counter: CompactorCounter, _tenant: string, n: number): void {
    this.totals.set(counter, (this.totals.get(counter) ?? 0) + n);
  }
  cycleSeconds(): void {
    this.cycles++;
  }
  /** Total of one counter. */
  get(counter: CompactorCounter): number {
    return this.totals.get(counter) ?? 0;
  }
}
