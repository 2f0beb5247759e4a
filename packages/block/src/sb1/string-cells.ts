// A string column chunk decoded for the compaction merge: each cell an entry number into the
// UTF-8 bytes of the chunk's values (its dictionary, then the values of plain pages), never a
// string. The merge writes a cell to the output by the output dictionary's code for that entry,
// found once per entry (StringRemap), so a value repeated over thousands of spans is neither
// decoded to a string nor looked up by its text per span: decoding every cell to a string and
// interning it again was a fifth of the merge's time. Strings are made only where something
// else reads the column (cols[name] materialises them on first use, see withCells).
import { isSpanbaseError } from '@spanbase/model';
import type { PageHeader } from 'hyparquet';
import { BlockFormat } from '../errors.ts';
import type { ChunkColumn } from './column-decode.ts';
import { chunkPages, decodeChunk, readV2Page } from './column-decode.ts';
import type { DictValues } from './column-values.ts';
import type { DedicatedColumn } from './dedicated.ts';
import { WELL_KNOWN_DEDICATED } from './dedicated.ts';
import { ByteBuffer, IntBuffer } from './bytes.ts';
import { decompressPage } from './parquet-internals.ts';
import type { DecodedColumns } from './row-decoder.ts';
import { ATTR_TYPES } from './schema.ts';

const utf8 = new TextDecoder();

/** A string column chunk's cells as entry numbers (flat: one per row, -1 for null; list: one per element). */
export class StringCells {
  /** Entry of each cell. */
  readonly codes: Int32Array;
  /** Lists only: the elements of row r are codes[rowStarts[r], rowStarts[r + 1]). */
  readonly rowStarts: Int32Array | undefined;
  /** Entry e is bytes[starts[e], starts[e + 1]). */
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  private readonly strs: (string | undefined)[];
  private readonly lengths: Int32Array;

  constructor(codes: Int32Array, rowStarts: Int32Array | undefined, bytes: Uint8Array, starts: Int32Array) {
    this.codes = codes;
    this.rowStarts = rowStarts;
    this.bytes = bytes;
    this.starts = starts;
    const entries = starts.length - 1;
    this.strs = new Array<string | undefined>(entries);
    this.lengths = new Int32Array(entries).fill(-1);
  }

  /** Entry e as a string (decoded once). */
  stringOf(e: number): string {
    return (this.strs[e] ??= utf8.decode(this.bytes.subarray(this.starts[e], this.starts[e + 1])));
  }

  /** Entry e's length in UTF-16 code units (what `string.length` says); ASCII without decoding it. */
  lengthOf(e: number): number {
    let n = this.lengths[e];
    if (n < 0) {
      const b = this.bytes;
      const from = this.starts[e];
      const to = this.starts[e + 1];
      let high = 0;
      for (let i = from; i < to; i++) high |= b[i];
      n = this.lengths[e] = high < 0x80 ? to - from : this.stringOf(e).length;
    }
    return n;
  }

  /** The cells as decodeChunk returns them: strings (null where absent), or a string array per row. */
  materialize(): unknown[] {
    const rs = this.rowStarts;
    if (!rs) return Array.from(this.codes, (e) => (e < 0 ? null : this.stringOf(e)));
    const out: unknown[] = new Array(rs.length - 1);
    for (let r = 0; r + 1 < rs.length; r++) {
      const list: string[] = [];
      for (let i = rs[r]; i < rs[r + 1]; i++) list.push(this.stringOf(this.codes[i]));
      out[r] = list;
    }
    return out;
  }
}

/** Entries being collected: UTF-8 bytes, back to back, and where each ends. */
class Entries {
  readonly bytes = new ByteBuffer(1 << 12);
  readonly starts = new IntBuffer(256);

  constructor() {
    this.starts.push(0);
  }

  add(src: Uint8Array, from: number, to: number): void {
    this.bytes.bytes(src, from, to);
    this.starts.push(this.bytes.length);
  }

  get count(): number {
    return this.starts.length - 1;
  }

  /** The cells over these entries. */
  cells(codes: Int32Array, rowStarts: Int32Array | undefined): StringCells {
    return new StringCells(codes, rowStarts, this.bytes.buf.subarray(0, this.bytes.length), this.starts.a.slice(0, this.starts.length));
  }
}

