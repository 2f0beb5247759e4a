// The metrics column path over one sb1 block (SpanColumnFetcher in traceql/src/storage.ts): per
// row group, the conditions evaluated exactly and column-wise, rows outside the time range
// dropped, and the matching rows handed over as one batch of typed arrays: start times and
// durations copied as 32-bit halves (no BigInt per row), each requested field as dictionary
// codes whose entries are converted once per distinct stored value (a resource, a route).
import type { ColumnVector, FetchColumnsRequest, SpanColumnBatch, SpanColumnFetcher, Static } from '@spanbase/traceql';
import { TqlUnsupportedError } from '@spanbase/traceql';
import type { BlockReader } from '../format.ts';
import { ConditionSet } from './fetch-conditions.ts';
import type { FieldReader } from './fetch-fields.ts';
import { BlockFields, loadFields } from './fetch-fields.ts';
import type { GroupData } from './fetch-group.ts';
import { TRACE_COLUMNS, bytesAt, locatedValues } from './fetch-group.ts';
import type { Values } from './fetch-pages.ts';
import { HI, LO } from './fetch-pages.ts';
import type { FetchStats } from './fetch-scan.ts';
import { groupsToScan, loadCounted, loseGroup, newFetchStats, sb1ReaderOf } from './fetch-scan.ts';
import type { Sb1Reader } from './reader.ts';
import type { BlockDamage } from '../damage.ts';

/** A SpanColumnFetcher with counters of what its last fetch read. */
export interface BlockColumnFetcher extends SpanColumnFetcher {
  /** Counters of the last fetch (a fresh object per fetch). */
  readonly stats: FetchStats;
}

/** Same key for values the metrics engine groups together (as its valueKey does). */
function keyOf(v: Static): string {
  if (v.type === 'array') return `array:[${v.value.map(keyOf).join(',')}]`;
  if (v.type === 'nil') return 'nil';
  return `${v.type}:${typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value)}`;
}

/** Builds one dictionary column of a batch. */
class VectorBuilder {
  readonly codes: Int32Array;
  readonly dictionary: Static[] = [];
  private readonly ids = new Map<string, number>();
  private readonly reader: FieldReader;
  // Per source: the values object last seen, and its entries' output codes (-1 unknown, -2 absent).
  private memoOf: (Values | undefined)[] = [];
  private memos: Int32Array[] = [];
  private traceMemo: Int32Array | undefined;

  constructor(reader: FieldReader, rows: number) {
    this.reader = reader;
    this.codes = new Int32Array(rows);
  }

  private add(v: Static | undefined): number {
    if (v === undefined || v.type === 'nil') return -1;
    const k = keyOf(v);
    let id = this.ids.get(k);
    if (id === undefined) {
      this.ids.set(k, (id = this.dictionary.length));
      this.dictionary.push(v);
    }
    return id;
  }

  private memo(s: number, values: Values): Int32Array {
    if (this.memoOf[s] !== values) {
      this.memoOf[s] = values;
      this.memos[s] = new Int32Array(values.count).fill(-1);
    }
    return this.memos[s];
  }

  /** Fills the codes of `rows`; a first source that is a flat column is walked page by page. */
  fill(g: GroupData, rows: Int32Array): void {
    const first = this.reader.active?.(g)[0];
    if (!first?.flat) {
      for (let k = 0; k < rows.length; k++) this.set(k, g, rows[k], 0);
      return;
    }
    const rv = g.chunk(first.flat).rowValues(rows);
    let k = 0;
    for (let s = 0; s < rv.values.length; s++) {
      const values = rv.values[s];
      const memo = this.memo(0, values);
      const end = rv.ends[s];
      for (; k < end; k++) {
        const i = rv.idx[k];
        let code = -2;
        if (i >= 0) {
          code = memo[i];
          if (code === -1) {
            const v = first.convert(values, i);
            code = memo[i] = v === undefined ? -2 : this.add(v);
          }
        }
        if (code !== -2) this.codes[k] = code;
        else this.set(k, g, rows[k], 1);
      }
    }
  }

