// Decodes one column chunk of data.parquet, or only the rows of a range. A trace lookup needs a
// few dozen rows of a row group: pages wholly outside the range are skipped undecoded, values are
// converted (UTF-8, JSON, dictionary) only for the rows returned, and rows are assembled by a
// walker for sb1's three column shapes (flat required, flat optional, list of required elements)
// instead of hyparquet's general Dremel assembly, which dominated lookup profiles.
// hyparquet still parses page headers, levels and encodings. No Parquet footer is needed: the
// block index holds every chunk's byte range.
import { isSpanbaseError } from '@spanbase/model';
import type { DecodedArray, PageHeader, SchemaElement } from 'hyparquet';
import type { ColumnDecoder, Compressors, SchemaTree } from './parquet-internals.ts';
import { DEFAULT_PARSERS, decompressPage, deltaBinaryUnpack, parquetHeader, readPlain, readRleBitPackedHybrid } from './parquet-internals.ts';
import { BlockFormat } from '../errors.ts';
import type { ColumnSpec } from './schema.ts';
import { zstdDecompress } from './zstd.ts';

/** Decompressors hyparquet calls by codec name; sb1 writes ZSTD only. */
export const DECOMPRESSORS: Compressors = { ZSTD: zstdDecompress };

const utf8 = new TextDecoder();
/** The value of every empty list cell; frozen, as callers share it. */
const EMPTY_LIST: unknown[] = Object.freeze([]) as unknown as unknown[];

/** A column prepared for decoding: its spec and hyparquet's decoder parameters. */
export interface ChunkColumn {
  /** The sb1 column. */
  spec: ColumnSpec;
  /** hyparquet's view of the leaf. */
  decoder: ColumnDecoder;
}

/** Prepares decoding of `spec`, whose schema nodes from the root down to the leaf are `path`. */
export function chunkColumn(spec: ColumnSpec, path: SchemaTree[]): ChunkColumn {
  const leaf: SchemaElement = path[path.length - 1].element;
  if (!leaf.type) throw BlockFormat(`column ${spec.name} has no physical type`);
  const decoder: ColumnDecoder = { pathInSchema: path.slice(1).map((n) => n.element.name), type: leaf.type, element: leaf, schemaPath: path, codec: 'ZSTD', parsers: DEFAULT_PARSERS, compressors: DECOMPRESSORS, utf8: false };
  return { spec, decoder };
}

function convertValue(spec: ColumnSpec, raw: unknown): unknown {
  if (spec.kind === 'string') return utf8.decode(raw as Uint8Array);
  if (spec.kind === 'json') return JSON.parse(utf8.decode(raw as Uint8Array));
  return raw;
}

/**
 * Dictionary whose entries are converted on first use, so each is converted once per chunk. For
 * BYTE_ARRAY dictionaries only the entry offsets are computed up front: a lookup touches a few
 * entries of dictionaries that can hold thousands, and a view per entry showed up as GC pressure.
 */
class LazyDictionary {
  private readonly spec: ColumnSpec;
  private readonly size: number;
  private readonly raw: (i: number) => unknown;
  private readonly done: unknown[];

  constructor(spec: ColumnSpec, size: number, raw: (i: number) => unknown) {
    this.spec = spec;
    this.size = size;
    this.raw = raw;
    this.done = new Array(size);
  }

  get(i: number): unknown {
    let v = this.done[i];
    if (v === undefined) {
      if (!(i < this.size)) throw BlockFormat(`dictionary index ${i} out of range`);
      v = this.done[i] = convertValue(this.spec, this.raw(i));
    }
    return v;
  }
}

