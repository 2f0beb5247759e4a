// The TraceQL AST: discriminated unions on `kind`, every node with the source position where it
// starts. Every pass switches on `kind` with an exhaustive `never` default.
//
// A query is either a search (a spanset pipeline) or a metrics query (a tree of metrics
// pipelines, arithmetic and second stages). Field expressions are evaluated per span; scalar
// expressions per spanset (aggregates); metrics expressions per time series set.
import type { Static } from './static.ts';

/** Where a node starts in the query text. */
export interface Pos {
  /** 0-based offset in UTF-16 code units. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Scope of an attribute reference; `none` is the unscoped `.attr` (span, then resource). */
export type AttributeScope = 'none' | 'span' | 'resource' | 'event' | 'link' | 'instrumentation';

/**
 * Intrinsics by their canonical name (the unscoped spelling where one exists, as Tempo names
 * them); scoped aliases such as `span:duration` or `trace:rootService` map onto these.
 */
export type Intrinsic =
  | 'duration' | 'name' | 'status' | 'statusMessage' | 'kind' | 'span:childCount' | 'span:id' | 'span:parentID'
  | 'traceDuration' | 'rootName' | 'rootServiceName' | 'trace:id'
  | 'nestedSetLeft' | 'nestedSetRight' | 'nestedSetParent'
  | 'event:name' | 'event:timeSinceStart' | 'link:traceID' | 'link:spanID'
  | 'instrumentation:name' | 'instrumentation:version'
  | 'parent';

/** Operators of field and scalar expressions. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~' | '&&' | '||';
/** Comparison operators (also the operators of scalar filters and metrics filters). */
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
/** Operators between spansets. */
export type SpansetOp =
  | '&&' | '||'
  | '>' | '>>' | '<' | '<<' | '~'
  | '&>' | '&>>' | '&<' | '&<<' | '&~'
  | '!>' | '!>>' | '!<' | '!<<' | '!~';
/** Aggregate functions of scalar filters. */
export type AggregateFn = 'count' | 'avg' | 'min' | 'max' | 'sum';
/** First-stage metrics functions. */
export type MetricsFn =
  | 'rate' | 'count_over_time' | 'min_over_time' | 'max_over_time' | 'avg_over_time' | 'sum_over_time'
  | 'quantile_over_time' | 'histogram_over_time' | 'compare';

// ---------- field expressions (per span) ----------

/** A literal value. */
export interface Literal {
  readonly kind: 'literal';
  /** The value; `nil` only as an operand of `=` or `!=`. */
  readonly value: Static;
  readonly pos: Pos;
}

/** An attribute reference such as `span.http.method` or `.foo`. */
export interface AttributeNode {
  readonly kind: 'attribute';
  readonly scope: AttributeScope;
  /** The attribute key, unquoted. */
  readonly name: string;
  /** `parent.` references (parsed, not supported). */
  readonly parent: boolean;
  readonly pos: Pos;
}

/** An intrinsic such as `duration` or `span:id`. */
export interface IntrinsicNode {
  readonly kind: 'intrinsic';
  readonly name: Intrinsic;
  readonly pos: Pos;
}

/** A binary operation on field values. */
export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: FieldExpr;
  readonly rhs: FieldExpr;
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** Unary minus or logical not. */
export interface UnaryNode {
  readonly kind: 'unary';
  readonly op: '-' | '!';
  readonly operand: FieldExpr;
  readonly pos: Pos;
}

/** An expression evaluated on one span. */
export type FieldExpr = Literal | AttributeNode | IntrinsicNode | BinaryNode | UnaryNode;

// ---------- spansets and pipelines ----------

/** `{ expr }`; `{}` has no expression and matches every span. */
export interface SpansetFilter {
  readonly kind: 'spansetFilter';
  readonly expr: FieldExpr | null;
  readonly pos: Pos;
}

/** Two spanset expressions joined by `&&`, `||` or a structural operator. */
export interface SpansetOperation {
  readonly kind: 'spansetOp';
  readonly op: SpansetOp;
  readonly lhs: SpansetExpr;
  readonly rhs: SpansetExpr;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** Stages joined by `|`; as an operand it is a parenthesized pipeline. */
export interface Pipeline {
  readonly kind: 'pipeline';
  readonly stages: readonly Stage[];
  readonly pos: Pos;
}

/** Something that yields spansets. */
export type SpansetExpr = SpansetFilter | SpansetOperation | Pipeline;

/** `count()`, `avg(duration)`, ...: one value per spanset. */
export interface Aggregate {
  readonly kind: 'aggregate';
  readonly fn: AggregateFn;
  /** The expression aggregated; null for count(). */
  readonly expr: FieldExpr | null;
  readonly pos: Pos;
}

/** Arithmetic between scalar expressions (aggregates and constants). */
export interface ScalarBinary {
  readonly kind: 'scalarBinary';
  readonly op: '+' | '-' | '*' | '/' | '%' | '^';
  readonly lhs: ScalarExpr;
  readonly rhs: ScalarExpr;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** A parenthesized pipeline that ends in an aggregate: `({ .a } | count())`. */
export interface ScalarPipeline {
  readonly kind: 'scalarPipeline';
  readonly pipeline: Pipeline;
  readonly aggregate: Aggregate;
  readonly pos: Pos;
}

/** A value per spanset (or a constant). */
export type ScalarExpr = Aggregate | ScalarBinary | ScalarPipeline | Literal;

/** `count() > 3`: keeps spansets whose scalar passes the comparison. */
export interface ScalarFilter {
  readonly kind: 'scalarFilter';
  readonly op: ComparisonOp;
  readonly lhs: ScalarExpr;
  readonly rhs: ScalarExpr;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** `by(expr)`: splits each spanset into groups. */
export interface GroupBy {
  readonly kind: 'by';
  readonly expr: FieldExpr;
  readonly pos: Pos;
}

/** `select(a, b)`: returns more attributes with matched spans. */
export interface Select {
  readonly kind: 'select';
  readonly fields: readonly (AttributeNode | IntrinsicNode)[];
  readonly pos: Pos;
}

/** `coalesce()`: merges a trace's spansets back into one. */
export interface Coalesce {
  readonly kind: 'coalesce';
  readonly pos: Pos;
}

/** One stage of a spanset pipeline. */
export type Stage = SpansetExpr | ScalarFilter | GroupBy | Select | Coalesce;

// ---------- metrics ----------

/** A first-stage metrics function with its arguments. */
export interface MetricsFunction {
  readonly kind: 'metricsFunction';
  readonly fn: MetricsFn;
  /** The attribute measured (`*_over_time`, `quantile_over_time`, `histogram_over_time`). */
  readonly field: AttributeNode | IntrinsicNode | null;
  /** Quantiles of `quantile_over_time`, in order. */
  readonly quantiles: readonly number[];
  /** `by (...)` grouping attributes. */
  readonly by: readonly (AttributeNode | IntrinsicNode)[];
  /** `compare({...}, topN, start, end)` arguments. */
  readonly compare: { readonly selection: SpansetFilter; readonly topN: number; readonly start: bigint; readonly end: bigint } | null;
  readonly pos: Pos;
}

/** `spanset pipeline | metrics function`: a set of time series. */
export interface MetricsPipeline {
  readonly kind: 'metricsPipeline';
  readonly pipeline: Pipeline;
  readonly fn: MetricsFunction;
  readonly pos: Pos;
}

/** A second stage applied to time series: `topk(n)`, `bottomk(n)` or a filter `> 10`. */
export interface MetricsStage {
  readonly kind: 'metricsStage';
  readonly input: MetricsExpr;
  readonly stage:
    | { readonly kind: 'topk' | 'bottomk'; readonly limit: number; readonly pos: Pos }
    | { readonly kind: 'filter'; readonly op: ComparisonOp; readonly value: ScalarConst; readonly pos: Pos };
  readonly pos: Pos;
}

/** Arithmetic between metrics expressions, or between one and a constant. */
export interface MetricsBinary {
  readonly kind: 'metricsBinary';
  readonly op: '+' | '-' | '*' | '/';
  readonly lhs: MetricsExpr | ScalarConst;
  readonly rhs: MetricsExpr | ScalarConst;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** A constant expression (literals and arithmetic on them). */
export type ScalarConst = Literal | ConstBinary;

/** Arithmetic between constants, folded when evaluated. */
export interface ConstBinary {
  readonly kind: 'constBinary';
  readonly op: '+' | '-' | '*' | '/' | '%' | '^';
  readonly lhs: ScalarConst;
  readonly rhs: ScalarConst;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** Something that yields time series. */
export type MetricsExpr = MetricsPipeline | MetricsStage | MetricsBinary;

// ---------- root ----------

/** `with(key = value)` query hint. */
export interface Hint {
  readonly kind: 'hint';
  readonly name: string;
  readonly value: Static;
  readonly pos: Pos;
}

/** A parsed query. */
export interface Query {
  readonly kind: 'query';
  /** A search pipeline or a metrics expression. */
  readonly body: Pipeline | MetricsExpr;
  readonly hints: readonly Hint[];
  readonly pos: Pos;
}

/** Every node kind, for generic walks. */
export type Node =
  | Query | Hint | FieldExpr | SpansetFilter | SpansetOperation | Pipeline | Aggregate | ScalarBinary | ScalarPipeline
  | ScalarFilter | GroupBy | Select | Coalesce | MetricsFunction | MetricsPipeline | MetricsStage | MetricsBinary | ConstBinary;

/** True when the query is a metrics query. */
export function isMetricsQuery(q: Query): boolean {
  return q.body.kind !== 'pipeline';
}