function readDictionaryEntries(bytes: Uint8Array, at: number, header: PageHeader, col: ChunkColumn, into: Entries): void {
  const count = header.dictionary_page_header?.num_values ?? 0;
  const page = decompressPage(bytes.subarray(at, at + header.compressed_page_size), header.uncompressed_page_size, col.decoder.codec, col.decoder.compressors);
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 4 > page.length) throw BlockFormat(`dictionary of ${col.spec.name} overruns its page`);
    const len = view.getUint32(p, true);
    if (p + 4 + len > page.length) throw BlockFormat(`dictionary of ${col.spec.name} overruns its page`);
    into.add(page, p + 4, p + 4 + len);
    p += 4 + len;
  }
}

/**
 * The cells of a string column chunk (`bytes` holds exactly the chunk) of `rows` rows: flat,
 * nullable or not, or a list of required strings. Throws BLK_ERR_FORMAT as decodeChunk does.
 */
export function decodeStringCells(bytes: Uint8Array, col: ChunkColumn, rows: number): StringCells {
  const { spec } = col;
  if (spec.kind !== 'string' || col.decoder.type !== 'BYTE_ARRAY') throw BlockFormat(`column ${spec.name} does not hold strings`);
  const list = spec.shape === 'list';
  const entries = new Entries();
  // Flat: one code per row. Lists: the elements' codes, as many as the pages hold.
  const codes = list ? undefined : new Int32Array(rows);
  const elements = list ? new IntBuffer(Math.max(16, rows)) : undefined;
  const rowStarts = list ? new Int32Array(rows + 1) : undefined;
  let dictionary = -1;
  let row = 0;
  try {
    for (const { header, at, v2 } of chunkPages(bytes, () => row >= rows)) {
      if (!v2) {
        if (dictionary >= 0) throw BlockFormat('a second dictionary page');
        dictionary = entries.count;
        readDictionaryEntries(bytes, at, header, col, entries);
        continue;
      }
      const pageBytes = bytes.subarray(at, at + header.compressed_page_size);
      const page = readV2Page(pageBytes, header, col);
      // Each value's entry: a dictionary entry, or a new entry for a plain value.
      let valueEntry: (v: number) => number;
      if (v2.encoding.endsWith('_DICTIONARY')) {
        if (dictionary < 0) throw BlockFormat('dictionary-encoded page without a dictionary');
        const ids = page.values as Uint32Array;
        const size = entries.count - dictionary;
        valueEntry = (v) => {
          const id = ids[v];
          if (!(id < size)) throw BlockFormat(`dictionary index ${id} out of range`);
          return dictionary + id;
        };
      } else if (v2.encoding === 'PLAIN') {
        const first = entries.count;
        for (const b of page.values as Uint8Array[]) entries.add(b, 0, b.length);
        valueEntry = (v) => first + v;
      } else {
        throw BlockFormat(`string column ${spec.name} uses encoding ${v2.encoding}`);
      }
      const n = page.values.length;
      const pageRows = v2.num_rows;
      if (row + pageRows > rows) throw BlockFormat(`column ${spec.name} has more than ${rows} rows`);
      if (!list) {
        if (!spec.nullable) {
          if (n !== pageRows) throw BlockFormat(`page of ${spec.name} has ${n} values for ${pageRows} rows`);
          for (let r = 0; r < pageRows; r++) codes![row + r] = valueEntry(r);
        } else {
          const def = page.def;
          if (!def || def.length !== pageRows) throw BlockFormat(`page of ${spec.name} has bad definition levels`);
          let v = 0;
          for (let r = 0; r < pageRows; r++) codes![row + r] = def[r] === 1 ? valueEntry(v++) : -1;
          if (v !== n) throw BlockFormat(`page of ${spec.name} has ${n} values for ${v} present rows`);
        }
        row += pageRows;
        continue;
      }
      const { def, rep } = page;
      if (!def || !rep) throw BlockFormat(`page of ${spec.name} has no levels`);
      let r = row - 1;
      let v = 0;
      for (let i = 0; i < rep.length; i++) {
        if (rep[i] === 0) rowStarts![++r] = elements!.length;
        if (r < row) throw BlockFormat(`page of ${spec.name} starts inside a row`);
        if (def[i] === 1) elements!.push(valueEntry(v++));
      }
      if (r !== row + pageRows - 1) throw BlockFormat(`page of ${spec.name} ends after ${r - row + 1} of ${pageRows} rows`);
      if (v !== n) throw BlockFormat(`page of ${spec.name} has ${n} values for ${v} elements`);
      row += pageRows;
    }
  } catch (err) {
    if (isSpanbaseError(err)) throw err;
    throw BlockFormat(`cannot decode column ${spec.name}`, { cause: err });
  }
  if (row !== rows) throw BlockFormat(`column ${spec.name} has ${row} rows, expected ${rows}`);
  if (!elements) return entries.cells(codes!, undefined);
  rowStarts![rows] = elements.length;
  return entries.cells(elements.a.subarray(0, elements.length), rowStarts);
}

