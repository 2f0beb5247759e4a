// Deciding what a cycle does for one tenant, from its blocks alone (no I/O, so it is unit-tested
// with fake metas): finish interrupted publishes, delete what has been compacted long enough,
// clean partial blocks, expire or rewrite blocks past their retention, and pick merges. The merge
// selector follows Tempo's: within the active window (the last 24h) blocks group by compaction
// level then time window, older blocks by window alone so old data keeps consolidating; the
// smallest blocks of a group go first. Unlike Tempo, a window that has settled (no block written
// into it for --compaction.settle-period) also merges across levels: copies of a span that a
// client sent again after a crash can sit in blocks of different levels, and a day of double
// counts is too long to wait for them to meet.
import { createHash } from 'node:crypto';
import type { CompactedBlock, PartialBlock, TenantScan } from './block-scan.ts';
import type { CompactionMeta, RetentionMark } from './compaction-meta.ts';
import { compactedFromOf } from '@spanbase/block';
import { blockEndMs, retentionMarkOf } from './compaction-meta.ts';
import type { RetentionPolicy } from '@spanbase/overrides';
import { dueTier } from '@spanbase/overrides';

/** Tempo's active window: younger blocks group by level first. */
export const ACTIVE_WINDOW_MS = 24 * 3_600_000;
/** Heap per span of an input's decoded row group; measured 1.9 KiB, see the design note. */
export const DECODED_SPAN_BYTES = 2048;
/** Heap of the output's row group being built, and of the job's own state. */
export const OUTPUT_OVERHEAD_BYTES = 48 * 1024 * 1024;
/** Spans per row group of blocks written with the sb1 defaults (for the start-up memory check). */
export const TYPICAL_ROW_GROUP_SPANS = 12288;
/** Share of the memory bound the estimate may fill; the rest is room for the garbage collector. */
export const HEAP_HEADROOM = 0.75;

/** Memory the planner lets a job's row groups use. */
export function usableMemory(o: PlannerOptions): number {
  return o.maxMemoryBytes * HEAP_HEADROOM;
}

/** Settings of the planner. */
export interface PlannerOptions {
  /** --compaction.window. */
  windowMs: number;
  /** --compaction.min-input-blocks. */
  minInputBlocks: number;
  /** --compaction.max-input-blocks. */
  maxInputBlocks: number;
  /** --compaction.max-block-bytes. */
  maxBlockBytes: number;
  /** --compaction.max-memory-bytes. */
  maxMemoryBytes: number;
  /** --compaction.compacted-block-retention. */
  compactedBlockRetentionMs: number;
  /** --compaction.partial-block-grace. */
  partialBlockGraceMs: number;
  /** --compaction.settle-period. */
  windowSettleMs: number;
}

/** A merge of blocks, or the rewrite of one block under a retention tier. */
export interface Job {
  /** `merge` or `rewrite`. */
  kind: 'merge' | 'rewrite';
  /** Deterministic key: the same inputs and settings give the same key and output id. */
  key: string;
  /** Id of the block the job writes (derived from the key). */
  outputId: string;
  /** Window key (the lease the job needs). */
  window: string;
  /** The inputs, sorted by block id. */
  inputs: CompactionMeta[];
  /** Compaction level of the output. */
  level: number;
  /** For rewrites: the tier applied; traces whose retention is at most this are dropped. */
  filter?: RetentionMark;
  /** Retention mark the output carries. */
  mark?: RetentionMark;
  /** For rewrites: blocks near in time, read so rules judge traces split across blocks whole. */
  context?: CompactionMeta[];
}

/** Work within one window, done under its lease. */
export interface WindowWork {
  /** Window key. */
  window: string;
  /** Blocks past the block retention, or past a tier no trace outlives: marked compacted. */
  expire: CompactionMeta[];
  /** Rewrites first, then merges. */
  jobs: Job[];
}

/** What a cycle does for one tenant. */
export interface TenantPlan {
  /** Half-marked blocks: their meta.json is deleted. */
  finishMarking: CompactionMeta[];
  /** Live blocks replaced by another live block: marked compacted. */
  markReplaced: CompactionMeta[];
  /** Compacted long enough: deleted. */
  deleteCompacted: CompactedBlock[];
  /** Partial blocks older than the grace period (the caller spares announced outputs). */
  cleanPartial: PartialBlock[];
  /** Blocks whose meta does not parse and that have no quarantine marker yet: quarantined. */
  quarantineBroken: TenantScan['broken'];
  /** Blocks whose meta does not parse, quarantined longer than the tenant's longest retention: deleted. */
  deleteBroken: string[];
  /** Window work, in the order it should run. */
  windows: WindowWork[];
}

