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
import { BlockFields } from './fetch-fields.ts';
import type { GroupData } from './fetch-group.ts';
import { TRACE_COLUMNS, bytesAt, locatedValues } from './fetch-group.ts';
import type { Values } from './fetch-pages.ts';
import { HI, LO } from './fetch-pages.ts';
import type { FetchStats } from './fetch-scan.ts';
import { groupsToScan, loadCounted, newFetchStats, sb1ReaderOf } from './fetch-scan.ts';
import type { Sb1Reader } from './reader.ts';

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

  set(out: number, g: GroupData, row: number): void {
    const sources = this.reader.sources;
    if (sources) {
      for (let s = 0; s < sources.length; s++) {
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

/** Splits an unsigned 64-bit bound into the float-comparable high and low halves. */
function halvesOf(x: bigint): [number, number] {
  const u = BigInt.asUintN(64, x);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

/** Rows of the mask whose start is in (from, to], the request's span time range. */
function selectRows(g: GroupData, mask: Uint8Array, from: bigint, to: bigint): Int32Array {
  const [fromHi, fromLo] = halvesOf(from);
  const [toHi, toLo] = halvesOf(to);
  const open = to === 0n;
  const chunk = g.chunk('start_unix_nano');
  const rows = new Int32Array(g.rows);
  let n = 0;
  for (let p = 0; p < chunk.pageCount; p++) {
    const first = chunk.pageStart(p);
    const last = chunk.pageStart(p + 1);
    const any = mask.indexOf(1, first);
    if (any < 0 || any >= last) continue;
    const page = chunk.page(p);
    const values = page.codes ? chunk.dictionary! : page.values!;
    const h = values.halves!;
    for (let r = first; r < last; r++) {
      if (mask[r] !== 1) continue;
      const i = page.codes ? page.codes[r - first] : r - first;
      const hi = h[2 * i + HI] >>> 0;
      const lo = h[2 * i + LO] >>> 0;
      const afterFrom = hi > fromHi || (hi === fromHi && lo > fromLo);
      const beforeTo = open || hi < toHi || (hi === toHi && lo <= toLo);
      if (afterFrom && beforeTo) rows[n++] = r;
    }
  }
  return rows.subarray(0, n);
}

/** Copies the INT64 values of `rows` of a column into a BigInt64Array, half by half. */
function gather(g: GroupData, column: string, rows: Int32Array): BigInt64Array {
  const out = new BigInt64Array(rows.length);
  const out32 = new Int32Array(out.buffer);
  const chunk = g.chunk(column);
  for (let k = 0; k < rows.length; k++) {
    const page = chunk.pageOf(rows[k]);
    const slot = rows[k] - page.firstRow;
    const values = page.codes ? chunk.dictionary! : page.values!;
    const i = page.codes ? page.codes[slot] : slot;
    out32[2 * k] = values.halves![2 * i];
    out32[2 * k + 1] = values.halves![2 * i + 1];
  }
  return out;
}

class Sb1ColumnFetcher implements BlockColumnFetcher {
  stats: FetchStats = newFetchStats();
  private readonly reader: Sb1Reader;
  private readonly fields: BlockFields;

  constructor(reader: Sb1Reader) {
    this.reader = reader;
    this.fields = new BlockFields(reader);
  }

  async *fetchColumns(request: FetchColumnsRequest, signal?: AbortSignal): AsyncIterable<SpanColumnBatch> {
    const stats = (this.stats = newFetchStats());
    for (const c of request.conditions) {
      if (c.field.kind === 'intrinsic' && c.field.name === 'parent') throw TqlUnsupportedError('the block column path cannot evaluate conditions on parent');
    }
    const conditions = new ConditionSet(this.fields, request.conditions, true, true);
    const readers = request.columns.map((f) => this.fields.reader(f));
    const columns = ['start_unix_nano', 'duration_nano', ...TRACE_COLUMNS, ...conditions.columns, ...readers.flatMap((r) => r.columns), ...(request.ids ? ['span_id'] : [])];
    const rootFields = request.columns.some((f) => f.kind === 'intrinsic' && (f.name === 'rootName' || f.name === 'rootServiceName'));
    // Spans starting in (start, end]: a group may hold one when it overlaps [start, end].
    const groups = await groupsToScan(this.reader, conditions, request.conditions, request.startTimeUnixNano, request.endTimeUnixNano, stats, { signal });
    for (const g of groups) {
      signal?.throwIfAborted();
      stats.groupsRead++;
      await loadCounted(g, columns, stats, signal);
      if (conditions.needsRoots || rootFields) await g.prepareRoots(Array.from({ length: g.traceCount }, (_, t) => t), signal);
      const rows = selectRows(g, conditions.evaluate(g), request.startTimeUnixNano, request.endTimeUnixNano);
      if (rows.length === 0) continue;
      const vectors = readers.map((r) => new VectorBuilder(r, rows.length));
      for (let k = 0; k < rows.length; k++) for (const v of vectors) v.set(k, g, rows[k]);
      stats.yielded++;
      stats.spans += rows.length;
      yield {
        length: rows.length,
        startTimeUnixNano: gather(g, 'start_unix_nano', rows),
        durationNano: gather(g, 'duration_nano', rows),
        columns: vectors.map((v) => v.vector()),
        traceId: request.ids ? (row) => g.traceId(g.traceOf(rows[row])) : undefined,
        spanId: request.ids ? (row) => bytesAt(g.chunk('span_id'), rows[row]) : undefined,
      };
    }
  }
}

/**
 * The metrics column path over one sb1 block. Every condition is evaluated exactly (a block's
 * values are those its own row decoder gives); `reader` must be an sb1 block's reader.
 */
export function blockColumnFetcher(reader: BlockReader): BlockColumnFetcher {
  return new Sb1ColumnFetcher(sb1ReaderOf(reader));
}