/** Cells of decoded strings (each value its own entry). */
function cellsFromValues(values: unknown[], list: boolean): StringCells {
  const entries = new Entries();
  const enc = new TextEncoder();
  const entry = (v: string) => {
    const b = enc.encode(v);
    entries.add(b, 0, b.length);
    return entries.count - 1;
  };
  if (!list) return entries.cells(Int32Array.from(values, (v) => (v === null ? -1 : entry(v as string))), undefined);
  const rowStarts = new Int32Array(values.length + 1);
  const codes: number[] = [];
  values.forEach((l, r) => {
    rowStarts[r] = codes.length;
    for (const v of l as string[]) codes.push(entry(v));
  });
  rowStarts[values.length] = codes.length;
  return entries.cells(Int32Array.from(codes), rowStarts);
}

/**
 * The string columns the merge copies span by span (stored-rows.ts): name, status message, trace
 * state, the generic lists' keys and string values, and the span-scope string dedicated columns.
 * Resource and scope columns are read through their rows' shared objects, as strings.
 */
export function cellColumns(extra: readonly DedicatedColumn[]): Set<string> {
  const names = ['name', 'status_message', 'trace_state', 'span_str_values', ...ATTR_TYPES.map((t) => `span_${t}_keys`)];
  for (const d of [...WELL_KNOWN_DEDICATED, ...extra]) if (d.scope === 'span' && d.type === 'string') names.push(d.column);
  return new Set(names);
}

const CELLS = new WeakMap<DecodedColumns, Map<string, StringCells>>();

function cellsMap(cols: DecodedColumns): Map<string, StringCells> {
  let m = CELLS.get(cols);
  if (!m) CELLS.set(cols, (m = new Map()));
  return m;
}

/**
 * Decodes the chunk of string column `name` into `cols` as cells (see cellsFor); `cols[name]`
 * makes the strings decodeChunk would have made on first read and keeps them.
 */
export function withCells(cols: DecodedColumns, name: string, bytes: Uint8Array, col: ChunkColumn, rows: number): void {
  let cells: StringCells;
  try {
    cells = decodeStringCells(bytes, col, rows);
  } catch {
    // Whatever this decoder does not take (or finds damaged) goes the general way, which says
    // what is wrong in its own terms.
    cols[name] = decodeChunk(bytes, col, 0, rows);
    return;
  }
  cellsMap(cols).set(name, cells);
  Object.defineProperty(cols, name, {
    configurable: true,
    enumerable: true,
    get() {
      const values = cells.materialize();
      Object.defineProperty(cols, name, { value: values, configurable: true, enumerable: true, writable: true });
      return values;
    },
  });
}

/** The cells of string column `name` of `cols`: those withCells decoded, else made from its strings. */
export function cellsFor(cols: DecodedColumns, name: string, list: boolean): StringCells {
  const m = cellsMap(cols);
  let cells = m.get(name);
  if (!cells) m.set(name, (cells = cellsFromValues(cols[name], list)));
  return cells;
}

/**
 * Output codes of one StringCells' entries in one output dictionary, found on first use. The
 * output dictionary is cleared at each row group it ends; its generation says when to forget.
 */
export class StringRemap {
  private readonly into: DictValues;
  private readonly codes: Int32Array;
  private generation = -1;
  private readonly cells: StringCells;

  constructor(cells: StringCells, into: DictValues) {
    this.cells = cells;
    this.into = into;
    this.codes = new Int32Array(cells.starts.length - 1);
  }

  /** The output code of entry e. */
  code(e: number): number {
    if (this.generation !== this.into.generation) {
      this.codes.fill(-1);
      this.generation = this.into.generation;
    }
    let c = this.codes[e];
    if (c < 0) {
      const s = this.cells.starts;
      c = this.codes[e] = this.into.utf8Code(this.cells.bytes, s[e], s[e + 1]);
    }
    return c;
  }
}
