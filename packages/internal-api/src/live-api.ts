// Querier → ingester: queries over the data an ingester holds in memory (it runs them on its
// live-query worker). Search, metrics and tags answers also name the blocks the ingester flushed
// recently: the querier's caller may not have listed them yet, and their traces have left the
// ingester's memory, so it searches them itself (never a trace in neither place).
//
//   service spanbase.internal.v1.Live {
//     rpc Search(LiveSearchRequest) returns (LiveSearchResponse);
//     rpc Metrics(LiveMetricsRequest) returns (LiveMetricsResponse);
//     rpc Tags(LiveTagsRequest) returns (LiveTagsResponse);
//     rpc FindTrace(FindTraceRequest) returns (FindTraceResponse);
//     rpc Dependencies(LiveDependenciesRequest) returns (LiveDependenciesResponse);   // dependencies-api.ts
//   }
//   message LiveSearchRequest  { string query = 1; uint32 limit = 2; uint32 spans_per_spanset = 3;
//                                int64 start = 4; int64 end = 5; uint64 max_result_bytes = 6; }
//   message LiveSearchResponse { SearchResult result = 1; repeated bytes recent_blocks = 2; }
//   message LiveMetricsRequest { string query = 1; MetricsRequest request = 2; }
//   message LiveMetricsResponse { MetricsPartial partial = 1; repeated bytes recent_blocks = 2; }
//   message LiveTagsRequest    {}
//   message LiveTagsResponse   { TagsSummary summary = 1; repeated bytes recent_blocks = 2; }
//   message FindTraceRequest   { bytes trace_id = 1; }
//   message FindTraceResponse  { bytes traces_data = 1; }   // OTLP TracesData; empty: not held
// recent_blocks hold meta.json bytes.
import type { BlockMeta, TagsSummary } from '@spanbase/block';
import type { MetricsPartialData, MetricsRequest, SearchResult } from '@spanbase/traceql';
import { method } from './rpc/service.ts';
import type { Service } from './rpc/service.ts';
import { readBlockMeta, writeBlockMetas } from './wire/block-meta.ts';
import { readMetricsPartial, writeMetricsPartialData } from './wire/metrics-partial.ts';
import { readMetricsRequest, writeMetricsRequest } from './wire/metrics-request.ts';
import type { ProtoReader, ProtoWriter } from './wire/proto.ts';
import { decodeMessage, encodeMessage, readCount, writeBytes, writeCount, writeInt64, writeNested, writeString, writeUint } from './wire/proto.ts';
import { readSearchResult, writeSearchResult } from './wire/search-result.ts';
import { emptyTagsSummary, readTagsSummary, writeTagsSummary } from './wire/tags-summary.ts';
import { liveDependenciesMethod } from './dependencies-api.ts';

/** A search over live data, as the query API took it. */
export interface SearchQuery {
  /** TraceQL. */
  query: string;
  /** Traces wanted (the newest). */
  limit: number;
  /** Spans per spanset. */
  spansPerSpanset: number;
  /** Range, unix ns; 0n = open. */
  start: bigint;
  end: bigint;
  /** Bound on the answer's estimated JSON size (0 = none). */
  maxResultBytes: number;
}

/** A live search's answer. */
export interface LiveSearchResponse {
  result: SearchResult;
  /** Blocks flushed recently (their traces have left memory). */
  recentBlocks: BlockMeta[];
}

/** A metrics query over live data. */
export interface MetricsQuery {
  /** TraceQL metrics query. */
  query: string;
  /** Range, step and limits it was planned with. */
  request: MetricsRequest;
}

/** A live metrics answer; its partial becomes one with the caller's plan (metricsPartialOf). */
export interface LiveMetricsResponse {
  partial: MetricsPartialData;
  recentBlocks: BlockMeta[];
}

/** A live tags answer. */
export interface LiveTagsResponse {
  summary: TagsSummary;
  recentBlocks: BlockMeta[];
}

/** Writes the body of a search query message. */
export function writeSearchQuery(w: ProtoWriter, q: SearchQuery): void {
  writeString(w, 1, q.query);
  writeUint(w, 2, q.limit);
  writeUint(w, 3, q.spansPerSpanset);
  writeInt64(w, 4, q.start);
  writeInt64(w, 5, q.end);
  writeCount(w, 6, q.maxResultBytes);
}

