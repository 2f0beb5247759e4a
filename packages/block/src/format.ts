// The contract every block format implements (STYLE rule 3): a writer, a reader, and TraceQL
// access to a block's spans (search, and the metrics engine's fetcher). The registry
// (registry.ts) picks the implementation from meta.json's `format`, so a future sb2 lives beside
// sb1, old blocks stay readable, and the query side never names a format: how a format fetches
// (columns, row groups) is its own, as Tempo's fetchers are per vParquet version.
import type { ObjectStore } from '@spanbase/backend';
import type { Resource, Scope, SpanRecord } from '@spanbase/model';
import type { BlockMeta } from './meta.ts';
import type { DedicatedColumnJson } from './sb1/dedicated.ts';
import type { TagsOptions, TagsSummary } from './sb1/tags.ts';
import type { DependencySummary } from './sb1/dependencies.ts';
import type { BloomCache } from './sb1/bloom-cache.ts';
import type { ChunkCache } from './sb1/chunk-cache.ts';
import type { BlockDamage, DamageListener } from './damage.ts';
import type { FetchSpansRequest, MetricsFetcher, Query, SearchOptions } from '@spanbase/traceql';
import type { BlockSearchResult } from './sb1/fetch-search.ts';

/** Options for a block writer. */
export interface BlockWriterOptions {
  /** Tenant the block belongs to. */
  tenant: string;
  /** Block id (lowercase UUID); a random one when absent. */
  blockId?: string;
  /** Format to write; `sb1` when absent. */
  format?: string;
  /** 0 for ingester blocks; compaction passes max(input levels) + 1. */
  compactionLevel?: number;
  /** Target false-positive rate of the trace-id bloom filter (default 0.01). */
  bloomFalsePositive?: number;
  /** Largest bloom shard in bytes of bits before another shard is added (default 100 KiB). */
  bloomShardSizeBytes?: number;
  /**
   * An upper bound on the traces the block will hold, when the caller knows one (compaction: the
   * inputs' totals). The bloom filter is then sized up front and filled as traces arrive, holding
   * about 1.2 bytes per trace instead of 12 until the block is finished. Exceeding it only raises
   * the filter's false-positive rate.
   */
  expectedTraces?: number;
  /**
   * Write the indexes that rule row groups and pages out for needle searches: Parquet bloom
   * filters on the dedicated string columns, the Parquet page index and the block's attribute
   * value index (default true; off only to measure what they cost).
   */
  needleIndexes?: boolean;
  /** A row group is cut (at a trace boundary) once it holds this many spans. */
  rowGroupSpans?: number;
  /** ...or once its estimated uncompressed size reaches this many bytes. */
  rowGroupTargetBytes?: number;
  /** Target uncompressed Parquet data page size. */
  pageSizeBytes?: number;
  /** zstd compression level of data.parquet. */
  compressionLevel?: number;
  /** Extra dedicated attribute columns (Tempo's meta.json shape), recorded in the block's meta. */
  dedicatedColumns?: DedicatedColumnJson[];
  /** Bounds of the tags summary. */
  tags?: TagsOptions;
  /**
   * The block's dependency summary, given instead of computed from the traces written: for a
   * writer fed rows it does not rebuild (e.g. row groups copied whole), with the inputs' summaries
   * merged by mergeDependencySummaries. Computed is exact; merged counts a span repeated across
   * inputs twice and keeps the edges of traces a filter dropped.
   */
  dependencies?: DependencySummary;
  /** Aborts every store operation of the writer. */
  signal?: AbortSignal;
  /** Clock for `createdAt` (tests). */
  now?: () => Date;
  /**
   * Bounds of the time range meta.json records, so a client clock far off cannot move the range
   * that block selection, compaction windows and retention go by: the end is kept within them,
   * the start at or below the upper one (never raised, so late spans stay findable by their own
   * times). The spans themselves, the index and the trace columns keep the times as sent. The
   * ingester passes its receive times widened by --ingestion.time-range-slack; compaction pins
   * the end to its newest input's.
   */
  timeBounds?: TimeBounds;
}

