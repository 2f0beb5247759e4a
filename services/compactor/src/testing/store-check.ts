// What a querier would see in a store, read three ways (trace by id, search, a span-count metric),
// so tests can assert that every span is there exactly once at any point of a compaction.
import type { ObjectStore } from '@spanbase/backend';
import { listBlocks, openBlock, tenantIndexKey, visibleBlocks, writeBlock } from '@spanbase/block';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex } from '@spanbase/model';
import { MemoryFetcher, executeSearch } from '@spanbase/traceql';
import type { CompactionMeta } from '../compaction-meta.ts';
import { spanKeys } from './traces.ts';

/** Writes a level-0 block as an ingester would. */
export async function writeTestBlock(store: ObjectStore, tenant: string, traces: SpanRecord[][], level = 0, now?: () => number): Promise<CompactionMeta> {
  return writeBlock(store, { tenant, compactionLevel: level, rowGroupSpans: 64, now: now && (() => new Date(now())) }, traces);
}

/** Blocks a querier listing now would read: the live ones of its block list, minus the replaced ones. */
export async function visibleMetas(store: ObjectStore, tenant: string): Promise<CompactionMeta[]> {
  const list = await listBlocks(store, tenant);
  if (list.errors.length > 0) throw new Error(`unreadable metas: ${list.errors.map((e) => e.key).join(', ')}`);
  return visibleBlocks(list.live);
}

/** Every trace part of the given blocks. */
export async function readParts(store: ObjectStore, metas: readonly CompactionMeta[]): Promise<SpanRecord[][]> {
  const out: SpanRecord[][] = [];
  for (const m of metas) for await (const t of openBlock(store, m).iterateTraces()) out.push(t);
  return out;
}

/** What a reader sees, three ways. */
export interface ReaderView {
  /** Span keys found by looking up each trace id in every visible block. */
  byId: string[];
  /** Spans matched by `{ }` per trace id (hex), from executeSearch over the visible blocks. */
  searchSpans: Map<string, number>;
  /** Spans per minute of start time. */
  perMinute: Map<bigint, number>;
}

/** Reads the store as a querier would, for the trace ids of `expected`. */
export async function readerView(store: ObjectStore, tenant: string, traceIds: readonly Uint8Array[], metas?: readonly CompactionMeta[]): Promise<ReaderView> {
  const visible = metas ?? (await visibleMetas(store, tenant));
  const readers = visible.map((m) => openBlock(store, m));
  const found: SpanRecord[][] = [];
  for (const id of traceIds) {
    for (const r of readers) {
      const t = await r.findTrace(id);
      if (t) found.push(t);
    }
  }
  const parts = await readParts(store, visible);
  const search = await executeSearch('{ }', new MemoryFetcher(parts), { limit: 0, spansPerSpanset: 1 });
  const searchSpans = new Map<string, number>();
  for (const t of search.traces) searchSpans.set(t.traceId, t.spansets.reduce((n, s) => n + s.matched, 0));
  const perMinute = new Map<bigint, number>();
  for (const p of parts) for (const r of p) {
    const minute = r.span.startTimeUnixNano / 60_000_000_000n;
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  return { byId: spanKeys(found), searchSpans, perMinute };
}

/** The view a reader should have of exactly these traces. */
export function expectedView(traces: readonly SpanRecord[][]): Omit<ReaderView, 'byId'> & { byId: string[] } {
  const searchSpans = new Map<string, number>();
  const perMinute = new Map<bigint, number>();
  for (const t of traces) {
    const hex = bytesToHex(t[0].span.traceId).replace(/^0+/, '') || '0';
    searchSpans.set(hex, (searchSpans.get(hex) ?? 0) + t.length);
    for (const r of t) {
      const minute = r.span.startTimeUnixNano / 60_000_000_000n;
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
  }
  return { byId: spanKeys(traces), searchSpans, perMinute };
}

/** Keys of every object under a prefix. */
export async function objectKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).objects.map((o) => o.key);
}

/** Keys of a tenant's block objects (the tenant manifest left out), for leftover checks. */
export async function blockObjectKeys(store: ObjectStore, tenant: string): Promise<string[]> {
  return (await objectKeys(store, `${tenant}/`)).filter((k) => k !== tenantIndexKey(tenant));
}
