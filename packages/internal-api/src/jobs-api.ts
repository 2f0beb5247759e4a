// Query-frontend → querier: one piece of a query, over the blocks the frontend listed for it and,
// for the job marked `live`, over every ingester's memory. The querier answers with what it found
// and what it could not read (failures), which the frontend merges with the other jobs' answers.
//
//   service spanbase.internal.v1.Jobs {
//     rpc Search(SearchJob) returns (SearchJobResult);
//     rpc Metrics(MetricsJob) returns (MetricsJobResult);
//     rpc Tags(TagsJob) returns (TagsJobResult);
//     rpc FindTrace(TraceJob) returns (TraceJobResult);
//     rpc Dependencies(DependenciesJob) returns (DependenciesJobResult);   // dependencies-api.ts
//   }
//   message SearchJob        { LiveSearchRequest search = 1; repeated bytes blocks = 2; bool live = 3; }
//   message SearchJobResult  { SearchResult result = 1; repeated Failure failures = 2;
//                              uint64 inspected_bytes = 3; repeated bytes recent_blocks = 4; }
//   message MetricsJob       { LiveMetricsRequest metrics = 1; repeated bytes blocks = 2; bool live = 3; }
//   message MetricsJobResult { repeated MetricsPartial parts = 1; repeated Failure failures = 2;
//                              uint64 inspected_bytes = 3; repeated bytes recent_blocks = 4; }
//   message TagsJob          { repeated bytes blocks = 1; bool live = 2; }
//   message TagsJobResult    { repeated TagsSummary summaries = 1; repeated Failure failures = 2;
//                              repeated bytes recent_blocks = 3; }
//   message TraceJob         { bytes trace_id = 1; repeated bytes blocks = 2; bool live = 3; }
//   message TraceJobResult   { bytes traces_data = 1; repeated string skipped = 2; }
//   message Failure          { string source = 1; string code = 2; uint32 status = 3; string message = 4; }
// blocks and recent_blocks hold meta.json bytes; traces_data is an OTLP TracesData.
import type { BlockMeta, TagsSummary } from '@spanbase/block';
import { SpanbaseError, isSpanbaseError } from '@spanbase/model';
import type { MetricsPartialData, SearchResult } from '@spanbase/traceql';
import type { MetricsQuery, SearchQuery } from './live-api.ts';
import { emptySearchQuery, searchQueryField, writeSearchQuery } from './live-api.ts';
import { method } from './rpc/service.ts';
import type { Service } from './rpc/service.ts';
import { readBlockMeta, writeBlockMetas } from './wire/block-meta.ts';
import { readMetricsPartial, writeMetricsPartialData } from './wire/metrics-partial.ts';
import { readMetricsRequest, writeMetricsRequest } from './wire/metrics-request.ts';
import type { ProtoReader, ProtoWriter } from './wire/proto.ts';
import { WireType, decodeMessage, encodeMessage, readCount, readNested, writeBool, writeBytes, writeCount, writeNested, writeString, writeUint } from './wire/proto.ts';
import { readSearchResult, writeSearchResult } from './wire/search-result.ts';
import { readTagsSummary, writeTagsSummary } from './wire/tags-summary.ts';
import { dependenciesJobMethod } from './dependencies-api.ts';

/** A source a job could not read, wholly or in part. */
export interface JobFailure {
  /** What failed, e.g. `block <id>: 2 of 9 row groups unreadable`. */
  source: string;
  /** Why: a named error (its code and status survive the trip). */
  error: Error;
}

/** Where a job runs: blocks, and live data when `live`. */
export interface JobScope {
  /** Blocks to read. */
  blocks: BlockMeta[];
  /** Also every ingester's memory (and the blocks they flushed recently). */
  live: boolean;
}

/** A search job. */
export interface SearchJob extends JobScope {
  search: SearchQuery;
}

/** What a search job found. */
export interface SearchJobResult {
  result: SearchResult;
  failures: JobFailure[];
  /** Bytes of the blocks read. */
  inspectedBytes: number;
  /** Blocks ingesters flushed recently (live jobs only). */
  recentBlocks: BlockMeta[];
}

/** A metrics job. */
export interface MetricsJob extends JobScope {
  metrics: MetricsQuery;
}