/** An inclusive range of unix nanoseconds. */
export interface TimeBounds {
  /** Earliest time, unix ns: the recorded end is raised to it. */
  minUnixNano: bigint;
  /** Latest time, unix ns: neither the recorded start nor the end passes it. */
  maxUnixNano: bigint;
}

/**
 * A span as an OTLP protobuf Span message body inside the request that carried it, with that
 * request's resource and scope already decoded: the ingester's form, which a writer can copy
 * into columns without building span objects.
 */
export interface EncodedSpan {
  /** The buffer holding the body (a request that `scanExportRequest` accepted). */
  bytes: Uint8Array;
  /** Offset of the Span message body (after its tag and length). */
  offset: number;
  /** Length of the body. */
  length: number;
  /** Its resource; spans of one request share the object, which a writer converts once. */
  resource: Resource;
  /** Schema URL of its ResourceSpans. */
  resourceSchemaUrl: string;
  /** Its instrumentation scope, shared likewise. */
  scope: Scope;
  /** Schema URL of its ScopeSpans. */
  scopeSchemaUrl: string;
  /**
   * The span's W3C tracestate as stored, when it differs from the body's: tail sampling records
   * the threshold it kept the trace at (`ot=th:`) here, so the block holds the adjusted count.
   */
  traceState?: string;
}

/**
 * One trace as a block stores it, read but not yet made into span records: compaction hands it
 * to a writer of the same format, which copies its rows column by column.
 */
export interface StoredTrace {
  /** Its trace id. */
  readonly traceId: Uint8Array;
  /** Its spans. */
  readonly length: number;
  /**
   * Whether two of its spans share span id and kind (a merge keeps only the first), counting the
   * spans of `others` (more parts of the same trace) with its own.
   */
  hasRepeatedSpans(others?: readonly StoredTrace[]): boolean;
  /** Its span records, made on the first call. */
  records(): SpanRecord[];
}

/** Writes one block; see createBlockWriter. */
export interface BlockWriter {
  /** Id of the block being written. */
  readonly blockId: string;
  /** Spans added so far. */
  readonly spanCount: number;
  /** Traces added so far. */
  readonly traceCount: number;
  /**
   * Adds one trace: all its spans, in any order. Traces must arrive in strictly ascending
   * trace-id order. A trace that breaks the rules is rejected with BLK_ERR_BAD_INPUT and leaves
   * the writer as it was; any other failure aborts the block. May wait while a full row group
   * is uploaded.
   */
  addTrace(records: readonly SpanRecord[]): Promise<void>;
  /** Adds one trace given as encoded spans; the same rules and result as addTrace with the decoded spans. */
  addEncodedTrace(spans: readonly EncodedSpan[]): Promise<void>;
  /**
   * Adds one trace given as the parts other blocks stored of it; the same rules and result as
   * addTrace with the parts' records, in order.
   */
  addStoredTrace(parts: readonly StoredTrace[]): Promise<void>;
  /** Writes the remaining objects, meta.json last, and returns the meta. */
  finish(): Promise<BlockMeta>;
  /** Abandons the block; objects already written stay invisible (no meta.json). */
  abort(reason?: unknown): Promise<void>;
}

/** Options of reader operations. */
export interface ReadOptions {
  /** Aborts the operation's store reads. */
  signal?: AbortSignal;
}

/** Options of a block's prefetch. */
export interface PrefetchOptions extends ReadOptions {
  /**
   * Also read the string attribute columns of every row group once and keep their dictionary
   * summaries in the reader's chunk cache (a query worker's), so the first pattern search rules
   * row groups out as a later one does.
   */
  summaries?: boolean;
}

/** Options of {@link BlockReader.iterateTraces}. */
export interface IterateOptions extends ReadOptions {
  /**
   * Leave out row groups whose column chunks are damaged instead of failing (compaction carries
   * what it can read); damage to the block as a whole still throws.
   */
  skipDamaged?: boolean;
  /** Told of each row group left out by `skipDamaged`. */
  onLost?: (d: BlockDamage) => void;
}

/** Outcome of checking one object of a block. */
export interface VerifyIssue {
  /** Object name, e.g. `bloom-3`. */
  object: string;
  /** What is wrong. */
  problem: 'missing' | 'size' | 'checksum' | 'format';
  /** Details for the operator. */
  message: string;
}

