// What a Spanbase process needs in memory, from the measurement in docs/operations.md ("Memory"):
// the idle resident memory of each role (scripts/idle-memory.ts on a 2-core machine, rounded up)
// plus what its flags let it hold at most besides query working sets (caches, live data, the
// compaction jobs that may run at once). The Kubernetes manifests' memory limits are checked
// against it.
import type { Config } from '@spanbase/config';
import { compactionConcurrency, queryWorkers } from '@spanbase/config';

const MiB = 2 ** 20;

/** Idle RSS per role without query workers (main thread, live-query, block-writing and answer workers). */
export const IDLE_BASE_BYTES: Record<Config['target'], number> = {
  all: 350 * MiB,
  querier: 200 * MiB,
  ingester: 250 * MiB,
  distributor: 150 * MiB,
  'query-frontend': 220 * MiB,
  compactor: 200 * MiB,
};

/** Idle RSS of one query worker thread (measured 28 to 46 MiB). */
export const QUERY_WORKER_BYTES = 50 * MiB;

/** Least room left for query working sets beyond the budget. */
export const QUERY_HEADROOM_BYTES = 256 * MiB;

/** True when the role runs the query pool (whose size is --query.workers). */
export function runsQueryPool(cfg: Config): boolean {
  return cfg.target === 'all' || cfg.target === 'querier';
}

/** Idle memory plus everything the flags let the process hold, in bytes (query working sets not included). */
export function memoryBudget(cfg: Config): number {
  const t = cfg.target;
  let bytes = IDLE_BASE_BYTES[t];
  if (runsQueryPool(cfg)) bytes += queryWorkers(cfg) * QUERY_WORKER_BYTES + cfg['query.chunk-cache-bytes'] + cfg['query.metadata-cache-bytes'];
  if (t !== 'distributor' && t !== 'compactor') bytes += cfg['storage.cache-bytes'];
  if (t === 'all' || t === 'ingester') bytes += cfg['ingester.max-live-bytes'];
  if (t === 'all' || t === 'compactor') bytes += compactionConcurrency(cfg) * cfg['compaction.max-memory-bytes'];
  return bytes;
}

/** Bytes of a Kubernetes memory quantity (`512Mi`, `3Gi`, `1G`, `1048576`). */
export function parseQuantity(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}