/** Window key of a block: `<window length in ms>ms-<index>` of its newest span. */
export function windowOf(meta: CompactionMeta, windowMs: number): string {
  return `${windowMs}ms-${Math.floor(blockEndMs(meta) / windowMs)}`;
}

/** A lowercase UUID (version 8, "custom") from a hash of `key`. */
export function uuidFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Estimated memory to hold one decoded row group of a block. */
export function rowGroupMemory(meta: CompactionMeta): number {
  return Math.ceil(meta.spanCount / Math.max(1, meta.rowGroups)) * DECODED_SPAN_BYTES;
}

function byId(a: CompactionMeta, b: CompactionMeta): number {
  return a.blockID < b.blockID ? -1 : a.blockID > b.blockID ? 1 : 0;
}

/** The retention mark a merge output carries: the weakest of its inputs', if all have one. */
function mergedMark(inputs: readonly CompactionMeta[]): RetentionMark | undefined {
  const marks = inputs.map(retentionMarkOf);
  if (marks.some((m) => !m || m.policy !== marks[0]!.policy)) return undefined;
  return { policy: marks[0]!.policy, ageMs: Math.min(...marks.map((m) => m!.ageMs)) };
}

/**
 * Windows none of whose blocks was written within the settle period. Merge outputs count as
 * written: while level merges still run in a window, it is not settled, so a cross-level merge
 * comes once, after them, and not again until another block arrives.
 */
export function settledWindows(candidates: readonly CompactionMeta[], o: PlannerOptions, now: number): Set<number> {
  const newest = new Map<number, number>();
  for (const m of candidates) {
    const index = Math.floor(blockEndMs(m) / o.windowMs);
    // A meta without a readable creation time counts as just written: it never hurries a merge.
    const created = Date.parse(m.createdAt);
    const at = Number.isFinite(created) ? created : now;
    newest.set(index, Math.max(newest.get(index) ?? -Infinity, at));
  }
  const out = new Set<number>();
  for (const [index, at] of newest) if (now - at >= o.windowSettleMs) out.add(index);
  return out;
}