  /** Sets the code of batch row `out` (block row `row`) from the sources from `from` on. */
  private set(out: number, g: GroupData, row: number, from: number): void {
    const sources = this.reader.active?.(g);
    if (sources) {
      for (let s = from; s < sources.length; s++) {
        const i = sources[s].find(g, row);
        if (i < 0) continue;
        const values = locatedValues();
        const memo = this.memo(s, values);
        let code = memo[i];
        if (code === -1) {
          const v = sources[s].convert(values, i);
          code = memo[i] = v === undefined ? -2 : this.add(v);
        }
        if (code !== -2) {
          this.codes[out] = code;
          return;
        }
      }
      this.codes[out] = -1;
      return;
    }
    if (this.reader.perTrace) {
      const t = g.traceOf(row);
      const memo = (this.traceMemo ??= new Int32Array(g.traceCount).fill(-2));
      if (memo[t] === -2) memo[t] = this.add(this.reader.value(g, row));
      this.codes[out] = memo[t];
      return;
    }
    this.codes[out] = this.add(this.reader.value(g, row));
  }

  vector(): ColumnVector {
    return { kind: 'dictionary', codes: this.codes, dictionary: this.dictionary };
  }
}

/** Splits an unsigned 64-bit bound into its high and low 32 bits. */
function halvesOf(x: bigint): [number, number] {
  const u = BigInt.asUintN(64, x);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

let identity = new Int32Array(0);

/** Rows set in the mask (all rows share one array, never written after it is made). */
function maskedRows(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let r = 0; r < mask.length; r++) n += mask[r];
  if (n === mask.length) {
    if (identity.length < n) identity = Int32Array.from({ length: n }, (_, i) => i);
    return identity.subarray(0, n);
  }
  const rows = new Int32Array(n);
  for (let r = 0, k = 0; r < mask.length; r++) if (mask[r] === 1) rows[k++] = r;
  return rows;
}

/** The INT64 values of `rows` (ascending) of a column, copied half by half: no BigInt per row, one copy per run of a plain page. */
function gather(g: GroupData, column: string, rows: Int32Array): BigInt64Array {
  const out = new BigInt64Array(rows.length);
  const out32 = new Int32Array(out.buffer);
  const c = g.chunk(column);
  let k = 0;
  while (k < rows.length) {
    const page = c.pageOf(rows[k]);
    const first = page.firstRow;
    const last = first + page.rows;
    let e = k;
    while (e < rows.length && rows[e] < last) e++;
    if (!page.codes && !page.index && rows[e - 1] - rows[k] === e - 1 - k) {
      out32.set(page.values!.halves!.subarray(2 * (rows[k] - first), 2 * (rows[e - 1] - first + 1)), 2 * k);
      k = e;
      continue;
    }
    const h = (page.codes ? c.dictionary! : page.values!).halves!;
    for (; k < e; k++) {
      const slot = page.index ? page.index[rows[k] - first] : rows[k] - first;
      const i = page.codes ? page.codes[slot] : slot;
      out32[2 * k] = h[2 * i];
      out32[2 * k + 1] = h[2 * i + 1];
    }
  }
  return out;
}

/** The rows whose start (in `starts`, gathered for `rows`) is in (from, to]; to = 0n leaves it open. */
function inTime(rows: Int32Array, starts: BigInt64Array, from: bigint, to: bigint): Int32Array {
  const [fromHi, fromLo] = halvesOf(from);
  const [toHi, toLo] = halvesOf(to);
  const h = new Int32Array(starts.buffer, starts.byteOffset, starts.length * 2);
  const keep = new Int32Array(rows.length);
  let n = 0;
  for (let k = 0; k < rows.length; k++) {
    const hi = h[2 * k + HI] >>> 0;
    const lo = h[2 * k + LO] >>> 0;
    if ((hi > fromHi || (hi === fromHi && lo > fromLo)) && (to === 0n || hi < toHi || (hi === toHi && lo <= toLo))) keep[n++] = k;
  }
  return keep.subarray(0, n);
}

function pick(xs: BigInt64Array, ks: Int32Array): BigInt64Array {
  const out = new BigInt64Array(ks.length);
  const o = new Int32Array(out.buffer);
  const x = new Int32Array(xs.buffer, xs.byteOffset, xs.length * 2);
  for (let j = 0; j < ks.length; j++) {
    o[2 * j] = x[2 * ks[j]];
    o[2 * j + 1] = x[2 * ks[j] + 1];
  }
  return out;
}