/**
 * What a metrics job accumulated: one part, or (a querier in the frontend's process) each block's
 * part as its query worker returned it, for the frontend to merge off the thread that answers
 * ingest. Apart, a querier merges them and sends one.
 */
export interface MetricsJobResult {
  parts: MetricsPartialData[];
  /** Spans in parts posted to the call's partChannel rather than returned (in one process only; not on the wire). */
  sentSpans?: number;
  failures: JobFailure[];
  inspectedBytes: number;
  recentBlocks: BlockMeta[];
}

/** A tags job. */
export type TagsJob = JobScope;

/** The summaries a tags job read. */
export interface TagsJobResult {
  summaries: TagsSummary[];
  failures: JobFailure[];
  recentBlocks: BlockMeta[];
}

/** A trace-by-id job. */
export interface TraceJob extends JobScope {
  traceId: Uint8Array;
}

/** The spans a trace job found. */
export interface TraceJobResult {
  /** OTLP TracesData (empty when none). */
  tracesData: Uint8Array;
  /** Blocks (or ingesters) that could not be read, for the answer's message. */
  skipped: string[];
}

function writeScope(w: ProtoWriter, blocksField: number, liveField: number, s: JobScope): void {
  writeBlockMetas(w, blocksField, s.blocks);
  writeBool(w, liveField, s.live);
}

function writeFailures(w: ProtoWriter, no: number, list: readonly JobFailure[]): void {
  for (const f of list) {
    writeNested(w, no, (x) => {
      writeString(x, 1, f.source);
      writeString(x, 2, isSpanbaseError(f.error) ? f.error.code : '');
      writeUint(x, 3, isSpanbaseError(f.error) ? f.error.statusCode : 500);
      writeString(x, 4, f.error.message);
    });
  }
}

function readFailure(r: ProtoReader): JobFailure {
  const f = readNested(r, { source: '', code: '', status: 500, message: '' }, (r, no, _t, f) => {
    if (no === 1) f.source = r.string();
    else if (no === 2) f.code = r.string();
    else if (no === 3) f.status = r.uint32();
    else if (no === 4) f.message = r.string();
    else return false;
    return true;
  });
  return { source: f.source, error: f.code ? new SpanbaseError(f.code, f.message, f.status) : new Error(f.message) };
}

