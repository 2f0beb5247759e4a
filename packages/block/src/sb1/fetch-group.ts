// One row group as the TraceQL fetchers see it: column chunks loaded on demand (each load is one
// coalesced, verified read), the trace boundaries (rows are sorted by trace id, so a trace is a
// run of rows), and the trace-level facts every spanset carries: start, end, root span name and
// root service. Those are stored per row; only when a stored root value is '' (no root, a root
// without a string service.name, or a real empty value) is the root row itself looked up.
import { bytesToHex, isAllZero } from '@spanbase/model';
import { BlockFormat } from '../errors.ts';
import type { RowGroupEntry } from './index-file.ts';
import type { Sb1Reader } from './reader.ts';
import type { FetchStats } from './fetch-scan.ts';
import type { PageBounds, PageIndex } from './page-index.ts';
import { DictionarySummary } from './dictionary-summary.ts';
import type { Values } from './fetch-pages.ts';
import { ColumnChunk, HI, LO } from './fetch-pages.ts';

const EMPTY = new Uint8Array(0);

/**
 * Chunks this close are read with one request. A request costs far more than 64 KiB of bytes,
 * on local disk (open, stat, read, close) and more so on S3; a row group is ~0.5 MB.
 */
const READ_GAP = 64 * 1024;

/** Columns every fetch reads to group rows into traces and describe them. */
export const TRACE_COLUMNS = ['trace_id', 'trace_start_unix_nano', 'trace_end_unix_nano', 'trace_root_span_name', 'trace_root_service_name'] as const;
/** Columns that find a trace's root row when its stored root values are ambiguous. */
const ROOT_COLUMNS = ['parent_span_id', 'name', 'service_name'];
/** Columns that count each span's children. */
export const CHILD_COLUMNS = ['span_id', 'parent_span_id'];

/** Loaded columns of one row group. */
export class GroupData {
  /** Row group number in the block. */
  readonly index: number;
  /** Its index entry. */
  readonly entry: RowGroupEntry;
  /** Rows (spans). */
  readonly rows: number;
  /** Column chunks read so far. */
  readonly chunks = new Map<string, ColumnChunk>();
  /** Chunk bytes read from the store so far (for tests and measurements). */
  bytesRead = 0;
  /** Chunk bytes used so far, read or found in the chunk cache (what a search inspected). */
  bytesInspected = 0;
  private readonly reader: Sb1Reader;
  private bounds: Int32Array | undefined;
  /** trace_start dictionary code of each trace, when the bounds came from that column. */
  private startCodes: Int32Array | undefined;
  private roots: (readonly [string | undefined, string | undefined])[] | undefined;
  private children: Int32Array | undefined;

  private readonly pages: PageIndex | undefined;
  private readonly stats: Pick<FetchStats, 'skippedPages'> | undefined;

  /** `pages`: the block's page index, when the fetch read it; `stats`: where skipped pages are counted. */
  constructor(reader: Sb1Reader, index: number, entry: RowGroupEntry, pages?: PageIndex, stats?: Pick<FetchStats, 'skippedPages'>) {
    this.reader = reader;
    this.index = index;
    this.entry = entry;
    this.rows = entry.rows;
    this.pages = pages;
    this.stats = stats;
  }

  /**
   * The page bounds of column `name` in this group when they describe the pages of its loaded
   * chunk (the same number of pages, starting at the same rows); undefined otherwise.
   */
  pageBounds(name: string, chunk: ColumnChunk): PageBounds | undefined {
    const b = this.pages?.bounds(this.index, this.reader.columnIndexOf(name));
    if (!b || b.pages.length !== chunk.pageCount) return undefined;
    for (let p = 0; p < b.pages.length; p++) if (b.firstRows[p] !== chunk.pageStart(p)) return undefined;
    return b;
  }

  /** Counts a page left undecoded by its bounds. */
  pageSkipped(): void {
    if (this.stats) this.stats.skippedPages++;
  }

