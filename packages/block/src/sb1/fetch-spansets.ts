// The TraceQL spanset fetcher over one sb1 block (the SpansetFetcher contract of
// traceql/src/storage.ts). Per row group: read the trace columns and the conditions' columns
// (lists' values only where their keys hold the key); order the traces by start, newest first;
// evaluate the conditions column-wise, a block of rows at a time, as traces are reached; only for
// a trace with a row that matters read the columns the engine asks for, and hand out its spans as
// flyweights that read those columns by row. With `order: 'newest'` this runs over the whole
// block at once, so a search that stops after `limit` traces has the block's newest matches
// having evaluated little more than the rows of the traces it looked at.
import type { FetchedSpan, FetchedSpanset, FetchSpansRequest, FieldRef, SpansetFetcher, Static } from '@spanbase/traceql';
import type { BlockReader } from '../format.ts';
import { ConditionSet } from './fetch-conditions.ts';
import type { FieldReader } from './fetch-fields.ts';
import { BlockFields, loadFields } from './fetch-fields.ts';
import type { GroupData } from './fetch-group.ts';
import { TRACE_COLUMNS, bigintAt, bytesAt, numberAt } from './fetch-group.ts';
import type { TracePosition } from './fetch-order.ts';
import { NewestTraces } from './fetch-order.ts';
import { mapLimited } from '../concurrency.ts';
import type { FetchStats } from './fetch-scan.ts';
import { groupsToScan, inside, loadCounted, loseGroup, newFetchStats, overlaps, sb1ReaderOf } from './fetch-scan.ts';
import type { Sb1Reader } from './reader.ts';
import type { BlockDamage } from '../damage.ts';

/** Options of {@link blockSpansetFetcher}. */
export interface BlockFetcherOptions {
  /**
   * `rowGroups` (default): row group by row group, newest first, traces in each by descending
   * start; memory stays near one row group. `newest`: every trace of the block in descending
   * start order; the conditions' columns of every row group are read first, and what a row group
   * loads stays loaded until the fetch ends.
   */
  readonly order?: 'rowGroups' | 'newest';
  /** Rows whose conditions are evaluated together when a trace among them is reached (default 1024; tests use small ones). */
  readonly evalBlockRows?: number;
  /** Told of each row group a fetch leaves out because it is damaged (the answer is then partial). */
  readonly onLost?: (d: BlockDamage) => void;
}

/** A SpansetFetcher with counters of what its last fetch read. */
export interface BlockSpansetFetcher extends SpansetFetcher {
  /** Counters of the last fetch (a fresh object per fetch). */
  readonly stats: FetchStats;
}

const SPAN_COLUMNS = ['span_id', 'start_unix_nano', 'duration_nano'];
const NESTED_COLUMNS = ['nested_left', 'nested_right', 'nested_parent'];

/** Traces taken in order before matches count as rare (under one in 50): at most this many... */
const RARE_AFTER = 4096;
/** ...and at least this many. */
const RARE_MIN = 64;

/** One fetch's request and what was compiled for it. */
interface Scan {
  readonly request: FetchSpansRequest;
  readonly conditions: ConditionSet;
  readonly readers: readonly FieldReader[];
  readonly ctx: SpanContext;
  readonly output: readonly string[];
  readonly stats: FetchStats;
  readonly signal: AbortSignal | undefined;
}

/** What building spans of a request needs, shared by its spans. */
interface SpanContext {
  readonly readers: readonly FieldReader[];
  readonly nestedSets: boolean;
  readonly fields: BlockFields;
  readonly allAttributes: boolean;
}

/** A span read from the loaded columns of its row group by row. */
class BlockSpan implements FetchedSpan {
  readonly startTimeUnixNano: bigint;
  readonly durationNanos: bigint;
  readonly nestedSetLeft: number;
  readonly nestedSetRight: number;
  readonly nestedSetParent: number;
  readonly attributes: (() => readonly (readonly [FieldRef, Static])[]) | undefined;
  private readonly ctx: SpanContext;
  private readonly g: GroupData;
  private readonly row: number;
  private cache: (Static | null | undefined)[] | undefined;

  constructor(ctx: SpanContext, g: GroupData, row: number) {
    this.ctx = ctx;
    this.g = g;
    this.row = row;
    this.startTimeUnixNano = BigInt.asUintN(64, bigintAt(g.chunk('start_unix_nano'), row));
    this.durationNanos = bigintAt(g.chunk('duration_nano'), row);
    if (ctx.nestedSets) {
      this.nestedSetLeft = numberAt(g.chunk('nested_left'), row);
      this.nestedSetRight = numberAt(g.chunk('nested_right'), row);
      this.nestedSetParent = numberAt(g.chunk('nested_parent'), row);
    } else {
      this.nestedSetLeft = this.nestedSetRight = this.nestedSetParent = 0;
    }
    this.attributes = ctx.allAttributes ? () => ctx.fields.attributes(g, row) : undefined;
  }