/** The jobs service. */
export const JobsService = {
  name: 'spanbase.internal.v1.Jobs',
  methods: {
    Search: method<SearchJob, SearchJobResult>('Search', {
      encodeRequest: (j) => encodeMessage((w) => {
        writeNested(w, 1, (x) => writeSearchQuery(x, j.search));
        writeScope(w, 2, 3, j);
      }, 4096),
      decodeRequest: (b) => decodeMessage(b, { search: emptySearchQuery(), blocks: [], live: false } as SearchJob, (r, no, _t, j) => {
        if (no === 1) readNested(r, j.search, (r, no, _t, q) => searchQueryField(r, no, q));
        else if (no === 2) j.blocks.push(readBlockMeta(r));
        else if (no === 3) j.live = r.bool();
        else return false;
        return true;
      }),
      encodeResponse: (res) => encodeMessage((w) => {
        writeNested(w, 1, (x) => writeSearchResult(x, res.result));
        writeFailures(w, 2, res.failures);
        writeCount(w, 3, res.inspectedBytes);
        writeBlockMetas(w, 4, res.recentBlocks);
      }, 4096),
      decodeResponse: (b) => decodeMessage(b, { result: { traces: [], inspectedTraces: 0, inspectedSpans: 0 }, failures: [], inspectedBytes: 0, recentBlocks: [] } as SearchJobResult, (r, no, _t, o) => {
        if (no === 1) o.result = readSearchResult(r);
        else if (no === 2) o.failures.push(readFailure(r));
        else if (no === 3) o.inspectedBytes = readCount(r);
        else if (no === 4) o.recentBlocks.push(readBlockMeta(r));
        else return false;
        return true;
      }),
    }),
    Metrics: method<MetricsJob, MetricsJobResult>('Metrics', {
      encodeRequest: (j) => encodeMessage((w) => {
        writeNested(w, 1, (x) => {
          writeString(x, 1, j.metrics.query);
          writeNested(x, 2, (y) => writeMetricsRequest(y, j.metrics.request));
        });
        writeScope(w, 2, 3, j);
      }, 4096),
      decodeRequest: (b) => decodeMessage(b, { metrics: { query: '', request: { start: 0n, end: 0n } }, blocks: [], live: false } as MetricsJob, (r, no, _t, j) => {
        if (no === 1) {
          readNested(r, j.metrics, (r, no, _t, q) => {
            if (no === 1) q.query = r.string();
            else if (no === 2) q.request = readMetricsRequest(r);
            else return false;
            return true;
          });
        } else if (no === 2) j.blocks.push(readBlockMeta(r));
        else if (no === 3) j.live = r.bool();
        else return false;
        return true;
      }),
      encodeResponse: (res) => encodeMessage((w) => {
        for (const part of res.parts) writeNested(w, 1, (x) => writeMetricsPartialData(x, part));
        writeFailures(w, 2, res.failures);
        writeCount(w, 3, res.inspectedBytes);
        writeBlockMetas(w, 4, res.recentBlocks);
      }, 4096),
      decodeResponse: (b) => decodeMessage(b, { parts: [], failures: [], inspectedBytes: 0, recentBlocks: [] } as MetricsJobResult, (r, no, _t, o) => {
        if (no === 1) o.parts.push(readMetricsPartial(r));
        else if (no === 2) o.failures.push(readFailure(r));
        else if (no === 3) o.inspectedBytes = readCount(r);
        else if (no === 4) o.recentBlocks.push(readBlockMeta(r));
        else return false;
        return true;
      }),
    }),
    Tags: method<TagsJob, TagsJobResult>('Tags', {
      encodeRequest: (j) => encodeMessage((w) => writeScope(w, 1, 2, j), 4096),
      decodeRequest: (b) => decodeMessage(b, { blocks: [], live: false } as TagsJob, (r, no, _t, j) => {
        if (no === 1) j.blocks.push(readBlockMeta(r));
        else if (no === 2) j.live = r.bool();
        else return false;
        return true;
      }),
      encodeResponse: (res) => encodeMessage((w) => {
        for (const s of res.summaries) writeNested(w, 1, (x) => writeTagsSummary(x, s));
        writeFailures(w, 2, res.failures);
        writeBlockMetas(w, 3, res.recentBlocks);
      }, 4096),
      decodeResponse: (b) => decodeMessage(b, { summaries: [], failures: [], recentBlocks: [] } as TagsJobResult, (r, no, _t, o) => {
        if (no === 1) o.summaries.push(readTagsSummary(r));
        else if (no === 2) o.failures.push(readFailure(r));
        else if (no === 3) o.recentBlocks.push(readBlockMeta(r));
        else return false;
        return true;
      }),
    }),
    FindTrace: method<TraceJob, TraceJobResult>('FindTrace', {
      encodeRequest: (j) => encodeMessage((w) => {
        writeBytes(w, 1, j.traceId);
        writeScope(w, 2, 3, j);
      }, 4096),
      decodeRequest: (b) => decodeMessage(b, { traceId: new Uint8Array(0), blocks: [], live: false } as TraceJob, (r, no, _t, j) => {
        if (no === 1) j.traceId = r.bytes();
        else if (no === 2) j.blocks.push(readBlockMeta(r));
        else if (no === 3) j.live = r.bool();
        else return false;
        return true;
      }),
      encodeResponse: (res) => encodeMessage((w) => {
        writeBytes(w, 1, res.tracesData);
        for (const s of res.skipped) {
          w.tag(2, WireType.LEN);
          w.string(s);
        }
      }, res.tracesData.byteLength + 64),
      decodeResponse: (b) => decodeMessage(b, { tracesData: new Uint8Array(0), skipped: [] } as TraceJobResult, (r, no, _t, o) => {
        if (no === 1) o.tracesData = r.bytes();
        else if (no === 2) o.skipped.push(r.string());
        else return false;
        return true;
      }),
    }),
    Dependencies: dependenciesJobMethod({ write: writeFailures, read: readFailure }),
  },
} as const satisfies Service;