  /**
   * Reads the chunks of `names` not read yet, in one coalesced request per run of neighbours;
   * with the reader's chunk cache, chunks it holds (pages decoded by earlier queries included)
   * are taken from it and those read are added to it (unless `keep` is false: a read for the
   * dictionary summaries alone).
   */
  async load(names: Iterable<string>, signal?: AbortSignal, keep = true): Promise<void> {
    const cache = this.reader.chunkCache;
    let missing = [...new Set(names)].filter((n) => !this.chunks.has(n));
    if (cache) {
      for (const n of missing) {
        const hit = cache.get(this.reader.chunkKey(this.index, n));
        if (!hit) continue;
        this.chunks.set(n, hit);
        this.bytesInspected += hit.storedBytes;
      }
      missing = missing.filter((n) => !this.chunks.has(n));
    }
    if (missing.length === 0) return;
    const raw = await this.reader.readChunks(this.index, missing, { signal, gap: READ_GAP });
    for (const [name, chunk] of raw) {
      this.bytesRead += chunk.bytes.length;
      this.bytesInspected += chunk.bytes.length;
      if (!cache || !keep) {
        this.chunks.set(name, new ColumnChunk(chunk));
        continue;
      }
      // Its own copy: a shared read buffer would keep neighbouring columns alive in the cache.
      const c = new ColumnChunk({ ...chunk, bytes: chunk.bytes.slice() });
      cache.set(this.reader.chunkKey(this.index, name), c);
      this.chunks.set(name, c);
    }
  }

  /**
   * The dictionary summary of column `name` kept by an earlier read of this row group (in the
   * reader's chunk cache); undefined when none is kept or the chunk has none.
   */
  summary(name: string): DictionarySummary | undefined {
    return this.reader.chunkCache?.summaries.get(this.reader.chunkKey(this.index, name));
  }

  /** Keeps the dictionary summaries of the loaded chunks of `names` that have one and are not kept yet. */
  keepSummaries(names: Iterable<string>): void {
    const summaries = this.reader.chunkCache?.summaries;
    if (!summaries) return;
    for (const n of names) {
      const c = this.chunks.get(n);
      const key = this.reader.chunkKey(this.index, n);
      if (!c || summaries.get(key)) continue;
      const s = DictionarySummary.of(c);
      if (s) summaries.set(key, s);
    }
  }

  /** A loaded chunk. */
  chunk(name: string): ColumnChunk {
    const c = this.chunks.get(name);
    if (!c) throw new Error(`column ${name} of row group ${this.index} is not loaded`);
    return c;
  }

  /**
   * Start row of each trace, and `rows` at the end. Taken from the trace_start codes when they
   * change exactly as often as the group has traces (each trace has one start, so then every
   * change is a trace boundary): that chunk is read anyway and is cheaper than trace_id. Else
   * from trace_id.
   */
  traceBounds(): Int32Array {
    if (!this.bounds) this.bounds = this.boundsFromStarts() ?? this.boundsFromIds();
    return this.bounds;
  }

  private boundsFromStarts(): Int32Array | undefined {
    const c = this.chunks.get('trace_start_unix_nano');
    if (!c?.allDictionary) return undefined;
    const traces = this.entry.traces;
    const starts = new Int32Array(traces + 1);
    const codes = new Int32Array(traces);
    let n = 0;
    let prev = -1;
    for (let p = 0; p < c.pageCount; p++) {
      const page = c.page(p);
      const pc = page.codes!;
      for (let r = 0; r < page.rows; r++) {
        const code = pc[r];
        if (code === prev) continue;
        prev = code;
        if (n === traces) return undefined;
        codes[n] = code;
        starts[n++] = page.firstRow + r;
      }
    }
    if (n !== traces) return undefined;
    starts[n] = this.rows;
    this.startCodes = codes;
    return starts;
  }

