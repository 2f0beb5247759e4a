// The work a query worker does for one block, shared by the worker thread and the in-process
// path (pool size 0): open the block, run the query through the block's fetcher.
import { openBlock } from '@spanbase/block';
import type { BlockMeta, BlockReader } from '@spanbase/block';
import type { ObjectStore } from '@spanbase/backend';
import { MemoryFetcher, executeSearch, parseOrThrow } from '@spanbase/traceql';
import type { FetchSpansRequest, FetchedSpanset, Query, SearchResult, SpansetFetcher } from '@spanbase/traceql';

/** A search over one block. */
export interface BlockSearchJob {
  kind: 'search';
  meta: BlockMeta;
  /** TraceQL text (the AST is re-parsed where the job runs; parsing is cheap). */
  query: string;
  limit: number;
  spansPerSpanset: number;
  start: bigint;
  end: bigint;
}

/** Any job. */
export type BlockJob = BlockSearchJob;

/** Opened readers, so a block's index and footer are read once per process. */
export class ReaderCache {
  private readonly readers = new Map<string, BlockReader>();
  private readonly max: number;
  private readonly store: ObjectStore;

  constructor(store: ObjectStore, max = 1024) {
    this.store = store;
    this.max = max;
  }

  get(meta: BlockMeta): BlockReader {
    let r = this.readers.get(meta.blockID);
    if (r) {
      // Refresh LRU position.
      this.readers.delete(meta.blockID);
      this.readers.set(meta.blockID, r);
      return r;
    }
    r = openBlock(this.store, meta);
    this.readers.set(meta.blockID, r);
    if (this.readers.size > this.max) this.readers.delete(this.readers.keys().next().value!);
    return r;
  }
}

const parsed = new Map<string, Query>();

function queryOf(text: string): Query {
  let q = parsed.get(text);
  if (!q) {
    q = parseOrThrow(text);
    if (parsed.size > 256) parsed.clear();
    parsed.set(text, q);
  }
  return q;
}

/**
 * A fetcher that reads a whole block row group by row group and lets the in-memory fetcher apply
 * the request: correct (the superset rule holds trivially) but it decodes every span. Used until
 * the columnar block fetcher is in place.
 */
function scanningFetcher(reader: BlockReader): SpansetFetcher {
  return {
    async *fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset> {
      for await (const trace of reader.iterateTraces({ signal })) yield* new MemoryFetcher([trace]).fetch(request, signal);
    },
  };
}

/** Runs a job against a block. */
export async function runBlockJob(readers: ReaderCache, job: BlockJob, signal: AbortSignal): Promise<SearchResult> {
  const reader = readers.get(job.meta);
  return executeSearch(queryOf(job.query), scanningFetcher(reader), { limit: job.limit, spansPerSpanset: job.spansPerSpanset, start: job.start, end: job.end, signal, mostRecent: true });
}
