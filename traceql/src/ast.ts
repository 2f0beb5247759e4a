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
  | 'duration' | 'name' | 'status' | 'statusMessage' | 'kind' | 'span:childCount' | 'span:id' | 'span:parentID' | 'span:traceState'
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
  /** Node discriminant. */
  readonly kind: 'literal';
  /** The value; `nil` only as an operand of `=` or `!=`. */
  readonly value: Static;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** An attribute reference such as `span.http.method` or `.foo`. */
export interface AttributeNode {
  /** Node discriminant. */
  readonly kind: 'attribute';
  /** `span`, `resource`, ... or `none` for `.name`. */
  readonly scope: AttributeScope;
  /** The attribute key, unquoted. */
  readonly name: string;
  /** `parent.` references (parsed, not supported). */
  readonly parent: boolean;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** An intrinsic such as `duration` or `span:id`. */
export interface IntrinsicNode {
  /** Node discriminant. */
  readonly kind: 'intrinsic';
  /** The name. */
  readonly name: Intrinsic;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** A binary operation on field values. */
export interface BinaryNode {
  /** Node discriminant. */
  readonly kind: 'binary';
  /** The operator. */
  readonly op: BinaryOp;
  /** Left operand. */
  readonly lhs: FieldExpr;
  /** Right operand. */
  readonly rhs: FieldExpr;
  /** Where the node starts. */
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** Unary minus or logical not. */
export interface UnaryNode {
  /** Node discriminant. */
  readonly kind: 'unary';
  /** The operator. */
  readonly op: '-' | '!';
  /** The operand. */
  readonly operand: FieldExpr;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** An expression evaluated on one span. */
export type FieldExpr = Literal | AttributeNode | IntrinsicNode | BinaryNode | UnaryNode;

// ---------- spansets and pipelines ----------

/** `{ expr }`; `{}` has no expression and matches every span. */
export interface SpansetFilter {
  /** Node discriminant. */
  readonly kind: 'spansetFilter';
  /** The expression. */
  readonly expr: FieldExpr | null;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** Two spanset expressions joined by `&&`, `||` or a structural operator. */
export interface SpansetOperation {
  /** Node discriminant. */
  readonly kind: 'spansetOp';
  /** The operator. */
  readonly op: SpansetOp;
  /** Left operand. */
  readonly lhs: SpansetExpr;
  /** Right operand. */
  readonly rhs: SpansetExpr;
  /** Where the node starts. */
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** Stages joined by `|`; as an operand it is a parenthesized pipeline. */
export interface Pipeline {
  /** Node discriminant. */
  readonly kind: 'pipeline';
  /** The stages, in order. */
  readonly stages: readonly Stage[];
  /** Where the node starts. */
  readonly pos: Pos;
}

/** Something that yields spansets. */
export type SpansetExpr = SpansetFilter | SpansetOperation | Pipeline;

/** `count()`, `avg(duration)`, ...: one value per spanset. */
export interface Aggregate {
  /** Node discriminant. */
  readonly kind: 'aggregate';
  /** The function. */
  readonly fn: AggregateFn;
  /** The expression aggregated; null for count(). */
  readonly expr: FieldExpr | null;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** Arithmetic between scalar expressions (aggregates and constants). */
export interface ScalarBinary {
  /** Node discriminant. */
  readonly kind: 'scalarBinary';
  /** The operator. */
  readonly op: '+' | '-' | '*' | '/' | '%' | '^';
  /** Left operand. */
  readonly lhs: ScalarExpr;
  /** Right operand. */
  readonly rhs: ScalarExpr;
  /** Where the node starts. */
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** A parenthesized pipeline that ends in an aggregate: `({ .a } | count())`. */
export interface ScalarPipeline {
  /** Node discriminant. */
  readonly kind: 'scalarPipeline';
  /** The spanset pipeline before the function. */
  readonly pipeline: Pipeline;
  /** The aggregate computed at the end. */
  readonly aggregate: Aggregate;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** A value per spanset (or a constant). */
export type ScalarExpr = Aggregate | ScalarBinary | ScalarPipeline | Literal;

/** `count() > 3`: keeps spansets whose scalar passes the comparison. */
export interface ScalarFilter {
  /** Node discriminant. */
  readonly kind: 'scalarFilter';
  /** The operator. */
  readonly op: ComparisonOp;
  /** Left operand. */
  readonly lhs: ScalarExpr;
  /** Right operand. */
  readonly rhs: ScalarExpr;
  /** Where the node starts. */
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** `by(expr)`: splits each spanset into groups. */
export interface GroupBy {
  /** Node discriminant. */
  readonly kind: 'by';
  /** The expression. */
  readonly expr: FieldExpr;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** `select(a, b)`: returns more attributes with matched spans. */
export interface Select {
  /** Node discriminant. */
  readonly kind: 'select';
  /** The fields to return. */
  readonly fields: readonly (AttributeNode | IntrinsicNode)[];
  /** Where the node starts. */
  readonly pos: Pos;
}

/** `coalesce()`: merges a trace's spansets back into one. */
export interface Coalesce {
  /** Node discriminant. */
  readonly kind: 'coalesce';
  /** Where the node starts. */
  readonly pos: Pos;
}

/** One stage of a spanset pipeline. */
export type Stage = SpansetExpr | ScalarFilter | GroupBy | Select | Coalesce;

// ---------- metrics ----------

/** A first-stage metrics function with its arguments. */
export interface MetricsFunction {
  /** Node discriminant. */
  readonly kind: 'metricsFunction';
  /** The function. */
  readonly fn: MetricsFn;
  /** The attribute measured (`*_over_time`, `quantile_over_time`, `histogram_over_time`). */
  readonly field: AttributeNode | IntrinsicNode | null;
  /** Quantiles of `quantile_over_time`, in order. */
  readonly quantiles: readonly number[];
  /** `by (...)` grouping attributes. */
  readonly by: readonly (AttributeNode | IntrinsicNode)[];
  /** `compare({...}, topN, start, end)` arguments. */
  readonly compare: { readonly selection: SpansetFilter; readonly topN: number; readonly start: bigint; readonly end: bigint } | null;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** `spanset pipeline | metrics function`: a set of time series. */
export interface MetricsPipeline {
  /** Node discriminant. */
  readonly kind: 'metricsPipeline';
  /** The spanset pipeline before the function. */
  readonly pipeline: Pipeline;
  /** The function. */
  readonly fn: MetricsFunction;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** A second stage applied to time series: `topk(n)`, `bottomk(n)` or a filter `> 10`. */
export interface MetricsStage {
  /** Node discriminant. */
  readonly kind: 'metricsStage';
  /** What the stage applies to. */
  readonly input: MetricsExpr;
  /** The stage. */
  readonly stage:
    | { readonly kind: 'topk' | 'bottomk'; readonly limit: number; readonly pos: Pos }
    | { readonly kind: 'filter'; readonly op: ComparisonOp; readonly value: ScalarConst; readonly pos: Pos };
  /** Where the node starts. */
  readonly pos: Pos;
}

/** Arithmetic between metrics expressions, or between one and a constant. */
export interface MetricsBinary {
  /** Node discriminant. */
  readonly kind: 'metricsBinary';
  /** The operator. */
  readonly op: '+' | '-' | '*' | '/';
  /** Left operand. */
  readonly lhs: MetricsExpr | ScalarConst;
  /** Right operand. */
  readonly rhs: MetricsExpr | ScalarConst;
  /** Where the node starts. */
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** A constant expression (literals and arithmetic on them). */
export type ScalarConst = Literal | ConstBinary;

/** Arithmetic between constants, folded when evaluated. */
export interface ConstBinary {
  /** Node discriminant. */
  readonly kind: 'constBinary';
  /** The operator. */
  readonly op: '+' | '-' | '*' | '/' | '%' | '^';
  /** Left operand. */
  readonly lhs: ScalarConst;
  /** Right operand. */
  readonly rhs: ScalarConst;
  /** Where the node starts. */
  readonly pos: Pos;
  /** Where the operator is. */
  readonly opPos: Pos;
}

/** Something that yields time series. */
export type MetricsExpr = MetricsPipeline | MetricsStage | MetricsBinary;

// ---------- root ----------

/** `with(key = value)` query hint. */
export interface Hint {
  /** Node discriminant. */
  readonly kind: 'hint';
  /** The name. */
  readonly name: string;
  /** The value. */
  readonly value: Static;
  /** Where the node starts. */
  readonly pos: Pos;
}

/** A parsed query. */
export interface Query {
  /** Node discriminant. */
  readonly kind: 'query';
  /** A search pipeline or a metrics expression. */
  readonly body: Pipeline | MetricsExpr;
  /** `with(...)` hints, in order. */
  readonly hints: readonly Hint[];
  /** Where the node starts. */
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
