// Block metas for planner and lease tests, without writing blocks.
import type { CompactionMeta } from '../compaction-meta.ts';
import { uuidFromKey } from '../planner.ts';

/** Fields a test sets; the rest get plausible values. */
export interface FakeMetaOptions {
  /** Name the id is derived from. */
  name: string;
  /** Newest span end, unix ms. */
  endMs: number;
  /** Tenant (default `t`). */
  tenant?: string;
  /** data.parquet bytes (default 1000). */
  size?: number;
  /** Compaction level (default 0). */
  level?: number;
  /** Spans (default 1000), in `rowGroups` row groups (default 1). */
  spans?: number;
  /** Row groups. */
  rowGroups?: number;
  /** Extra meta keys. */
  extra?: Partial<CompactionMeta>;
}

/** A meta as a writer would produce it. */
export function fakeMeta(o: FakeMetaOptions): CompactionMeta {
  const endNs = BigInt(o.endMs) * 1_000_000n;
  return {
    format: 'sb1',
    blockID: fakeId(o.name),
    tenantID: o.tenant ?? 't',
    startTime: new Date(o.endMs - 60_000).toISOString(),
    endTime: new Date(o.endMs).toISOString(),
    totalObjects: 10,
    size: o.size ?? 1000,
    compactionLevel: o.level ?? 0,
    bloomShards: 1,
    footerSize: 100,
    dedicatedColumns: [],
    spanCount: o.spans ?? 1000,
    rowGroups: o.rowGroups ?? 1,
    checksums: {},
    createdAt: new Date(o.endMs).toISOString(),
    startUnixNano: (endNs - 60_000_000_000n).toString(),
    endUnixNano: endNs.toString(),
    minTraceID: '0'.repeat(32),
    maxTraceID: 'f'.repeat(32),
    bloomFalsePositive: 0.01,
    ...o.extra,
  };
}

/** The block id fakeMeta gives `name`. */
export function fakeId(name: string): string {
  return uuidFromKey(`fake|${name}`);
}