/** What verify() found. */
export interface VerifyReport {
  /** True when every object is present, the right size and checksum, and parses. */
  ok: boolean;
  /** Objects checked. */
  checked: string[];
  /** Problems found. */
  issues: VerifyIssue[];
}

/** Reads one block. */
export interface BlockReader {
  /** The block's meta.json. */
  readonly meta: BlockMeta;
  /**
   * The spans of a trace, or undefined when the block does not hold it. Throws
   * BLK_ERR_CHECKSUM when the row group holding it is damaged, or the whole block is (the caller
   * skips the block and reports the answer partial).
   */
  findTrace(traceId: Uint8Array, opts?: ReadOptions): Promise<SpanRecord[] | undefined>;
  /**
   * False when the block cannot hold the trace (its id range and bloom filter rule it out);
   * true may be a false positive, and is the answer when the bloom shard is damaged. At most
   * one small read.
   */
  mayContainTrace(traceId: Uint8Array, opts?: ReadOptions): Promise<boolean>;
  /** Every trace, in trace-id order, one row group in memory at a time (for compaction). */
  iterateTraces(opts?: IterateOptions): AsyncIterable<SpanRecord[]>;
  /** The same traces as iterateTraces, as stored (span records made only when asked for). */
  iterateStoredTraces(opts?: IterateOptions): AsyncIterable<StoredTrace>;
  /** The block's attribute and intrinsic summary for autocomplete (checksum-verified; empty when damaged). */
  tags(opts?: ReadOptions): Promise<TagsSummary>;
  /** The block's service dependency graph (checksum-verified; empty when damaged or absent). */
  dependencies(opts?: ReadOptions): Promise<DependencySummary>;
  /** Checks every object of the block against meta.json's sizes and checksums. */
  verify(opts?: ReadOptions): Promise<VerifyReport>;
  /** Damage this reader has met and worked around or lost, each once (see damage.ts). */
  damage(): BlockDamage[];
}

/** Options of opening a block. */
export interface OpenOptions {
  /** Verified bloom shards shared across readers; without one every lookup reads and checks its shard. */
  bloomCache?: BloomCache;
  /** Verified column chunks shared across readers; without one every read fetches and checks its chunks. */
  chunkCache?: ChunkCache;
  /** Told of each damage the reader meets, once (log it, count it). */
  onDamage?: DamageListener;
}

/** Options of TraceQL access to a block. */
export interface BlockQueryOptions {
  /** Told of each row group left out because it is damaged (the answer is then partial). */
  onLost?: (d: BlockDamage) => void;
}

/** One block format: how to write and read it, and how TraceQL reads its spans. */
export interface BlockFormatImpl {
  /** The `format` value in meta.json. */
  readonly name: string;
  /** Starts writing a block. */
  createWriter(store: ObjectStore, opts: BlockWriterOptions): BlockWriter;
  /** Opens a block described by `meta`; reads nothing until asked. */
  open(store: ObjectStore, meta: BlockMeta, opts?: OpenOptions): BlockReader;
  /**
   * The newest `options.limit` traces of the block (a reader `open` gave) matching a search, with
   * the row groups it had to leave out.
   */
  search(reader: BlockReader, query: string | Query, options: SearchOptions): Promise<BlockSearchResult>;
  /** What the metrics engine reads the block's spans through (spansets, and columns when the format has them). */
  metricsFetcher(reader: BlockReader, opts?: BlockQueryOptions): MetricsFetcher;
  /**
   * Whether any part of the block may hold a span the conditions select, from what the reader
   * caches (time range, statistics, needle filters); false means a search finds nothing there.
   */
  mayMatch(reader: BlockReader, request: MayMatchRequest, opts?: ReadOptions): Promise<boolean>;
  /** Reads what deciding a search needs (index, footer, filters) into the reader's caches. */
  prefetch(reader: BlockReader, opts?: PrefetchOptions): Promise<void>;
}

/** What {@link BlockFormatImpl.mayMatch} looks at of a search's fetch request. */
export type MayMatchRequest = Pick<FetchSpansRequest, 'conditions' | 'allConditions' | 'startTimeUnixNano' | 'endTimeUnixNano'>;
