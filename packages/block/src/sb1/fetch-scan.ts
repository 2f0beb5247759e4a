// The row-group scan both fetchers share: which row groups a request can skip (time range from
// the index, conditions against column statistics), in which order to visit the rest (newest
// first), and counters that tests and measurements read.
import { compareIds } from '@spanbase/model';
import type { Condition } from '@spanbase/traceql';
import { pinnedTraceId } from '@spanbase/traceql';
import { BlockFormat } from '../errors.ts';
import type { BlockReader, ReadOptions } from '../format.ts';
import type { ConditionSet } from './fetch-conditions.ts';
import { GroupData } from './fetch-group.ts';
import type { RowGroupEntry } from './index-file.ts';
import type { PageIndex } from './page-index.ts';
import type { ColumnChunkStats } from './reader.ts';
import { Sb1Reader, rowGroupOfError } from './reader.ts';
import type { BlockDamage } from '../damage.ts';
import { BlockObjects } from '../keys.ts';

/** What a fetch did, for tests and measurements. */
export interface FetchStats {
  /** Row groups in the block. */
  rowGroups: number;
  /** Row groups skipped by their time range. */
  skippedByTime: number;
  /** Row groups skipped by column statistics (or by their trace-id range, for a pinned id). */
  skippedByStats: number;
  /** 1 when the whole block was ruled out by its bloom filter for a pinned trace id. */
  skippedByBloom: number;
  /** Row groups ruled out by the needle filters (attribute value index, Parquet bloom filters). */
  skippedByIndex: number;
  /** Row groups whose columns were read. */
  groupsRead: number;
  /** Of those, row groups ruled out by the dictionaries of their condition columns (rows not decoded). */
  skippedByDictionary: number;
  /** Row groups ruled out by dictionary summaries kept from earlier reads (nothing read). */
  skippedBySummary: number;
  /** Pages of condition columns left undecoded because their bounds in the Parquet page index rule them out. */
  skippedPages: number;
  /** Distinct columns read, over all row groups. */
  columnsRead: Set<string>;
  /** Column chunk bytes read from the store. */
  bytesRead: number;
  /** Column chunk bytes used, read or from the chunk cache: what the fetch inspected. */
  bytesInspected: number;
  /** Spans (rows) of the row groups whose columns were read. */
  rowsInspected: number;
  /** Spansets (or batches) handed out. */
  yielded: number;
  /** Spans (or rows) handed out. */
  spans: number;
  /** Row groups left out because their column chunks are damaged: the answer lacks their spans. */
  lost: BlockDamage[];
}

/** Fresh counters. */
export function newFetchStats(): FetchStats {
  return { rowGroups: 0, skippedByTime: 0, skippedByStats: 0, skippedByBloom: 0, skippedByIndex: 0, groupsRead: 0, skippedByDictionary: 0, skippedBySummary: 0, skippedPages: 0, columnsRead: new Set(), bytesRead: 0, bytesInspected: 0, rowsInspected: 0, yielded: 0, spans: 0, lost: [] };
}

/**
 * Records a row group a fetch has to leave out because `err` says it is damaged, and tells
 * `onLost`; rethrows any other error (an abort, a store failure, damage to the whole block).
 */
export function loseGroup(reader: Sb1Reader, g: GroupData, err: unknown, stats: FetchStats, onLost: ((d: BlockDamage) => void) | undefined, signal?: AbortSignal): void {
  if (signal?.aborted || rowGroupOfError(err) === undefined) throw err;
  if (stats.lost.some((d) => d.rowGroup === g.index)) return;
  const d: BlockDamage = { tenantID: reader.meta.tenantID, blockID: reader.meta.blockID, object: BlockObjects.data, rowGroup: g.index, rows: g.rows, fallback: 'row-group-lost', message: (err as Error).message };
  stats.lost.push(d);
  onLost?.(d);
}