/** Groups merge candidates and picks jobs, smallest blocks first. */
export function selectMerges(tenant: string, candidates: readonly CompactionMeta[], o: PlannerOptions, now: number): Job[] {
  const settled = settledWindows(candidates, o, now);
  const groups = new Map<string, { order: [number, number, number]; blocks: CompactionMeta[] }>();
  for (const m of candidates) {
    const index = Math.floor(blockEndMs(m) / o.windowMs);
    const active = (index + 1) * o.windowMs > now - ACTIVE_WINDOW_MS && !settled.has(index);
    const sig = `${m.format}|${JSON.stringify(m.dedicatedColumns)}`;
    const key = `${active ? `L${m.compactionLevel}` : '*'}|${index}|${sig}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { order: [active ? 0 : 1, active ? m.compactionLevel : 0, index], blocks: [] }));
    g.blocks.push(m);
  }
  const ordered = [...groups.values()].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  const jobs: Job[] = [];
  for (const g of ordered) {
    let rest = g.blocks.sort((a, b) => a.size - b.size || byId(a, b));
    while (rest.length >= o.minInputBlocks) {
      const take: CompactionMeta[] = [];
      let bytes = 0;
      let memory = OUTPUT_OVERHEAD_BYTES;
      for (const b of rest) {
        if (take.length >= o.maxInputBlocks || bytes + b.size > o.maxBlockBytes || memory + rowGroupMemory(b) > usableMemory(o)) break;
        take.push(b);
        bytes += b.size;
        memory += rowGroupMemory(b);
      }
      if (take.length < o.minInputBlocks) break;
      rest = rest.slice(take.length);
      const inputs = take.sort(byId);
      const level = Math.max(...inputs.map((b) => b.compactionLevel)) + 1;
      const key = `merge|${tenant}|${inputs.map((b) => b.blockID).join(',')}|L${level}`;
      jobs.push({ kind: 'merge', key, outputId: uuidFromKey(key), window: windowOf(inputs[0], o.windowMs), inputs, level, mark: mergedMark(inputs) });
    }
  }
  return jobs;
}

/**
 * The blocks a rewrite of `m` reads for context: live blocks whose time range comes within one
 * window of m's, nearest first while their row groups fit the memory bound (see the design note:
 * parts of a trace further apart than a window, or beyond the bound, are judged on their own).
 */
export function contextOf(m: CompactionMeta, live: readonly CompactionMeta[], o: PlannerOptions): CompactionMeta[] {
  const w = BigInt(o.windowMs) * 1_000_000n;
  const from = BigInt(m.startUnixNano) - w;
  const to = BigInt(m.endUnixNano) + w;
  const near = live.filter((c) => c.blockID !== m.blockID && BigInt(c.startUnixNano) <= to && BigInt(c.endUnixNano) >= from);
  const gap = (c: CompactionMeta) => Math.abs(blockEndMs(c) - blockEndMs(m));
  near.sort((a, b) => gap(a) - gap(b) || byId(a, b));
  let memory = OUTPUT_OVERHEAD_BYTES + rowGroupMemory(m);
  const out: CompactionMeta[] = [];
  for (const c of near) {
    memory += rowGroupMemory(c);
    if (memory > usableMemory(o)) break;
    out.push(c);
  }
  return out.sort(byId);
}

/** Plans one tenant's cycle. */
export function planTenant(scan: TenantScan, policy: RetentionPolicy, o: PlannerOptions, now: number): TenantPlan {
  const live = new Map(scan.live.map((m) => [m.blockID, m]));
  const replaced = new Set<string>();
  for (const m of scan.live) for (const id of compactedFromOf(m)) if (live.has(id)) replaced.add(id);
  const quarantined = scan.quarantined;
  // A quarantined block is kept for the operator until retention would have expired it.
  const deletable = (c: CompactedBlock) => c.compactedAtMs + o.compactedBlockRetentionMs < now && (!quarantined.has(c.meta.blockID) || now - blockEndMs(c.meta) > policy.maxAgeMs);
  const plan: TenantPlan = {
    finishMarking: scan.halfMarked,
    markReplaced: scan.live.filter((m) => replaced.has(m.blockID)),
    deleteCompacted: scan.compacted.filter(deletable),
    cleanPartial: scan.partial.filter((p) => p.newestMs + o.partialBlockGraceMs < now),
    quarantineBroken: scan.broken.filter((b) => !quarantined.has(b.blockId)),
    // Without a meta its age is unknown; its spans are older than the time it was quarantined.
    deleteBroken: scan.broken.filter((b) => (quarantined.get(b.blockId) ?? Infinity) + policy.maxAgeMs < now).map((b) => b.blockId),
    windows: [],
  };
  const readable = quarantined.size === 0 ? scan.live : scan.live.filter((m) => !quarantined.has(m.blockID));
  const windows = new Map<string, WindowWork>();
  const work = (w: string) => {
    let ww = windows.get(w);
    if (!ww) windows.set(w, (ww = { window: w, expire: [], jobs: [] }));
    return ww;
  };
  const candidates: CompactionMeta[] = [];
  for (const m of scan.live) {
    // A block still replacing live blocks waits until they are marked, so a reader never sees
    // a grandchild and a grandparent of the same spans both live.
    if (replaced.has(m.blockID) || compactedFromOf(m).some((id) => live.has(id))) continue;
    const age = now - blockEndMs(m);
    const w = windowOf(m, o.windowMs);
    if (age > policy.maxAgeMs) {
      work(w).expire.push(m);
      continue;
    }
    // Quarantined: nothing more can be read from it than was tried; it waits for expiry.
    if (quarantined.has(m.blockID)) continue;
    const tier = dueTier(policy, age);
    const mark = retentionMarkOf(m);
    if (tier !== undefined && (!mark || mark.policy !== policy.id || mark.ageMs < tier)) {
      const filter = { policy: policy.id, ageMs: tier };
      const context = contextOf(m, readable, o);
      const key = `rewrite|${scan.tenant}|${m.blockID}|${policy.id}|${tier}|${context.map((c) => c.blockID).join(',')}`;
      work(w).jobs.push({ kind: 'rewrite', key, outputId: uuidFromKey(key), window: w, inputs: [m], level: m.compactionLevel, filter, mark: filter, context });
      continue;
    }
    candidates.push(m);
  }
  for (const job of selectMerges(scan.tenant, candidates, o, now)) work(job.window).jobs.push(job);
  plan.windows = [...windows.values()];
  return plan;
}