function readDictionary(bytes: Uint8Array, at: number, header: PageHeader, col: ChunkColumn): LazyDictionary {
  const { spec, decoder } = col;
  const count = header.dictionary_page_header?.num_values ?? 0;
  const raw = bytes.subarray(at, at + header.compressed_page_size);
  const page = decompressPage(raw, header.uncompressed_page_size, decoder.codec, decoder.compressors);
  if (decoder.type === 'BYTE_ARRAY') {
    const starts = new Uint32Array(count + 1);
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    let p = 0;
    for (let i = 0; i < count; i++) {
      const len = view.getUint32(p, true);
      starts[i] = p + 4;
      p += 4 + len;
      if (p > page.length) throw BlockFormat(`dictionary of ${spec.name} overruns its page`);
    }
    starts[count] = p + 4;
    return new LazyDictionary(spec, count, (i) => page.subarray(starts[i], starts[i + 1] - 4));
  }
  const values = readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, decoder.type, count, decoder.element.type_length);
  return new LazyDictionary(spec, values.length, (i) => values[i]);
}

/** A page of a column chunk: its header, where its (compressed) bytes start, and its data page header. */
export interface ChunkPage {
  header: PageHeader;
  /** Offset of the page's bytes in the chunk. */
  at: number;
  /** The data page header; undefined for the dictionary page. */
  v2: NonNullable<PageHeader['data_page_header_v2']> | undefined;
}

/**
 * The pages of a column chunk (`bytes` holds exactly the chunk), in order: a dictionary page,
 * then DATA_PAGE_V2 pages (any other page is BLK_ERR_FORMAT). Stops before reading another page
 * header once `done()` says so, so bytes past the rows a caller wants are never parsed.
 */
export function* chunkPages(bytes: Uint8Array, done: () => boolean = () => false): Generator<ChunkPage> {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  while (reader.offset < bytes.byteLength && !done()) {
    const header = parquetHeader(reader);
    const at = reader.offset;
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      yield { header, at, v2: undefined };
      continue;
    }
    const v2 = header.data_page_header_v2;
    if (header.type !== 'DATA_PAGE_V2' || !v2) throw BlockFormat(`unexpected page type ${header.type}`);
    yield { header, at, v2 };
  }
}

/**
 * Values of rows [start, end) of a column chunk (`bytes` holds exactly the chunk); lists come
 * back as one array per row. Throws BLK_ERR_FORMAT when the chunk cannot be decoded.
 */
export function decodeChunk(bytes: Uint8Array, col: ChunkColumn, start: number, end: number): unknown[] {
  const { spec } = col;
  const out: unknown[] = [];
  let dictionary: LazyDictionary | undefined;
  let row = 0;
  try {
    for (const { header, at, v2 } of chunkPages(bytes, () => row >= end)) {
      if (!v2) {
        dictionary = readDictionary(bytes, at, header, col);
        continue;
      }
      const pageBytes = bytes.subarray(at, at + header.compressed_page_size);
      if (row + v2.num_rows > start) {
        const page = readV2Page(pageBytes, header, col);
        const dict = v2.encoding.endsWith('_DICTIONARY') ? dictionary : undefined;
        if (v2.encoding.endsWith('_DICTIONARY') && !dict) throw BlockFormat('dictionary-encoded page without a dictionary');
        assemble(spec, page.def, page.rep, page.values, dict, v2.num_rows, Math.max(0, start - row), Math.min(v2.num_rows, end - row), out);
      }
      row += v2.num_rows;
    }
  } catch (err) {
    if (isSpanbaseError(err)) throw err;
    throw BlockFormat(`cannot decode column ${spec.name}`, { cause: err });
  }
  if (out.length !== end - start) throw BlockFormat(`column ${spec.name} has ${row} rows, expected at least ${end}`);
  return out;
}

interface V2Page {
  def: Uint8Array | undefined;
  rep: Uint8Array | undefined;
  values: DecodedArray;
}

/**
 * Splits a DATA_PAGE_V2 into levels (typed arrays: hyparquet's JS-array levels dominated lookup
 * profiles) and decoded values, for the encodings hyparquet-writer produces.
 */
