// `spanbase retention --dry-run`: what the next cycle's retention would expire or drop, per tenant
// and rule, in blocks, traces, spans and bytes. Blocks to rewrite are read (with the same context
// blocks a rewrite reads) and judged exactly as the rewrite would; nothing is written.
import type { ObjectStore } from '@spanbase/backend';
import { formatDuration } from '@spanbase/config';
import { DamagedInputs } from './damaged-inputs.ts';
import { mergeTraces } from './merge.ts';
import type { Job, TenantPlan } from './planner.ts';
import { judgeTraces } from './retention-filter.ts';
import type { RetentionPolicy } from '@spanbase/overrides';
import { expiryReason } from '@spanbase/overrides';

/** One line of the report. */
export interface DryRunRow {
  /** Tenant. */
  tenant: string;
  /** `expire`: whole blocks go; `drop`/`keep`: traces a rewrite removes or keeps. */
  action: 'expire' | 'drop' | 'keep';
  /** The rule deciding (its text), `default <d>`, or `block retention <d>`. */
  reason: string;
  /** Blocks involved. */
  blocks: number;
  /** Traces. */
  traces: number;
  /** Spans. */
  spans: number;
  /** Bytes of data.parquet (for dropped traces, their share of the block by spans). */
  bytes: number;
}

/** Progress of a dry run: blocks judged so far. */
export type DryRunProgress = (tenant: string, done: number, total: number) => void;

function addRow(rows: Map<string, DryRunRow>, r: Omit<DryRunRow, 'blocks'>, block: string, blocksSeen: Map<string, Set<string>>): void {
  const key = `${r.tenant}\u0000${r.action}\u0000${r.reason}`;
  const row = rows.get(key) ?? { ...r, blocks: 0, traces: 0, spans: 0, bytes: 0 };
  let seen = blocksSeen.get(key);
  if (!seen) blocksSeen.set(key, (seen = new Set()));
  if (!seen.has(block)) {
    seen.add(block);
    row.blocks++;
  }
  row.traces += r.traces;
  row.spans += r.spans;
  row.bytes += r.bytes;
  rows.set(key, row);
}

async function judgeRewrite(store: ObjectStore, tenant: string, job: Job, policy: RetentionPolicy, rows: Map<string, DryRunRow>, seen: Map<string, Set<string>>): Promise<void> {
  const meta = job.inputs[0];
  const tier = job.filter!.ageMs;
  const bytesPerSpan = meta.size / Math.max(1, meta.spanCount);
  const defaultReason = `default ${formatDuration(policy.defaultMs)}`;
  // Damaged row groups are left out as the real rewrite leaves them out.
  const inputs = new DamagedInputs(store);
  await mergeTraces([inputs.traces(meta)], async () => {}, {
    context: (job.context ?? []).map((m) => inputs.traces(m)),
    filter: async (traces, parts) => {
      const verdicts = await judgeTraces(policy, tier, traces, true);
      verdicts.forEach((v, i) => {
        const spans = parts[i].length;
        addRow(rows, { tenant, action: v.keep ? 'keep' : 'drop', reason: v.reason === 'default' ? defaultReason : v.reason, traces: 1, spans, bytes: Math.round(spans * bytesPerSpan) }, meta.blockID, seen);
      });
      return verdicts.map(() => false);
    },
  });
}

/** Builds the report for one tenant's plan. */
export async function retentionDryRun(store: ObjectStore, tenant: string, plan: TenantPlan, policy: RetentionPolicy, now: number, onProgress?: DryRunProgress): Promise<DryRunRow[]> {
  const rows = new Map<string, DryRunRow>();
  const seen = new Map<string, Set<string>>();
  const rewrites = plan.windows.flatMap((w) => w.jobs.filter((j) => j.kind === 'rewrite'));
  for (const m of plan.windows.flatMap((w) => w.expire)) {
    addRow(rows, { tenant, action: 'expire', reason: expiryReason(policy), traces: m.totalObjects, spans: m.spanCount, bytes: m.size }, m.blockID, seen);
  }
  let done = 0;
  for (const job of rewrites) {
    onProgress?.(tenant, done++, rewrites.length);
    await judgeRewrite(store, tenant, job, policy, rows, seen);
  }
  if (rewrites.length > 0) onProgress?.(tenant, done, rewrites.length);
  return [...rows.values()];
}

function mib(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The report as a text table. */
export function formatDryRun(rows: readonly DryRunRow[]): string {
  if (rows.length === 0) return 'Nothing would be expired or rewritten.\n';
  const head = ['tenant', 'action', 'reason', 'blocks', 'traces', 'spans', 'bytes'];
  const body = rows.map((r) => [r.tenant, r.action, r.reason, String(r.blocks), String(r.traces), String(r.spans), mib(r.bytes)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
