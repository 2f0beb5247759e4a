// The TraceQL spanset fetcher over one sb1 block (the SpansetFetcher contract of
// traceql/src/storage.ts). Per row group: read the trace columns and the conditions' columns,
// evaluate the conditions column-wise into a row mask, keep the traces in the time range with a
// row that matters; only then read the columns the engine asks for, and hand out spans as
// flyweights that read those columns by row. Row groups come newest first; with
// `order: 'newest'` the traces of the whole block come in descending start order, so a search
// that stops after `limit` traces has the newest ones having looked at one trace per result.
import type { FetchedSpan, FetchedSpanset, FetchSpansRequest, FieldRef, SpansetFetcher, Static } from '@spanbase/traceql';
import type { BlockReader } from '../format.ts';
import { ConditionSet } from './fetch-conditions.ts';
import type { FieldReader } from './fetch-fields.ts';
import { BlockFields, loadFields } from './fetch-fields.ts';
import type { GroupData } from './fetch-group.ts';
import { TRACE_COLUMNS, bigintAt, bytesAt, numberAt } from './fetch-group.ts';
import { HI, LO } from './fetch-pages.ts';
import type { FetchStats } from './fetch-scan.ts';
import { groupsToScan, inside, loadCounted, newFetchStats, overlaps, sb1ReaderOf } from './fetch-scan.ts';
import type { Sb1Reader } from './reader.ts';

/** Options of {@link blockSpansetFetcher}. */
export interface BlockFetcherOptions {
  /**
   * `rowGroups` (default): row group by row group, newest first, traces in each by descending
   * start; memory stays near one row group. `newest`: every trace of the block in descending
   * start order; the conditions are evaluated over all row groups first, and the columns of a row
   * group stay loaded until the fetch ends.
   */
  readonly order?: 'rowGroups' | 'newest';
}

/** A SpansetFetcher with counters of what its last fetch read. */
export interface BlockSpansetFetcher extends SpansetFetcher {
  /** Counters of the last fetch (a fresh object per fetch). */
  readonly stats: FetchStats;
}

const SPAN_COLUMNS = ['span_id', 'start_unix_nano', 'duration_nano'];
const NESTED_COLUMNS = ['nested_left', 'nested_right', 'nested_parent'];

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

/** A trace that has rows that matter, found by the first phase. */
interface Candidate {
  readonly g: GroupData;
  readonly trace: number;
  /** Unsigned start, high and low 32 bits (exact ordering without BigInt). */
  readonly hi: number;
  readonly lo: number;
}

/** Max-heap of candidates by start: the newest comes out first, and only as many as are taken are ordered. */
class NewestFirst {
  private readonly items: Candidate[];
  constructor(items: Candidate[]) {
    this.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private newer(a: Candidate, b: Candidate): boolean {
    return a.hi !== b.hi ? a.hi > b.hi : a.lo !== b.lo ? a.lo > b.lo : a.g.index !== b.g.index ? a.g.index < b.g.index : a.trace < b.trace;
  }

  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.newer(a[l], a[m])) m = l;
      if (r < a.length && this.newer(a[r], a[m])) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }

  pop(): Candidate | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }
}

/** The spanset fetcher of one sb1 block. */
class Sb1SpansetFetcher implements BlockSpansetFetcher {
  stats: FetchStats = newFetchStats();
  private readonly reader: Sb1Reader;
  private readonly fields: BlockFields;
  private readonly order: 'rowGroups' | 'newest';

  constructor(reader: Sb1Reader, opts: BlockFetcherOptions) {
    this.reader = reader;
    this.fields = new BlockFields(reader);
    this.order = opts.order ?? 'rowGroups';
  }

  async *fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset> {
    const stats = (this.stats = newFetchStats());
    const { startTimeUnixNano: start, endTimeUnixNano: end } = request;
    const conditions = new ConditionSet(this.fields, request.conditions, request.allConditions, false);
    const readers = request.columns.map((f) => this.fields.reader(f));
    const ctx: SpanContext = { readers, nestedSets: request.nestedSets, fields: this.fields, allAttributes: request.allAttributes === true };
    const output = [...SPAN_COLUMNS, ...(request.nestedSets ? NESTED_COLUMNS : []), ...(ctx.allAttributes ? this.fields.allAttributeColumns() : [])];
    const groups = await groupsToScan(this.reader, conditions, request.conditions, start, end, stats, { signal });
    const waves = this.order === 'newest' ? [groups] : groups.map((g) => [g]);
    for (const wave of waves) {
      const found: Candidate[] = [];
      const masks = new Map<GroupData, Uint8Array>();
      const traces = new Map<GroupData, number[]>();
      for (const g of wave) {
        signal?.throwIfAborted();
        stats.groupsRead++;
        await loadFields(g, conditions.readers, TRACE_COLUMNS, (names) => loadCounted(g, names, stats, signal));
        if (conditions.needsRoots) await g.prepareRoots(range(g.traceCount), signal);
        const mask = conditions.evaluate(g);
        const before = found.length;
        collect(g, mask, start, end, found);
        if (found.length > before) {
          masks.set(g, mask);
          traces.set(g, found.slice(before).map((c) => c.trace));
        }
      }
      const heap = new NewestFirst(found);
      const ready = new Set<GroupData>();
      for (let c = heap.pop(); c; c = heap.pop()) {
        const g = c.g;
        if (!ready.has(g)) {
          signal?.throwIfAborted();
          await loadFields(g, readers, output, (names) => loadCounted(g, names, stats, signal));
          await g.prepareRoots(traces.get(g)!, signal);
          ready.add(g);
        }
        const spanset = this.spanset(ctx, g, c.trace, masks.get(g)!);
        stats.yielded++;
        stats.spans += spanset.spans.length;
        yield spanset;
      }
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

/** Adds the traces of `g` in the time range with a row set in `mask` to `out`. */
function collect(g: GroupData, mask: Uint8Array, start: bigint, end: bigint, out: Candidate[]): void {
  const bounds = g.traceBounds();
  const timed = !inside(g.entry.minStartUnixNano, g.entry.maxEndUnixNano, start, end);
  const starts = g.chunk('trace_start_unix_nano');
  for (let hit = mask.indexOf(1); hit >= 0; ) {
    const t = g.traceOf(hit);
    const from = bounds[t];
    hit = mask.indexOf(1, bounds[t + 1]);
    if (timed && !overlaps(g.traceStart(t), g.traceEnd(t), start, end)) continue;
    const page = starts.pageOf(from);
    const values = page.codes ? starts.dictionary! : page.values!;
    const i = page.codes ? page.codes[from - page.firstRow] : from - page.firstRow;
    out.push({ g, trace: t, hi: values.halves![2 * i + HI] >>> 0, lo: values.halves![2 * i + LO] >>> 0 });
  }
}

/**
 * A SpansetFetcher over one sb1 block (see the module comment). `reader` must be an sb1 block's
 * reader (openBlock gives one for meta.format `sb1`); others throw BLK_ERR_FORMAT.
 */
export function blockSpansetFetcher(reader: BlockReader, opts: BlockFetcherOptions = {}): BlockSpansetFetcher {
  return new Sb1SpansetFetcher(sb1ReaderOf(reader), opts);
}