class Sb1ColumnFetcher implements BlockColumnFetcher {
  stats: FetchStats = newFetchStats();
  private readonly reader: Sb1Reader;
  private readonly fields: BlockFields;
  private readonly onLost: ((d: BlockDamage) => void) | undefined;

  constructor(reader: Sb1Reader, onLost?: (d: BlockDamage) => void) {
    this.reader = reader;
    this.fields = new BlockFields(reader);
    this.onLost = onLost;
  }

  async *fetchColumns(request: FetchColumnsRequest, signal?: AbortSignal): AsyncIterable<SpanColumnBatch> {
    const stats = (this.stats = newFetchStats());
    for (const c of request.conditions) {
      if (c.field.kind === 'intrinsic' && c.field.name === 'parent') throw TqlUnsupportedError('the block column path cannot evaluate conditions on parent');
    }
    const conditions = new ConditionSet(this.fields, request.conditions, true, true);
    const readers = request.columns.map((f) => this.fields.reader(f));
    const perTrace = conditions.conditions.some((c) => c.reader.perTrace) || readers.some((r) => r.perTrace);
    const base = ['start_unix_nano', 'duration_nano', ...(perTrace ? TRACE_COLUMNS : [])];
    const withIds = [...base, 'trace_id', 'span_id'];
    const roots = conditions.needsRoots || request.columns.some((f) => f.kind === 'intrinsic' && (f.name === 'rootName' || f.name === 'rootServiceName'));
    const { startTimeUnixNano: from, endTimeUnixNano: to } = request;
    // Spans starting in (from, to]: a group may hold one when it overlaps [from, to].
    const groups = await groupsToScan(this.reader, conditions, request.conditions, from, to, stats, { signal });
    for (const g of groups) {
      signal?.throwIfAborted();
      stats.groupsRead++;
      stats.rowsInspected += g.rows;
      // Ids are read only while the engine still wants some from this group's time range.
      const ids = request.ids && (request.idsWanted?.(g.entry.minStartUnixNano, g.entry.maxEndUnixNano) ?? true);
      try {
        await loadFields(g, [...conditions.readers, ...readers], ids ? withIds : base, (names) => loadCounted(g, names, stats, signal));
        if (roots) await g.prepareRoots(Array.from({ length: g.traceCount }, (_, t) => t), signal);
      } catch (err) {
        // A row group with a damaged chunk is left out (and counted as lost); the others answer.
        loseGroup(this.reader, g, err, stats, this.onLost, signal);
        continue;
      }
      let rows = maskedRows(conditions.evaluate(g));
      let starts = gather(g, 'start_unix_nano', rows);
      if (!(g.entry.minStartUnixNano > from && (to === 0n || g.entry.maxEndUnixNano <= to))) {
        const keep = inTime(rows, starts, from, to);
        if (keep.length < rows.length) {
          rows = Int32Array.from(keep, (k) => rows[k]);
          starts = pick(starts, keep);
        }
      }
      if (rows.length === 0) continue;
      const vectors = readers.map((r) => new VectorBuilder(r, rows.length));
      for (const v of vectors) v.fill(g, rows);
      stats.yielded++;
      stats.spans += rows.length;
      const batchRows = rows;
      yield {
        length: rows.length,
        startTimeUnixNano: starts,
        durationNano: gather(g, 'duration_nano', rows),
        columns: vectors.map((v) => v.vector()),
        traceId: ids ? (row) => g.traceId(g.traceOf(batchRows[row])) : undefined,
        spanId: ids ? (row) => bytesAt(g.chunk('span_id'), batchRows[row]) : undefined,
      };
    }
  }
}

/**
 * The metrics column path over one sb1 block. Every condition is evaluated exactly (a block's
 * values are those its own row decoder gives); `reader` must be an sb1 block's reader. Row groups
 * with a damaged chunk are left out, and `opts.onLost` is told of each.
 */
export function blockColumnFetcher(reader: BlockReader, opts: { onLost?: (d: BlockDamage) => void } = {}): BlockColumnFetcher {
  return new Sb1ColumnFetcher(sb1ReaderOf(reader), opts.onLost);
}