export function readV2Page(bytes: Uint8Array, header: PageHeader, col: ChunkColumn): V2Page {
  const v2 = header.data_page_header_v2!;
  const { spec, decoder } = col;
  const levels = (at: number, len: number) => decodeLevels(bytes, at, at + len, v2.num_values);
  const rep = spec.shape === 'list' ? levels(0, v2.repetition_levels_byte_length) : undefined;
  const hasDef = spec.shape === 'list' || spec.nullable;
  const def = hasDef ? levels(v2.repetition_levels_byte_length, v2.definition_levels_byte_length) : undefined;
  const levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
  const rawSize = header.uncompressed_page_size - levelBytes;
  let page = bytes.subarray(levelBytes);
  if (v2.is_compressed !== false) page = decompressPage(page, rawSize, decoder.codec, decoder.compressors);
  const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
  const n = v2.num_values - v2.num_nulls;
  let values: DecodedArray;
  switch (v2.encoding) {
    case 'PLAIN':
      values = readPlain(reader, decoder.type, n, decoder.element.type_length);
      break;
    case 'RLE': {
      const bits = new Uint8Array(n);
      readRleBitPackedHybrid(reader, 1, bits);
      values = Array.from(bits, (b) => b === 1);
      break;
    }
    case 'PLAIN_DICTIONARY':
    case 'RLE_DICTIONARY': {
      const width = page[reader.offset++];
      values = new Uint32Array(n);
      if (n > 0) readRleBitPackedHybrid(reader, width, values, rawSize - 1);
      break;
    }
    case 'DELTA_BINARY_PACKED':
      values = decoder.type === 'INT32' ? new Int32Array(n) : new BigInt64Array(n);
      deltaBinaryUnpack(reader, n, values);
      break;
    default:
      throw BlockFormat(`column ${spec.name} uses unsupported encoding ${v2.encoding}`);
  }
  return { def, rep, values };
}

/**
 * Decodes 1-bit RLE/bit-packed hybrid levels (every sb1 level is 0 or 1): RLE runs become one
 * fill, bit-packed groups eight values per byte.
 */
export function decodeLevels(bytes: Uint8Array, from: number, to: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let at = from;
  let n = 0;
  while (n < count) {
    if (at >= to) throw BlockFormat('levels end early');
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      header |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (header & 1) {
      const values = (header >>> 1) * 8;
      for (let i = 0; i < values && n < count; i += 8) {
        const b = bytes[at++];
        for (let k = 0; k < 8 && n < count; k++) out[n++] = (b >> k) & 1;
      }
    } else {
      const run = header >>> 1;
      if (bytes[at++] & 1) out.fill(1, n, Math.min(count, n + run));
      n += run;
    }
  }
  return out;
}

function assemble(spec: ColumnSpec, def: Uint8Array | undefined, rep: Uint8Array | undefined, values: DecodedArray, dict: LazyDictionary | undefined, rows: number, from: number, to: number, out: unknown[]): void {
  const value = (i: number) => (dict ? dict.get(values[i] as number) : convertValue(spec, values[i]));
  if (spec.shape === 'flat') {
    if (!spec.nullable) {
      if (values.length !== rows) throw BlockFormat(`page of ${spec.name} has ${values.length} values for ${rows} rows`);
      for (let r = from; r < to; r++) out.push(value(r));
      return;
    }
    if (!def || def.length !== rows) throw BlockFormat(`page of ${spec.name} has bad definition levels`);
    let v = 0;
    for (let r = 0; r < to; r++) {
      const present = def[r] === 1;
      if (r >= from) out.push(present ? value(v) : null);
      if (present) v++;
    }
    return;
  }
  // LIST (required) / list (repeated) / element (required): def 0 = empty list, 1 = element.
  if (!def || !rep) throw BlockFormat(`page of ${spec.name} has no levels`);
  let r = -1;
  let v = 0;
  let current: unknown[] | undefined;
  for (let i = 0; i < rep.length; i++) {
    if (rep[i] === 0) {
      r++;
      if (r >= to) break;
      if (r < from) {
        current = undefined;
      } else if (def[i] === 0) {
        // An empty list (most rows of most attribute columns): one shared frozen array.
        current = undefined;
        out.push(EMPTY_LIST);
      } else {
        current = [];
        out.push(current);
      }
    }
    if (def[i] === 1) {
      if (current) current.push(value(v));
      v++;
    }
  }
  if (r < Math.min(to, rows) - 1) throw BlockFormat(`page of ${spec.name} ends after ${r + 1} of ${rows} rows`);
}