  private boundsFromIds(): Int32Array {
    const ids = this.chunk('trace_id');
    const starts = new Int32Array(this.entry.traces + 1);
    let n = 0;
    let prevCode = -1;
    let prevBytes: Uint8Array | undefined;
    for (let p = 0; p < ids.pageCount; p++) {
      const page = ids.page(p);
      const codes = page.codes;
      for (let r = 0; r < page.rows; r++) {
        let fresh: boolean;
        if (codes) {
          fresh = codes[r] !== prevCode;
          prevCode = codes[r];
          prevBytes = undefined;
        } else {
          const b = page.values!.bytes(r);
          fresh = prevBytes === undefined || Buffer.compare(b, prevBytes) !== 0;
          prevBytes = b;
          prevCode = -1;
        }
        if (!fresh) continue;
        if (n >= starts.length - 1) throw BlockFormat(`row group ${this.index} holds more traces than its index says`);
        starts[n++] = page.firstRow + r;
      }
    }
    if (n !== this.entry.traces) throw BlockFormat(`row group ${this.index} holds ${n} traces, its index says ${this.entry.traces}`);
    starts[n] = this.rows;
    return starts;
  }

  /** Earliest span start of trace t as unsigned high and low 32 bits, written to out[0], out[1]. */
  traceStartHalves(t: number, out: Uint32Array): void {
    const bounds = this.traceBounds();
    const c = this.chunk('trace_start_unix_nano');
    let values: Values;
    let i: number;
    if (this.startCodes) {
      values = c.dictionary!;
      i = this.startCodes[t];
    } else {
      i = locate(c, bounds[t]);
      values = locatedValues();
    }
    out[0] = values.halves![2 * i + HI];
    out[1] = values.halves![2 * i + LO];
  }

  /** Number of traces. */
  get traceCount(): number {
    return this.entry.traces;
  }

