// Decodes a flat required INT64 column chunk into one BigInt64Array: the merge copies these
// cells as 32-bit halves, and decoding them as one bigint per cell made most of its garbage.
// Indexing the array still gives bigints, so the rows read as decodeChunk's arrays do.
import { isSpanbaseError } from '@spanbase/model';
import type { ChunkColumn } from './column-decode.ts';
import { chunkPages, readV2Page } from './column-decode.ts';
import { decompressPage, readPlain } from './parquet-internals.ts';
import { BlockFormat } from '../errors.ts';

/** Whether {@link decodeInt64Chunk} decodes the column. */
export function isFlatInt64(col: ChunkColumn): boolean {
  return col.spec.shape === 'flat' && !col.spec.nullable && col.decoder.type === 'INT64';
}

/** All `rows` values of a flat required INT64 chunk (`bytes` holds exactly the chunk). */
export function decodeInt64Chunk(bytes: Uint8Array, col: ChunkColumn, rows: number): BigInt64Array {
  const { spec, decoder } = col;
  const out = new BigInt64Array(rows);
  const out32 = new Int32Array(out.buffer);
  let dict: Int32Array | undefined;
  let row = 0;
  try {
    for (const { header, at, v2 } of chunkPages(bytes, () => row >= rows)) {
      const pageBytes = bytes.subarray(at, at + header.compressed_page_size);
      if (!v2) {
        const page = decompressPage(pageBytes, header.uncompressed_page_size, decoder.codec, decoder.compressors);
        const values = readPlain({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, 'INT64', header.dictionary_page_header?.num_values ?? 0, undefined);
        dict = values instanceof BigInt64Array ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : new Int32Array(0);
        continue;
      }
      if (v2.num_rows === 0) continue;
      if (row + v2.num_rows > rows) throw BlockFormat(`column ${spec.name} has more rows than its row group`);
      const { values } = readV2Page(pageBytes, header, col);
      if (values.length !== v2.num_rows) throw BlockFormat(`page of ${spec.name} has ${values.length} values for ${v2.num_rows} rows`);
      if (values instanceof BigInt64Array) {
        out.set(values, row);
      } else if (values instanceof Uint32Array) {
        if (!dict) throw BlockFormat('dictionary-encoded page without a dictionary');
        for (let i = 0; i < values.length; i++) {
          const j = values[i];
          if (2 * j >= dict.length) throw BlockFormat(`dictionary index ${j} out of range`);
          out32[2 * (row + i)] = dict[2 * j];
          out32[2 * (row + i) + 1] = dict[2 * j + 1];
        }
      } else {
        throw BlockFormat(`column ${spec.name} has a page of ${v2.encoding} that is not INT64`);
      }
      row += v2.num_rows;
    }
  } catch (err) {
    if (isSpanbaseError(err)) throw err;
    throw BlockFormat(`cannot decode column ${spec.name}`, { cause: err });
  }
  if (row !== rows) throw BlockFormat(`column ${spec.name} has ${row} rows, expected ${rows}`);
  return out;
}