  get spanId(): Uint8Array {
    return bytesAt(this.g.chunk('span_id'), this.row);
  }

  value(column: number): Static | undefined {
    const cache = (this.cache ??= new Array(this.ctx.readers.length));
    let v = cache[column];
    if (v === undefined) v = cache[column] = this.ctx.readers[column].value(this.g, this.row) ?? null;
    return v ?? undefined;
  }
}

/** The spanset fetcher of one sb1 block. */
class Sb1SpansetFetcher implements BlockSpansetFetcher {
  stats: FetchStats = newFetchStats();
  private readonly reader: Sb1Reader;
  private readonly fields: BlockFields;
  private readonly order: 'rowGroups' | 'newest';
  private readonly evalBlock: number;
  private readonly onLost: ((d: BlockDamage) => void) | undefined;

  constructor(reader: Sb1Reader, opts: BlockFetcherOptions) {
    this.reader = reader;
    this.fields = new BlockFields(reader);
    this.order = opts.order ?? 'rowGroups';
    this.evalBlock = Math.max(1, opts.evalBlockRows ?? 1024);
    this.onLost = opts.onLost;
  }

  async *fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset> {
    const stats = (this.stats = newFetchStats());
    const conditions = new ConditionSet(this.fields, request.conditions, request.allConditions, false);
    const readers = request.columns.map((f) => this.fields.reader(f));
    const ctx: SpanContext = { readers, nestedSets: request.nestedSets, fields: this.fields, allAttributes: request.allAttributes === true };
    const output = [...SPAN_COLUMNS, ...(request.nestedSets ? NESTED_COLUMNS : []), ...(ctx.allAttributes ? this.fields.allAttributeColumns() : [])];
    const groups = await groupsToScan(this.reader, conditions, request.conditions, request.startTimeUnixNano, request.endTimeUnixNano, stats, { signal });
    const scan: Scan = { request, conditions, readers, ctx, output, stats, signal };
    if (this.order === 'newest') yield* this.newest(scan, groups);
    else for (const g of groups) yield* this.newest(scan, [g]);
  }

  /**
   * The traces of `groups` that have a row that matters, newest first. The conditions' columns
   * of every group are read first (four groups at a time); then traces are taken in start order
   * and the conditions evaluated for blocks of rows as traces reach them, so a consumer that
   * stops early leaves most rows unevaluated and most output columns unread.
   */
  private async *newest(scan: Scan, candidates: readonly GroupData[]): AsyncIterable<FetchedSpanset> {
    const { request, conditions, stats, signal } = scan;
    const load = (g: GroupData) => (names: readonly string[]) => loadCounted(g, names, stats, signal);
    // A row group with a damaged chunk is left out (and counted as lost); the others answer.
    const lost = new Set<GroupData>();
    const ruledOut = new Set<GroupData>();
    const lose = (g: GroupData, err: unknown) => {
      loseGroup(this.reader, g, err, stats, this.onLost, signal);
      lost.add(g);
    };
    // Needles (conditions the filters decide) match few rows: the conditions' columns are read
    // and evaluated first, and the trace columns only of groups where a row matched.
    const first = conditions.wantsFilters && !conditions.readers.some((r) => r.perTrace) && !conditions.needsRoots;
    // Conditions a dictionary can decide (text equality, patterns) read the trace columns only
    // where the dictionaries leave a row possible.
    const split = first || conditions.checksDictionaries;
    const evaluatedFirst = new Map<GroupData, Uint8Array>();
    await mapLimited(candidates, 4, async (g) => {
      signal?.throwIfAborted();
      // What an earlier read of the group's dictionaries kept decides before anything is read.
      if (conditions.ruledOutBySummaries(g)) {
        stats.skippedBySummary++;
        ruledOut.add(g);
        return;
      }
      stats.groupsRead++;
      stats.rowsInspected += g.rows;
      try {
        await loadFields(g, conditions.readers, split ? [] : TRACE_COLUMNS, load(g));
        if (conditions.checksDictionaries) g.keepSummaries(conditions.columns);
        if (conditions.ruledOutByDictionary(g)) {
          stats.skippedByDictionary++;
          ruledOut.add(g);
          return;
        }
        if (first) {
          const mask = conditions.evaluate(g);
          if (mask.indexOf(1) < 0) {
            ruledOut.add(g);
            return;
          }
          evaluatedFirst.set(g, mask);
        }
        if (split) await load(g)(TRACE_COLUMNS);
        if (conditions.needsRoots) await g.prepareRoots(range(g.traceCount), signal);
      } catch (err) {
        lose(g, err);
      }
    });
    const groups = lost.size === 0 && ruledOut.size === 0 ? candidates : candidates.filter((g) => !lost.has(g) && !ruledOut.has(g));
    const masks = groups.map((g) => evaluatedFirst.get(g) ?? new Uint8Array(g.rows));
    const block = this.evalBlock;
    const evaluated = groups.map((g) => new Uint8Array(Math.ceil(g.rows / block)));
    const ready = new Set<GroupData>();
    const all = conditions.conditions.length === 0;
    if (all) for (const m of masks) m.fill(1);
    // Without conditions every row matters; with them, rows are evaluated as traces reach them.
    const settled = groups.map((g) => all || evaluatedFirst.has(g));
    const { startTimeUnixNano: start, endTimeUnixNano: end } = request;
    let order = orderTraces(groups, masks, settled, start, end);
    const rareAfter = Math.max(RARE_MIN, Math.min(RARE_AFTER, order.size >> 3));
    let visited = 0;
    let found = 0;
    for (let next = order.next(); next >= 0; next = order.next()) {
      const group = order.group[next];
      const trace = order.trace[next];
      const g = groups[group];
      if (lost.has(g)) continue;
      const bounds = g.traceBounds();
      const from = bounds[trace];
      const to = bounds[trace + 1];
      const mask = masks[group];
      visited++;
      if (!settled[group]) {
        const done = evaluated[group];
        for (let b = Math.floor(from / block); b * block < to; b++) {
          if (done[b]) continue;
          done[b] = 1;
          conditions.evaluateRange(g, mask, b * block, Math.min(g.rows, (b + 1) * block));
        }
      }
      // Rare matches: evaluating the rest at once and ordering only the traces that match
      // costs less than taking every trace in order.
      if (visited === rareAfter && found * 50 < visited) {
        groups.forEach((x, i) => {
          if (settled[i]) return;
          for (let b = 0; b < evaluated[i].length; b++) if (!evaluated[i][b]) conditions.evaluateRange(x, masks[i], b * block, Math.min(x.rows, (b + 1) * block));
          settled[i] = true;
        });
        order = orderTraces(groups, masks, settled, start, end, order.cutoff(next));
      }
      let hit = from;
      while (hit < to && mask[hit] === 0) hit++;
      if (hit === to) continue;
      try {
        if (!ready.has(g)) {
          signal?.throwIfAborted();
          await loadFields(g, scan.readers, scan.output, load(g));
          ready.add(g);
        }
        await g.prepareRoots([trace], signal);
      } catch (err) {
        // Its traces handed out already stay handed out; the rest of the group is lost.
        lose(g, err);
        continue;
      }
      found++;
      const spanset = this.spanset(scan.ctx, g, trace, mask);
      stats.yielded++;
      stats.spans += spanset.spans.length;
      yield spanset;
    }
  }

