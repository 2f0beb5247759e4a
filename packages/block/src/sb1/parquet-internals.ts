// The internal modules of hyparquet and hyparquet-writer that sb1 uses, in one place. Both
// packages export their `src/*.js` files, but only their index is their documented API: these
// functions (page headers, page decompression, the delta and RLE codecs, PLAIN decoding, the
// footer writer, the page index codec, the bloom filter header codec and XXH64) may change shape in any release. So both versions are pinned exactly in
// package.json, nothing else in the repository imports `src/*.js` from them (a lint rule), and an
// upgrade starts by checking what is listed here; the encoding, page and DuckDB tests of sb1
// fail if one of them changes behaviour.
export { readBloomFilter } from 'hyparquet/src/bloom.js';
export { parquetHeader } from 'hyparquet/src/column.js';
export { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
export { decompressPage } from 'hyparquet/src/datapage.js';
export { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
export { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
export { readPlain } from 'hyparquet/src/plain.js';
export { getTreePath } from 'hyparquet/src/schema.js';
export { xxhash64 } from 'hyparquet/src/xxhash.js';
export type { ColumnDecoder, Compressors, PageEncodingStats, SchemaTree } from 'hyparquet/src/types.js';
export { writeBloomFilter } from 'hyparquet-writer/src/bloom.js';
export { writePageHeader } from 'hyparquet-writer/src/datapage.js';
export { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
export { writeMetadata } from 'hyparquet-writer/src/metadata.js';
export { writeIndexes } from 'hyparquet-writer/src/indexes.js';
export type { Writer } from 'hyparquet-writer/src/types.js';
