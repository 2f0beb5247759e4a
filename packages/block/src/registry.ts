// Block formats by name (STYLE rule 3). meta.json's `format` picks the reader; writers write the
// newest format unless told otherwise. Adding sb2 means adding it here; sb1 stays for old blocks.
import type { ObjectStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import type { MetricsFetcher, Query, SearchOptions } from '@spanbase/traceql';
import { BlockUnknownFormat } from './errors.ts';
import type { BlockFormatImpl, BlockQueryOptions, MayMatchRequest, PrefetchOptions, ReadOptions, BlockReader, BlockWriter, BlockWriterOptions, EncodedSpan, OpenOptions } from './format.ts';
import type { BlockMeta } from './meta.ts';
import { blockColumnFetcher } from './sb1/fetch-columns.ts';
import type { BlockSearchResult } from './sb1/fetch-search.ts';
import { blockMayMatch as sb1MayMatch, prefetchBlock as sb1Prefetch, searchBlock as searchSb1Block } from './sb1/fetch-search.ts';
import { blockSpansetFetcher } from './sb1/fetch-spansets.ts';
import { Sb1Reader } from './sb1/reader.ts';
import { createSb1Writer } from './sb1/writer.ts';

const sb1: BlockFormatImpl = {
  name: 'sb1',
  createWriter: createSb1Writer,
  open: (store, meta, opts) => new Sb1Reader(store, meta, opts),
  search: searchSb1Block,
  mayMatch: sb1MayMatch,
  prefetch: sb1Prefetch,
  metricsFetcher(reader, opts = {}) {
    // Spansets for what the column path cannot answer, columns for the rest.
    const spansets = blockSpansetFetcher(reader, opts);
    const columns = blockColumnFetcher(reader, opts);
    return { fetch: (req, signal) => spansets.fetch(req, signal), fetchColumns: (req, signal) => columns.fetchColumns(req, signal) };
  },
};

const FORMATS = new Map<string, BlockFormatImpl>([[sb1.name, sb1]]);

/** The format new blocks are written in. */
export const CURRENT_FORMAT = 'sb1';

/** Names of the formats this build reads. */
export function knownFormats(): string[] {
  return [...FORMATS.keys()];
}

/** The implementation of `name`; throws BLK_ERR_UNKNOWN_FORMAT when there is none. */
export function blockFormat(name: string): BlockFormatImpl {
  const f = FORMATS.get(name);
  if (!f) throw BlockUnknownFormat(`block format ${JSON.stringify(name)} is not supported (known: ${knownFormats().join(', ')})`);
  return f;
}

/**
 * Starts writing a block (format `opts.format`, default the current one). Feed traces in
 * ascending trace-id order with addTrace(), then finish().
 */
export function createBlockWriter(store: ObjectStore, opts: BlockWriterOptions): BlockWriter {
  return blockFormat(opts.format ?? CURRENT_FORMAT).createWriter(store, opts);
}

/** Opens a block with the reader its meta.json names. Reads nothing until asked. */
export function openBlock(store: ObjectStore, meta: BlockMeta, opts?: OpenOptions): BlockReader {
  return blockFormat(meta.format).open(store, meta, opts);
}

/**
 * A TraceQL search over one block, whatever its format: the newest `options.limit` matching
 * traces (what Tempo's `most_recent` returns), and the damaged row groups it left out.
 */
export function searchBlock(reader: BlockReader, query: string | Query, options: SearchOptions = {}): Promise<BlockSearchResult> {
  return blockFormat(reader.meta.format).search(reader, query, options);
}

/** The metrics engine's fetcher over one block, whatever its format. */
export function blockMetricsFetcher(reader: BlockReader, opts?: BlockQueryOptions): MetricsFetcher {
  return blockFormat(reader.meta.format).metricsFetcher(reader, opts);
}

/**
 * Whether any part of the block may hold a span the request's conditions select (time range,
 * statistics, needle filters, each read once per reader). False means a search of the block
 * finds nothing, so a querier need not send it a job.
 */
export function blockMayMatch(reader: BlockReader, request: MayMatchRequest, opts?: ReadOptions): Promise<boolean> {
  return blockFormat(reader.meta.format).mayMatch(reader, request, opts);
}

/** Reads what deciding a search needs (index, footer, needle filters; with `summaries`, dictionary summaries) into the reader's caches. */
export function prefetchBlock(reader: BlockReader, opts?: PrefetchOptions): Promise<void> {
  return blockFormat(reader.meta.format).prefetch(reader, opts);
}

/** Writes a whole block from traces in ascending trace-id order; aborts the block on error. */
export function writeBlock(store: ObjectStore, opts: BlockWriterOptions, traces: AsyncIterable<SpanRecord[]> | Iterable<SpanRecord[]>): Promise<BlockMeta> {
  return writeAll(store, opts, traces, (w, t) => w.addTrace(t));
}

/** {@link writeBlock} for traces given as encoded spans (the ingester's form). */
export function writeEncodedBlock(store: ObjectStore, opts: BlockWriterOptions, traces: AsyncIterable<EncodedSpan[]> | Iterable<EncodedSpan[]>): Promise<BlockMeta> {
  return writeAll(store, opts, traces, (w, t) => w.addEncodedTrace(t));
}

async function writeAll<T>(store: ObjectStore, opts: BlockWriterOptions, traces: AsyncIterable<T> | Iterable<T>, add: (w: BlockWriter, t: T) => Promise<void>): Promise<BlockMeta> {
  const w = createBlockWriter(store, opts);
  try {
    for await (const t of traces) await add(w, t);
    return await w.finish();
  } catch (err) {
    await w.abort(err);
    throw err;
  }
}
