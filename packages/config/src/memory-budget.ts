// One number for the memory a process may use: `--memory.budget` sizes every memory setting that
// was not given on its own, so an operator who knows the container's limit need not learn six
// flags and add them up. The shares leave room for what no flag bounds (the main thread's own
// heap, buffers in flight, V8's overheads); the ingester and distributor use the budget again at
// run time to push back before the process grows past it.
import { compactionConcurrency, queryWorkers } from './concurrency.ts';
import { ConfigInvalid } from './errors.ts';
import { formatBytes } from './units.ts';

/**
 * Share of the budget each sized setting gets (the query workers' share is split between them,
 * and the compaction share between the jobs that may run at once).
 */
export const BUDGET_SHARES = {
  'ingester.max-live-bytes': 0.3,
  'query.chunk-cache-bytes': 0.1,
  'query.metadata-cache-bytes': 0.05,
  'storage.cache-bytes': 0.05,
  'compaction.max-memory-bytes': 0.1,
  /** Together: every query worker thread and the live-query worker. */
  'query.worker-memory': 0.25,
} as const;

/** The smallest budget: below it the shares are too small to run a query or a compaction. */
export const MIN_BUDGET_BYTES = 512 * 2 ** 20;

type BudgetFlag = keyof typeof BUDGET_SHARES;

/**
 * Sets each budgeted flag that was not given explicitly (by flag or config file) from
 * `memory.budget`; does nothing when the budget is 0 (off).
 */
export function applyMemoryBudget(cfg: Record<string, unknown>, explicit: ReadonlySet<string>): void {
  const budget = cfg['memory.budget'] as number;
  if (!budget) return;
  if (budget < MIN_BUDGET_BYTES) throw ConfigInvalid(`--memory.budget=${formatBytes(budget)} is too small: at least ${formatBytes(MIN_BUDGET_BYTES)}, or 0 for no budget`);
  const workers = queryWorkers(cfg as { 'query.workers': number }) + 1;
  const jobs = compactionConcurrency(cfg as { 'compaction.concurrency': number });
  const parts: Partial<Record<BudgetFlag, number>> = { 'query.worker-memory': workers, 'compaction.max-memory-bytes': jobs };
  for (const [name, share] of Object.entries(BUDGET_SHARES) as [BudgetFlag, number][]) {
    if (explicit.has(name)) continue;
    const bytes = (budget * share) / (parts[name] ?? 1);
    cfg[name] = Math.floor(bytes / 2 ** 20) * 2 ** 20;
  }
}