  /** The trace holding `row`. */
  traceOf(row: number): number {
    const b = this.traceBounds();
    let lo = 0;
    let hi = b.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 16-byte id of trace t (a view into the page). */
  traceId(t: number): Uint8Array {
    return bytesAt(this.chunk('trace_id'), this.traceBounds()[t]);
  }

  /** Earliest span start of trace t, unix ns. */
  traceStart(t: number): bigint {
    return BigInt.asUintN(64, bigintAt(this.chunk('trace_start_unix_nano'), this.traceBounds()[t]));
  }

  /** Latest span end of trace t, unix ns. */
  traceEnd(t: number): bigint {
    return BigInt.asUintN(64, bigintAt(this.chunk('trace_end_unix_nano'), this.traceBounds()[t]));
  }

  private storedRoot(t: number): [string, string] {
    const row = this.traceBounds()[t];
    return [stringAt(this.chunk('trace_root_span_name'), row) ?? '', stringAt(this.chunk('trace_root_service_name'), row) ?? ''];
  }

  /** Loads what resolving the roots of `traces` needs (nothing unless a stored root value is ''). */
  async prepareRoots(traces: Iterable<number>, signal?: AbortSignal): Promise<void> {
    if (ROOT_COLUMNS.every((c) => this.chunks.has(c))) return;
    for (const t of traces) {
      const [name, service] = this.storedRoot(t);
      if (name === '' || service === '') return this.load(ROOT_COLUMNS, signal);
    }
  }

  private root(t: number): readonly [string | undefined, string | undefined] {
    const roots = (this.roots ??= new Array(this.traceCount));
    let r = roots[t];
    if (!r) {
      const [name, service] = this.storedRoot(t);
      if (name !== '' && service !== '') r = [name, service];
      else {
        // The writer takes the first root in row order, as the reference does.
        const bounds = this.traceBounds();
        const parents = this.chunk('parent_span_id');
        r = [undefined, undefined];
        for (let row = bounds[t]; row < bounds[t + 1]; row++) {
          const p = bytesAt(parents, row);
          if (p.length === 0 || isAllZero(p)) {
            r = [stringAt(this.chunk('name'), row) ?? '', stringAt(this.chunk('service_name'), row)];
            break;
          }
        }
      }
      roots[t] = r;
    }
    return r;
  }

  /** Name of trace t's root span; undefined when it has none. Call prepareRoots first. */
  rootName(t: number): string | undefined {
    return this.root(t)[0];
  }

  /** service.name of trace t's root span; undefined when there is no root or no string service.name. */
  rootService(t: number): string | undefined {
    return this.root(t)[1];
  }

  /** Children of the span in `row`, counted by parent id within its trace (needs CHILD_COLUMNS). */
  childCount(row: number): number {
    if (!this.children) {
      const counts = new Int32Array(this.rows);
      const bounds = this.traceBounds();
      const ids = this.chunk('span_id');
      const parents = this.chunk('parent_span_id');
      for (let t = 0; t + 1 < bounds.length; t++) {
        const byId = new Map<string, number>();
        for (let r = bounds[t]; r < bounds[t + 1]; r++) byId.set(bytesToHex(bytesAt(ids, r)), r);
        for (let r = bounds[t]; r < bounds[t + 1]; r++) {
          const p = bytesAt(parents, r);
          if (p.length === 0 || isAllZero(p)) continue;
          const parent = byId.get(bytesToHex(p));
          if (parent !== undefined) counts[parent]++;
        }
      }
      this.children = counts;
    }
    return this.children[row];
  }
}

// ---------- single-value access to flat columns ----------

// locate() leaves the values its slot indexes here: no object per call on the hot path.
let located: Values;

/** Index into locatedValues() of the value at `row` (a dictionary entry or a page slot); -1 when null. */
export function locate(c: ColumnChunk, row: number): number {
  const page = c.pageOf(row);
  const r = row - page.firstRow;
  const slot = page.index ? page.index[r] : r;
  if (slot < 0) return -1;
  if (page.codes) {
    located = c.dictionary!;
    return page.codes[slot];
  }
  located = page.values!;
  return slot;
}

/** The values the last locate() or locateElement() indexes. */
export function locatedValues(): Values {
  return located;
}

/** Elements in the list of `row` of a list column. */
export function listLength(c: ColumnChunk, row: number): number {
  const page = c.pageOf(row);
  const r = row - page.firstRow;
  return page.index![r + 1] - page.index![r];
}

/** Index into locatedValues() of element k of the list of `row` (k < listLength). */
export function locateElement(c: ColumnChunk, row: number, k: number): number {
  const page = c.pageOf(row);
  const slot = page.index![row - page.firstRow] + k;
  if (page.codes) {
    located = c.dictionary!;
    return page.codes[slot];
  }
  located = page.values!;
  return slot;
}

/** Position of `key` in the list of `row` of a string list column; -1 when absent. */
export function findInList(c: ColumnChunk, row: number, key: string): number {
  return c.mayHold(key) ? findInListCode(c, row, key, c.codeOf(key)) : -1;
}

/**
 * findInList for a key whose dictionary code in `c` the caller already has (-1: not in the
 * dictionary; then only plain pages can hold it). Per-row callers look the code up once per chunk.
 */
export function findInListCode(c: ColumnChunk, row: number, key: string, code: number): number {
  const page = c.pageOf(row);
  const r = row - page.firstRow;
  const from = page.index![r];
  const to = page.index![r + 1];
  if (from === to) return -1;
  if (page.codes) {
    if (code < 0) return -1;
    for (let s = from; s < to; s++) if (page.codes[s] === code) return s - from;
    return -1;
  }
  for (let s = from; s < to; s++) if (page.values!.string(s) === key) return s - from;
  return -1;
}

/** String in a flat column at `row`; undefined when null. */
export function stringAt(c: ColumnChunk, row: number): string | undefined {
  const i = locate(c, row);
  return i < 0 ? undefined : located.string(i);
}

/** Bytes in a flat column at `row` (empty when null). */
export function bytesAt(c: ColumnChunk, row: number): Uint8Array {
  const i = locate(c, row);
  return i < 0 ? EMPTY : located.bytes(i);
}

/** INT64 in a flat column at `row` (0n when null). */
export function bigintAt(c: ColumnChunk, row: number): bigint {
  const i = locate(c, row);
  return i < 0 ? 0n : located.bigint(i);
}

/** INT32/INT64/DOUBLE in a flat column at `row` as a number; NaN when null. */
export function numberAt(c: ColumnChunk, row: number): number {
  const i = locate(c, row);
  return i < 0 ? NaN : located.number(i);
}

/** Parsed JSON in a flat column at `row`; undefined when null. */
export function jsonAt(c: ColumnChunk, row: number): unknown {
  const i = locate(c, row);
  return i < 0 ? undefined : located.json(i);
}