  private spanset(ctx: SpanContext, g: GroupData, t: number, mask: Uint8Array): FetchedSpanset {
    const bounds = g.traceBounds();
    const spans: FetchedSpan[] = [];
    for (let r = bounds[t]; r < bounds[t + 1]; r++) if (mask[r] === 1) spans.push(new BlockSpan(ctx, g, r));
    const traceStart = g.traceStart(t);
    return {
      traceId: g.traceId(t).slice(),
      rootServiceName: g.rootService(t),
      rootSpanName: g.rootName(t),
      startTimeUnixNano: traceStart,
      durationNanos: g.traceEnd(t) - traceStart,
      spans,
    };
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The traces of `groups` overlapping the time range, newest first: in settled groups only those
 * with a row set in their mask; with `after`, only those that come after that position.
 */
function orderTraces(groups: readonly GroupData[], masks: readonly Uint8Array[], settled: readonly boolean[], start: bigint, end: bigint, after?: TracePosition): NewestTraces {
  const order = new NewestTraces(groups.reduce((n, g) => n + g.traceCount, 0));
  const halves = new Uint32Array(2);
  groups.forEach((g, index) => {
    const timed = !inside(g.entry.minStartUnixNano, g.entry.maxEndUnixNano, start, end);
    const bounds = g.traceBounds();
    const mask = masks[index];
    for (let t = 0; t < g.traceCount; t++) {
      if (settled[index]) {
        let r = bounds[t];
        while (r < bounds[t + 1] && mask[r] === 0) r++;
        if (r === bounds[t + 1]) continue;
      }
      if (timed && !overlaps(g.traceStart(t), g.traceEnd(t), start, end)) continue;
      g.traceStartHalves(t, halves);
      if (after && !after.before(halves[0], halves[1], index, t)) continue;
      order.add(index, t, halves[0], halves[1]);
    }
  });
  return order;
}

/**
 * A SpansetFetcher over one sb1 block (see the module comment). `reader` must be an sb1 block's
 * reader (openBlock gives one for meta.format `sb1`); others throw BLK_ERR_FORMAT.
 */
export function blockSpansetFetcher(reader: BlockReader, opts: BlockFetcherOptions = {}): BlockSpansetFetcher {
  return new Sb1SpansetFetcher(sb1ReaderOf(reader), opts);
}
