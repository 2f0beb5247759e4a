export type {
  Pos, AttributeScope, Intrinsic, BinaryOp, ComparisonOp, SpansetOp, AggregateFn, MetricsFn,
  Literal, AttributeNode, IntrinsicNode, BinaryNode, UnaryNode, FieldExpr,
  SpansetFilter, SpansetOperation, Pipeline, SpansetExpr, Aggregate, ScalarBinary, ScalarPipeline, ScalarExpr, ScalarFilter,
  GroupBy, Select, Coalesce, Stage, MetricsFunction, MetricsPipeline, MetricsStage, MetricsBinary, ScalarConst, ConstBinary,
  MetricsExpr, Hint, Query, Node,
} from './ast.ts';
export { isMetricsQuery } from './ast.ts';
export type { QueryError, ParseResult } from './parse.ts';
export { parse, parseOrThrow, toSpanbaseError } from './parse.ts';
export { parseCached } from './parse-cache.ts';
export { quoteString, stringify, stringifyField, stringifyRef, stringifyPipeline } from './stringify.ts';
export type { TypeIssue } from './typecheck.ts';
export { typecheck } from './typecheck.ts';
export type { TqlErrorCode } from './errors.ts';
export { TqlParseError, TqlTypeError, TqlUnsupportedError, TqlResultTooLarge, TQL_ERROR_CODES } from './errors.ts';
export { traceResultBytes, searchResultBytes, spansetResultBytes } from './result-size.ts';
export type { Static, Scalar, StaticType, StatusValue, KindValue } from './static.ts';
export { st, NIL, TRUE, FALSE, staticFromAnyValue, staticToAnyValue, formatDuration, staticToString } from './static.ts';
export { parseDurationText } from './duration.ts';
export { compileRegex, regexLiteral } from './regex.ts';
export type { RegexMatcher } from './regex.ts';
export type {
  FieldRef, ConditionOp, Condition, FetchSpansRequest, FetchedSpan, FetchedSpanset, SpansetFetcher,
  FetchColumnsRequest, ColumnVector, SpanColumnBatch, SpanColumnFetcher,
} from './storage.ts';
export { fieldKey } from './storage.ts';
export type { SearchPlan } from './conditions.ts';
export type { SpanTest, SpanTests } from './span-prefilter.ts';
export { spanTests } from './span-prefilter.ts';
export { planSearch, pinnedTraceId, planMetricsPipeline, metricsLeaves, conditionHolds, normalizeOperand, ENGINE_INTRINSICS } from './conditions.ts';
export type { IndexedTrace } from './record-values.ts';
export { indexTrace, recordValue, recordAttributes } from './record-values.ts';
export type { MemoryFetcherOptions, MemoryTraces } from './memory-fetcher.ts';
export { MemoryFetcher, overlapsRange } from './memory-fetcher.ts';
export type { CompareOp, ArithOp } from './operators.ts';
export { compare, arith } from './operators.ts';
export type { EvalSpan, EvalSpanset, SpansetAttribute, TraceEvaluator } from './evaluate.ts';
export { compilePipeline } from './evaluate.ts';
export type { NodeSpan } from './structural.ts';
export { structural } from './structural.ts';
export type { SearchOptions, SearchResult, TraceResult, SpansetResult, SpanResult, ResultAttribute, PackedSpansets } from './engine.ts';
export { executeSearch } from './engine.ts';
export { referenceSearch } from './reference.ts';
export { measureParseRate, TYPICAL_QUERIES } from './bench-parse.ts';
export type { TimeGrid } from './metrics/time-grid.ts';
export { defaultStep, rangeGrid, instantGrid, sampleTimeMs } from './metrics/time-grid.ts';
export type { MetricsRequest, MetricsPlan, LeafPlan } from './metrics/plan.ts';
export { planMetrics, gridOf, exemplarLimit } from './metrics/plan.ts';
export type { MetricsFetcher, MetricsPartial, MetricsResult } from './metrics/engine.ts';
export { evaluateMetrics, emptyPartial, mergeMetrics, finishMetrics, executeMetrics, sortSeries } from './metrics/engine.ts';
export type { MetricsSeries, MetricsExemplar } from './metrics/result.ts';
export type { MetricsLabel } from './metrics/exemplars.ts';
export { MemoryColumnFetcher } from './metrics/memory-columns.ts';
export { SUB_BUCKETS, QUANTILE_RELATIVE_ERROR } from './metrics/log-buckets.ts';
export type { GeneratedSpan, GenerateOptions } from './metrics/generate.ts';
export { generateTraces } from './metrics/generate.ts';
export type { MetricsBenchResult, MetricsBenchOptions } from './metrics/bench-metrics.ts';
export { measureMetricsQueries, BENCH_METRICS_QUERIES } from './metrics/bench-metrics.ts';
export { revivePartial } from './metrics/revive.ts';
export type { MetricsPartialData, PipelineData, SeriesData } from './metrics/partial-data.ts';
export { partialData, partialDataBuffers, partialFromData, partialSpans } from './metrics/partial-data.ts';
export type { ExemplarCandidate } from './metrics/exemplars.ts';
export { STATUS_BY_CODE, KIND_BY_CODE } from './static.ts';