/** The sb1 reader behind a block reader; the fetchers read sb1 columns. */
export function sb1ReaderOf(reader: BlockReader): Sb1Reader {
  if (!(reader instanceof Sb1Reader)) throw BlockFormat(`the TraceQL fetchers read sb1 blocks, not ${reader.meta.format}`);
  return reader;
}

/** Whether [min, max] overlaps the request's range (0n leaves a side open). */
export function overlaps(min: bigint, max: bigint, start: bigint, end: bigint): boolean {
  return (end === 0n || min <= end) && (start === 0n || max >= start);
}

/** Whether [min, max] lies inside the request's range, so no trace in it needs a time test. */
export function inside(min: bigint, max: bigint, start: bigint, end: bigint): boolean {
  return (start === 0n || min >= start) && (end === 0n || max <= end);
}

const STATS_FIELDS = new Set(['name', 'status', 'kind', 'duration', 'rootName', 'rootServiceName']);

/** Whether any condition can use column statistics (worth reading the Parquet footer for). */
function wantsStats(conditions: readonly Condition[]): boolean {
  return conditions.some((c) => c.field.kind === 'intrinsic' && STATS_FIELDS.has(c.field.name));
}

/**
 * The row groups worth reading for a time range and conditions, newest first (by their latest
 * trace start when statistics are read, else by their latest span end). A pinned trace id is
 * looked up in the bloom filter first, and then only the row group whose id range holds it is read.
 */
export async function groupsToScan(reader: Sb1Reader, conditions: ConditionSet, raw: readonly Condition[], start: bigint, end: bigint, stats: FetchStats, opts: ReadOptions): Promise<GroupData[]> {
  const pinned = pinnedTraceId({ conditions: raw, allConditions: conditions.all });
  if (pinned === null || (pinned && !(await reader.mayContainTrace(pinned, opts)))) {
    stats.skippedByBloom++;
    return [];
  }
  const entries = await reader.rowGroups(opts);
  stats.rowGroups += entries.length;
  let columnStats: ColumnChunkStats[][] | undefined;
  let pages: PageIndex | undefined;
  if (wantsStats(raw)) [columnStats, pages] = await Promise.all([reader.columnStats(opts), reader.pageIndex(opts)]);
  const filters = conditions.wantsFilters ? await reader.needleFilters(opts) : undefined;
  const index = (name: string) => reader.columnIndexOf(name);
  const out: { g: GroupData; newest: bigint }[] = [];
  entries.forEach((e: RowGroupEntry, i) => {
    if (pinned && (compareIds(e.minTraceId, pinned) > 0 || compareIds(e.maxTraceId, pinned) < 0)) {
      stats.skippedByStats++;
      return;
    }
    if (!overlaps(e.minStartUnixNano, e.maxEndUnixNano, start, end)) {
      stats.skippedByTime++;
      return;
    }
    if (columnStats && !conditions.mayMatch(columnStats[i], index, e.rows)) {
      stats.skippedByStats++;
      return;
    }
    if (filters && !conditions.mayMatch(columnStats?.[i], index, e.rows, filters, i)) {
      stats.skippedByIndex++;
      return;
    }
    const maxStart = columnStats?.[i][index('trace_start_unix_nano')]?.max;
    out.push({ g: new GroupData(reader, i, e, pages, stats), newest: typeof maxStart === 'bigint' ? BigInt.asUintN(64, maxStart) : e.maxEndUnixNano });
  });
  out.sort((a, b) => (a.newest > b.newest ? -1 : a.newest < b.newest ? 1 : a.g.index - b.g.index));
  return out.map((x) => x.g);
}

/** Loads columns of a group and counts them. */
export async function loadCounted(g: GroupData, names: Iterable<string>, stats: FetchStats, signal?: AbortSignal): Promise<void> {
  const before = g.bytesRead;
  const inspected = g.bytesInspected;
  const list = [...names];
  await g.load(list, signal);
  for (const n of list) stats.columnsRead.add(n);
  stats.bytesRead += g.bytesRead - before;
  stats.bytesInspected += g.bytesInspected - inspected;
}
