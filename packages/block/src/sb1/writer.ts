// The sb1 block writer: traces in ascending trace-id order in, a complete block out. Row groups are
// encoded and streamed to the store as they fill, so memory stays near two row groups (one being
// built, one queued for upload) plus 12 bytes per trace for the bloom filter (about 1.2 when the
// caller gives expectedTraces) and the bounded tags counters. Objects are written in the order
// data.parquet, bloom shards, index, tags, dependencies, meta.json: the block is invisible until meta.json exists.
// Uses nothing but its arguments, so it runs unchanged in a worker thread.
import { randomUUID } from 'node:crypto';
import { zstdCompressSync } from 'node:zlib';
import type { ObjectStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { SPAN_ID_BYTES, TRACE_ID_BYTES, bytesToHex, compareIds, crc32c, idsEqual } from '@spanbase/model';
import { mapLimited } from '../concurrency.ts';
import { BlockBadInput, BlockBadOptions, BlockWriterClosed } from '../errors.ts';
import { BlockObjects, blockKey, isBlockId } from '../keys.ts';
import type { BlockMeta, ObjectChecksum } from '../meta.ts';
import { crcHex, rfc3339FromNanos, serializeBlockMeta } from '../meta.ts';
import type { BlockWriter, BlockWriterOptions, TimeBounds } from '../format.ts';
import { BloomBuilder } from './bloom.ts';
import { EncodedRows } from './encoded-rows.ts';
import { WELL_KNOWN_DEDICATED, dedicatedToJson, resolveDedicated } from './dedicated.ts';
import { encodeIndex } from './index-file.ts';
import type { RowGroupFacts } from './parquet-stream.ts';
import { ParquetStream } from './parquet-stream.ts';
import type { TraceSummary } from './row-builder.ts';
import { RowGroupBuilder } from './row-builder.ts';
import { hasColumnBloom, sb1Columns, schemaElements } from './schema.ts';
import { indexRowGroupValues } from './row-group-values.ts';
import { ValueIndexBuilder } from './value-index.ts';
import { TagsBuilder } from './tags.ts';
import { DependencyBuilder } from './dependencies.ts';
import { addRowGroupEdges } from './row-group-deps.ts';
import { sortTrace } from './trace-shape.ts';
import { Sb1StoredTrace } from './stored-trace.ts';
import { writeStoredTrace } from './stored-rows.ts';

/** Defaults of the sb1 writer, chosen by measurement (see the design note). */
export const SB1_DEFAULTS = {
  bloomFalsePositive: 0.01,
  bloomShardSizeBytes: 100 * 1024,
  rowGroupSpans: 12288,
  rowGroupTargetBytes: 16 * 1024 * 1024,
  pageSizeBytes: 16 * 1024,
  /** zstd level of compacted blocks (compactionLevel >= 1): size first, they are written once in the background. */
  compressionLevel: 15,
  /** zstd level of ingester blocks (compactionLevel 0): speed first, compaction rewrites them. */
  ingestCompressionLevel: 3,
  /**
   * Page size of compacted blocks: a page's zstd frame and header cost the same whatever its
   * size, and low-cardinality columns fill a 16 KiB page with a few hundred bytes of codes.
   */
  compactedPageSizeBytes: 64 * 1024,
  /**
   * Row group spans of compacted blocks: each row group repeats every column's dictionary. With
   * 64 KiB pages, data.parquet of the bench workload is 36.97 B/span against DuckDB's 37.1
   * (16 KiB pages and 12,288-span groups: 39.9); a trace lookup reads one group, about 0.9 MiB.
   */
  compactedRowGroupSpans: 25_000,
} as const;

/** False-positive rate of the Parquet bloom filters of the flat string columns, per row group. */
export const COLUMN_BLOOM_FPP = 0.01;

type Resolved = { -readonly [K in Exclude<keyof typeof SB1_DEFAULTS, 'ingestCompressionLevel' | 'compactedPageSizeBytes' | 'compactedRowGroupSpans'>]: number } & { compactionLevel: number };

function resolveOptions(opts: BlockWriterOptions): Resolved {
  const { ingestCompressionLevel, compactedPageSizeBytes, compactedRowGroupSpans, ...defaults } = SB1_DEFAULTS;
  const o: Resolved = { ...defaults, compactionLevel: 0 };
  for (const k of Object.keys(o) as (keyof Resolved)[]) if (opts[k] !== undefined) o[k] = opts[k];
  if (opts.compressionLevel === undefined && o.compactionLevel === 0) o.compressionLevel = ingestCompressionLevel;
  if (o.compactionLevel >= 1) {
    if (opts.pageSizeBytes === undefined) o.pageSizeBytes = compactedPageSizeBytes;
    if (opts.rowGroupSpans === undefined) o.rowGroupSpans = compactedRowGroupSpans;
  }
  if (!opts.tenant) throw BlockBadOptions('tenant is required');
  if (!(o.bloomFalsePositive > 0 && o.bloomFalsePositive < 1)) throw BlockBadOptions('bloomFalsePositive must be in (0, 1)');
  if (!(o.rowGroupSpans >= 1) || !(o.rowGroupTargetBytes >= 1) || !(o.pageSizeBytes >= 1024) || !(o.bloomShardSizeBytes >= 64)) throw BlockBadOptions('row group, page (>= 1 KiB) and shard (>= 64 B) sizes must be positive');
  if (!Number.isInteger(o.compressionLevel) || o.compressionLevel < -7 || o.compressionLevel > 22) throw BlockBadOptions('compressionLevel must be a zstd level, -7 to 22');
  if (!Number.isInteger(o.compactionLevel) || o.compactionLevel < 0) throw BlockBadOptions('compactionLevel must be a non-negative integer');
  if (opts.expectedTraces !== undefined && !(Number.isInteger(opts.expectedTraces) && opts.expectedTraces >= 0)) throw BlockBadOptions('expectedTraces must be a non-negative integer');
  const b = opts.timeBounds;
  if (b && !(typeof b.minUnixNano === 'bigint' && typeof b.maxUnixNano === 'bigint' && b.minUnixNano >= 0n && b.minUnixNano <= b.maxUnixNano)) throw BlockBadOptions('timeBounds must be unix nanoseconds with 0 <= minUnixNano <= maxUnixNano');
  return o;
}

/** `v` moved into [lo, hi]. */
function clamp(v: bigint, lo: bigint, hi: bigint): bigint {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * The block's time range as meta.json records it: the spans' range with its end kept within the
 * bounds and its start at most the upper bound. The start is never raised, so spans that arrive
 * late stay findable by their own times; the end is, so retention counts from when they arrived.
 */
export function boundedTimeRange(start: bigint, end: bigint, bounds: TimeBounds | undefined): { start: bigint; end: bigint } {
  if (!bounds) return { start, end };
  return { start: start > bounds.maxUnixNano ? bounds.maxUnixNano : start, end: clamp(end, bounds.minUnixNano, bounds.maxUnixNano) };
}

/** Creates an sb1 block writer. */
export function createSb1Writer(store: ObjectStore, opts: BlockWriterOptions): BlockWriter {
  const o = resolveOptions(opts);
  const blockId = opts.blockId ?? randomUUID();
  if (!isBlockId(blockId)) throw BlockBadOptions(`block id ${JSON.stringify(blockId)} is not a lowercase UUID`);
  const extra = resolveDedicated(opts.dedicatedColumns ?? []);
  const columns = sb1Columns(extra);
  const names = columns.map((c) => c.name);
  const dedicatedJson = JSON.stringify(dedicatedToJson(extra));
  const key = (object: string) => blockKey(opts.tenant, blockId, object);
  const bloom = new BloomBuilder(opts.expectedTraces === undefined ? {} : { expectedItems: opts.expectedTraces, falsePositive: o.bloomFalsePositive, shardBytes: o.bloomShardSizeBytes });
  const tags = new TagsBuilder(opts.tags);
  const deps = opts.dependencies ? undefined : new DependencyBuilder();
  const rows = new RowGroupBuilder(columns, [...WELL_KNOWN_DEDICATED, ...extra], tags);
  const needles = opts.needleIndexes !== false;
  const values = needles ? new ValueIndexBuilder() : undefined;
  rows.valueIndex = values;
  let encoded: EncodedRows | undefined;
  const data = new ParquetStream(store, key(BlockObjects.data), schemaElements(columns), {
    compressionLevel: o.compressionLevel,
    pageSize: o.pageSizeBytes,
    sortingColumns: [names.indexOf('trace_id'), names.indexOf('start_unix_nano')],
    createdBy: 'spanbase sb1',
    signal: opts.signal,
    bloomColumns: needles ? columns.flatMap((c, i) => (hasColumnBloom(c) ? [i] : [])) : [],
    bloomFpp: COLUMN_BLOOM_FPP,
    pageIndex: needles,
  });
  let state: 'open' | 'finishing' | 'closed' = 'open';
  let lastId: Uint8Array | undefined;
  let firstId: Uint8Array | undefined;
  let spans = 0;
  let traces = 0;
  let start = 0n;
  let end = 0n;
  let rg: RowGroupFacts | undefined;

  const flush = async () => {
    if (!rg) return;
    const facts = rg;
    rg = undefined;
    rows.countTags();
    if (deps) addRowGroupEdges(rows, deps);
    if (values) {
      indexRowGroupValues(values, rows);
      values.endRowGroup();
    }
    await data.writeRowGroup(rows.columns, facts);
    rows.reset();
    encoded?.reset();
  };

  const fail = async (err: unknown) => {
    state = 'closed';
    await data.abort(err);
    return err;
  };

  const check = (records: readonly SpanRecord[]): Uint8Array => {
    if (records.length === 0) throw BlockBadInput('a trace needs at least one span');
    const id = records[0].span.traceId;
    if (id.length !== TRACE_ID_BYTES) throw BlockBadInput(`trace id has ${id.length} bytes, expected ${TRACE_ID_BYTES}`);
    for (const r of records) {
      if (!idsEqual(r.span.traceId, id)) throw BlockBadInput('spans of one trace must share its trace id');
      if (r.span.spanId.length !== SPAN_ID_BYTES) throw BlockBadInput(`span id has ${r.span.spanId.length} bytes, expected ${SPAN_ID_BYTES}`);
    }
    return ordered(id);
  };

  const ordered = (id: Uint8Array): Uint8Array => {
    if (lastId && compareIds(id, lastId) <= 0) throw BlockBadInput(`trace ${bytesToHex(id)} is not above the previous trace ${bytesToHex(lastId)}: traces must arrive in ascending id order, once each`);
    return id;
  };

  /** Bookkeeping after a trace's rows were built; cuts the row group when it is full. */
  const added = async (id: Uint8Array, summary: TraceSummary, n: number) => {
    bloom.add(id);
    if (!rg) rg = { minTraceId: id, maxTraceId: id, rows: 0, traces: 0, minStartUnixNano: summary.start, maxEndUnixNano: summary.end };
    rg.maxTraceId = id;
    rg.rows += n;
    rg.traces++;
    if (summary.start < rg.minStartUnixNano) rg.minStartUnixNano = summary.start;
    if (summary.end > rg.maxEndUnixNano) rg.maxEndUnixNano = summary.end;
    if (traces === 0 || summary.start < start) start = summary.start;
    if (traces === 0 || summary.end > end) end = summary.end;
    firstId ??= id;
    lastId = id;
    spans += n;
    traces++;
    if (rows.rows >= o.rowGroupSpans || rows.estimatedBytes >= o.rowGroupTargetBytes) await flush();
  };

  const writer: BlockWriter = {
    blockId,
    get spanCount() {
      return spans;
    },
    get traceCount() {
      return traces;
    },
    async addTrace(records) {
      if (state !== 'open') throw BlockWriterClosed('addTrace after finish() or abort()');
      const id = check(records);
      try {
        await added(id, rows.addTrace(sortTrace([...records])), records.length);
      } catch (err) {
        throw await fail(err);
      }
    },
    async addEncodedTrace(spans) {
      if (state !== 'open') throw BlockWriterClosed('addEncodedTrace after finish() or abort()');
      encoded ??= new EncodedRows(rows);
      const id = ordered(encoded.check(spans));
      try {
        await added(id, encoded.write(spans, id), spans.length);
      } catch (err) {
        throw await fail(err);
      }
    },
    async addStoredTrace(parts) {
      if (state !== 'open') throw BlockWriterClosed('addStoredTrace after finish() or abort()');
      // Rows copy between blocks of one schema; any other trace is written from its records.
      const copied = parts.length > 0 && parts.every((p) => p instanceof Sb1StoredTrace && p.dedicated === dedicatedJson && idsEqual(p.traceId, parts[0].traceId));
      if (!copied) return writer.addTrace(parts.flatMap((p) => p.records()));
      const id = ordered(parts[0].traceId);
      try {
        await added(id, writeStoredTrace(rows, parts as Sb1StoredTrace[]), parts.reduce((n, p) => n + p.length, 0));
      } catch (err) {
        throw await fail(err);
      }
    },
    async finish() {
      if (state !== 'open') throw BlockWriterClosed('finish() called twice or after abort()');
      state = 'finishing';
      if (traces === 0) throw await fail(BlockBadInput('a block needs at least one trace'));
      try {
        await flush();
        const written = await data.finish();
        const checksums: Record<string, ObjectChecksum> = { [BlockObjects.data]: { size: written.size, crc32c: crcHex(written.crc) } };
        const put = async (object: string, bytes: Uint8Array) => {
          await store.put(key(object), bytes, { signal: opts.signal });
          checksums[object] = { size: bytes.length, crc32c: crcHex(crc32c(bytes)) };
        };
        const shards = bloom.build(o.bloomFalsePositive, o.bloomShardSizeBytes);
        await mapLimited(shards, 16, (bytes, i) => put(BlockObjects.bloom(i), bytes));
        await put(BlockObjects.index, encodeIndex({ columns: names, dataSize: written.size, footerOffset: written.footerOffset, footerCrc: written.footerCrc, rowGroups: written.rowGroups }));
        await put(BlockObjects.tags, new Uint8Array(zstdCompressSync(JSON.stringify(tags.summary()))));
        await put(BlockObjects.dependencies, new Uint8Array(zstdCompressSync(JSON.stringify(opts.dependencies ?? deps!.summary()))));
        if (values) await put(BlockObjects.values, values.finish());
        const range = boundedTimeRange(start, end, opts.timeBounds);
        const meta: BlockMeta = {
          format: 'sb1',
          blockID: blockId,
          tenantID: opts.tenant,
          startTime: rfc3339FromNanos(range.start),
          endTime: rfc3339FromNanos(range.end, true),
          totalObjects: traces,
          size: written.size,
          compactionLevel: o.compactionLevel,
          bloomShards: shards.length,
          footerSize: written.footerSize,
          dedicatedColumns: dedicatedToJson(extra),
          spanCount: spans,
          rowGroups: written.rowGroups.length,
          checksums: Object.fromEntries(Object.entries(checksums).sort(([a], [b]) => (a < b ? -1 : 1))),
          createdAt: (opts.now?.() ?? new Date()).toISOString(),
          startUnixNano: range.start.toString(),
          endUnixNano: range.end.toString(),
          minTraceID: bytesToHex(firstId!),
          maxTraceID: bytesToHex(lastId!),
          bloomFalsePositive: o.bloomFalsePositive,
        };
        if (written.blooms) meta.columnBlooms = { offset: written.blooms.offset, size: written.blooms.size, crc32c: crcHex(written.blooms.crc) };
        if (written.pageIndex) meta.pageIndex = { offset: written.pageIndex.offset, size: written.pageIndex.size, crc32c: crcHex(written.pageIndex.crc) };
        await store.put(key(BlockObjects.meta), serializeBlockMeta(meta), { signal: opts.signal });
        state = 'closed';
        return meta;
      } catch (err) {
        throw await fail(err);
      }
    },
    async abort(reason) {
      if (state === 'closed') return;
      await fail(reason ?? new Error('block writer aborted'));
    },
  };
  return writer;
}