/** Reads the fields of a search query message. */
export function searchQueryField(r: ProtoReader, no: number, q: SearchQuery): boolean {
  if (no === 1) q.query = r.string();
  else if (no === 2) q.limit = r.uint32();
  else if (no === 3) q.spansPerSpanset = r.uint32();
  else if (no === 4) q.start = r.int64();
  else if (no === 5) q.end = r.int64();
  else if (no === 6) q.maxResultBytes = readCount(r);
  else return false;
  return true;
}

/** An empty search query to read into. */
export function emptySearchQuery(): SearchQuery {
  return { query: '', limit: 0, spansPerSpanset: 0, start: 0n, end: 0n, maxResultBytes: 0 };
}

/** The live service. */
export const LiveService = {
  name: 'spanbase.internal.v1.Live',
  methods: {
    Search: method<SearchQuery, LiveSearchResponse>('Search', {
      encodeRequest: (q) => encodeMessage((w) => writeSearchQuery(w, q)),
      decodeRequest: (b) => decodeMessage(b, emptySearchQuery(), (r, no, _t, q) => searchQueryField(r, no, q)),
      encodeResponse: (res) => encodeMessage((w) => {
        writeNested(w, 1, (x) => writeSearchResult(x, res.result));
        writeBlockMetas(w, 2, res.recentBlocks);
      }, 4096),
      decodeResponse: (b) => decodeMessage(b, { result: { traces: [], inspectedTraces: 0, inspectedSpans: 0 }, recentBlocks: [] } as LiveSearchResponse, (r, no, _t, o) => {
        if (no === 1) o.result = readSearchResult(r);
        else if (no === 2) o.recentBlocks.push(readBlockMeta(r));
        else return false;
        return true;
      }),
    }),
    Metrics: method<MetricsQuery, LiveMetricsResponse>('Metrics', {
      encodeRequest: (q) => encodeMessage((w) => {
        writeString(w, 1, q.query);
        writeNested(w, 2, (x) => writeMetricsRequest(x, q.request));
      }),
      decodeRequest: (b) => decodeMessage(b, { query: '', request: { start: 0n, end: 0n } } as MetricsQuery, (r, no, _t, q) => {
        if (no === 1) q.query = r.string();
        else if (no === 2) q.request = readMetricsRequest(r);
        else return false;
        return true;
      }),
      encodeResponse: (res) => encodeMessage((w) => {
        writeNested(w, 1, (x) => writeMetricsPartialData(x, res.partial));
        writeBlockMetas(w, 2, res.recentBlocks);
      }, 4096),
      decodeResponse: (b) => decodeMessage(b, { partial: { states: [] }, recentBlocks: [] } as LiveMetricsResponse, (r, no, _t, o) => {
        if (no === 1) o.partial = readMetricsPartial(r);
        else if (no === 2) o.recentBlocks.push(readBlockMeta(r));
        else return false;
        return true;
      }),
    }),
    Tags: method<Record<string, never>, LiveTagsResponse>('Tags', {
      encodeRequest: () => new Uint8Array(0),
      decodeRequest: () => ({}),
      encodeResponse: (res) => encodeMessage((w) => {
        writeNested(w, 1, (x) => writeTagsSummary(x, res.summary));
        writeBlockMetas(w, 2, res.recentBlocks);
      }, 4096),
      decodeResponse: (b) => decodeMessage(b, { summary: emptyTagsSummary(), recentBlocks: [] } as LiveTagsResponse, (r, no, _t, o) => {
        if (no === 1) o.summary = readTagsSummary(r);
        else if (no === 2) o.recentBlocks.push(readBlockMeta(r));
        else return false;
        return true;
      }),
    }),
    FindTrace: method<{ traceId: Uint8Array }, { tracesData: Uint8Array }>('FindTrace', {
      encodeRequest: (q) => encodeMessage((w) => writeBytes(w, 1, q.traceId), 32),
      decodeRequest: (b) => decodeMessage(b, { traceId: new Uint8Array(0) }, (r, no, _t, q) => (no === 1 ? ((q.traceId = r.bytes()), true) : false)),
      encodeResponse: (res) => encodeMessage((w) => writeBytes(w, 1, res.tracesData), res.tracesData.byteLength + 16),
      decodeResponse: (b) => decodeMessage(b, { tracesData: new Uint8Array(0) }, (r, no, _t, o) => (no === 1 ? ((o.tracesData = r.bytes()), true) : false)),
    }),
    Dependencies: liveDependenciesMethod,
  },
} as const satisfies Service;
