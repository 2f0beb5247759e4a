// Syntax tree → AST. The grammar is one expression language; this is where each part gets its
// meaning (per-span field expression, spanset expression, aggregate, metrics) and where shapes
// TraceQL does not allow are rejected with a position (`{} | rate() + 5`, `count() > 3 && {}`).
import type {
  AggregateFn, AttributeNode, ComparisonOp, FieldExpr, Hint, IntrinsicNode, Literal, MetricsExpr, MetricsFn, MetricsFunction, Pipeline,
  Pos, Query, ScalarConst, ScalarExpr, SpansetExpr, SpansetFilter, SpansetOp, Stage, BinaryOp,
} from './ast.ts';
import { INTRINSIC_SPELLINGS } from './intrinsics.ts';
import type { Syn, SynQuery } from './syntax.ts';
import { BuildError, stripParens } from './syntax.ts';

const AGGREGATES: ReadonlySet<string> = new Set<AggregateFn>(['count', 'avg', 'min', 'max', 'sum']);
const METRICS_FNS: ReadonlySet<string> = new Set<MetricsFn>([
  'rate', 'count_over_time', 'min_over_time', 'max_over_time', 'avg_over_time', 'sum_over_time', 'quantile_over_time', 'histogram_over_time', 'compare',
]);
const SECOND_STAGE_FNS: ReadonlySet<string> = new Set(['topk', 'bottomk']);
const COMPARISONS: ReadonlySet<string> = new Set<ComparisonOp>(['=', '!=', '<', '<=', '>', '>=']);
const ARITHMETIC: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '^']);
const FIELD_OPS: ReadonlySet<string> = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', '=', '!=', '<', '<=', '>', '>=', '=~', '!~', '&&', '||']);
const SPANSET_OPS: ReadonlySet<string> = new Set<SpansetOp>([
  '&&', '||', '>', '>>', '<', '<<', '~', '&>', '&>>', '&<', '&<<', '&~', '!>', '!>>', '!<', '!<<', '!~',
]);

/** Builds the AST of a syntax tree; throws BuildError for shapes TraceQL does not allow. */
export function buildQuery(q: SynQuery): Query {
  const body = isMetrics(q.body) ? buildMetrics(q.body) : buildPipeline(q.body);
  const hints: Hint[] = q.hints.map((h) => ({ kind: 'hint', name: h.name, value: buildLiteral(h.value, 'a hint value').value, pos: h.pos }));
  return { kind: 'query', body, hints, pos: q.body.pos };
}

// ---------- metrics ----------

function isMetricsCall(s: Syn): boolean {
  return s.t === 'call' && METRICS_FNS.has(s.fn);
}

/** A metrics function, alone or with a filter: `rate()`, `rate() by (x) > 10`. */
function isMetricsStage(s: Syn): boolean {
  return isMetricsCall(s) || (s.t === 'bin' && (COMPARISONS.has(s.op) || ARITHMETIC.has(s.op)) && isMetricsStage(s.lhs));
}

function isMetrics(s: Syn): boolean {
  switch (s.t) {
    case 'pipe':
      return s.stages.some((x, i) => isMetricsStage(x) || (i === 0 && isMetrics(x)));
    case 'paren':
      return isMetrics(s.inner);
    case 'bin':
      return (ARITHMETIC.has(s.op) && (isMetrics(s.lhs) || isMetrics(s.rhs))) || (COMPARISONS.has(s.op) && isMetrics(s.lhs) && s.lhs.t !== 'call');
    default:
      return false;
  }
}

function buildMetrics(s: Syn): MetricsExpr {
  switch (s.t) {
    case 'paren':
      return buildMetrics(s.inner);
    case 'bin': {
      if (COMPARISONS.has(s.op)) {
        if (isMetrics(s.rhs)) throw new BuildError('two metrics queries cannot be compared; compare one with a number', s.opPos);
        const input = buildMetrics(s.lhs);
        return { kind: 'metricsStage', input, stage: { kind: 'filter', op: s.op as ComparisonOp, value: buildConst(s.rhs), pos: s.opPos }, pos: s.pos };
      }
      if (s.op !== '+' && s.op !== '-' && s.op !== '*' && s.op !== '/') {
        throw new BuildError(`operator ${s.op} does not apply to metrics; use +, -, * or /`, s.opPos);
      }
      const side = (x: Syn) => (isMetrics(x) ? buildMetrics(x) : buildConst(x));
      return { kind: 'metricsBinary', op: s.op, lhs: side(s.lhs), rhs: side(s.rhs), pos: s.pos, opPos: s.opPos };
    }
    case 'pipe': {
      const stages = s.stages;
      let expr: MetricsExpr;
      let next: number;
      if (isMetrics(stages[0])) {
        expr = buildMetrics(stages[0]);
        next = 1;
      } else {
        const k = stages.findIndex(isMetricsStage);
        if (k < 0) throw new BuildError('expected a metrics function', s.pos);
        if (k === 0) throw new BuildError('a metrics function needs a spanset before it: { } | rate()', stages[0].pos);
        const pipeline = buildPipeline({ t: 'pipe', stages: stages.slice(0, k), pos: s.pos });
        expr = withFilters(stages[k], (call) => ({ kind: 'metricsPipeline', pipeline, fn: buildMetricsFunction(call), pos: s.pos }));
        next = k + 1;
      }
      for (let i = next; i < stages.length; i++) {
        const input = expr;
        expr = withFilters(stages[i], (call) => {
          if (call.t !== 'call' || !SECOND_STAGE_FNS.has(call.fn)) {
            throw new BuildError('expected topk(n), bottomk(n) or a comparison after a metrics function', call.pos);
          }
          if (call.by) throw new BuildError(`${call.fn}() takes no by()`, call.pos);
          const limit = call.args.length === 1 ? stripParens(call.args[0]) : undefined;
          if (!limit || limit.t !== 'lit' || limit.value.type !== 'int') throw new BuildError(`${call.fn}() takes one integer`, call.pos);
          return { kind: 'metricsStage', input, stage: { kind: call.fn as 'topk' | 'bottomk', limit: Number(limit.value.value), pos: call.pos }, pos: input.pos };
        });
      }
      return expr;
    }
    default:
      throw new BuildError('expected a metrics query', s.pos);
  }
}

/** Builds `core` and the comparisons chained after it: `topk(5) > 10 <= 20`. */
function withFilters(s: Syn, core: (call: Syn) => MetricsExpr): MetricsExpr {
  if (s.t === 'bin' && COMPARISONS.has(s.op)) {
    const input = withFilters(s.lhs, core);
    return { kind: 'metricsStage', input, stage: { kind: 'filter', op: s.op as ComparisonOp, value: buildConst(s.rhs), pos: s.opPos }, pos: input.pos };
  }
  if (s.t === 'bin' && ARITHMETIC.has(s.op) && isMetricsStage(s.lhs)) {
    throw new BuildError(`wrap the metrics query in parentheses to use ${s.op}: ({ ... } | rate()) ${s.op} ...`, s.opPos);
  }
  if (s.t === 'bin' && ARITHMETIC.has(s.op)) {
    throw new BuildError(`wrap the metrics query in parentheses to use ${s.op}: ... ${s.op} ({ ... } | rate())`, s.opPos);
  }
  return core(s);
}

function buildConst(s: Syn): ScalarConst {
  switch (s.t) {
    case 'paren':
      return buildConst(s.inner);
    case 'lit':
      return buildLiteral(s, 'a number');
    case 'bin':
      if (!ARITHMETIC.has(s.op)) throw new BuildError(`expected a number but found operator ${s.op}`, s.opPos);
      return { kind: 'constBinary', op: s.op as '+', lhs: buildConst(s.lhs), rhs: buildConst(s.rhs), pos: s.pos, opPos: s.opPos };
    case 'ident':
      return buildIdentifier(s);
    default:
      throw new BuildError(`expected a number but found ${describe(s)}`, s.pos);
  }
}

function buildMetricsFunction(s: Syn): MetricsFunction {
  if (s.t !== 'call') throw new BuildError('expected a metrics function', s.pos);
  const fn = s.fn as MetricsFn;
  const by = (s.by ?? []).map((x) => buildFieldRef(x, 'by()'));
  if (s.by && by.length === 0) throw new BuildError('by() needs at least one attribute', s.pos);
  const base = { kind: 'metricsFunction' as const, fn, field: null, quantiles: [] as number[], by, compare: null, pos: s.pos };
  const args = s.args;
  switch (fn) {
    case 'rate':
    case 'count_over_time':
      if (args.length !== 0) throw new BuildError(`${fn}() takes no arguments`, args[0].pos);
      return base;
    case 'min_over_time':
    case 'max_over_time':
    case 'avg_over_time':
    case 'sum_over_time':
    case 'histogram_over_time':
      if (args.length !== 1) throw new BuildError(`${fn}() takes one attribute`, s.pos);
      return { ...base, field: buildFieldRef(args[0], `${fn}()`) };
    case 'quantile_over_time': {
      if (args.length < 2) throw new BuildError('quantile_over_time() takes an attribute and at least one quantile', s.pos);
      const quantiles = args.slice(1).map((a) => {
        const lit = buildLiteral(a, 'a quantile');
        if (lit.value.type !== 'int' && lit.value.type !== 'float') throw new BuildError('a quantile is a number', a.pos);
        return Number(lit.value.value);
      });
      return { ...base, field: buildFieldRef(args[0], 'quantile_over_time()'), quantiles };
    }
    case 'compare': {
      if (s.by) throw new BuildError('compare() takes no by()', s.pos);
      const sel = args[0] ? stripParens(args[0]) : undefined;
      if (!sel || sel.t !== 'braces') throw new BuildError('compare() takes a spanset filter first: compare({ status = error })', s.pos);
      if (args.length !== 1 && args.length !== 2 && args.length !== 4) throw new BuildError('compare() takes a filter, then optionally topN, or topN, start and end', s.pos);
      const ints = args.slice(1).map((a) => {
        const lit = buildLiteral(a, 'an integer');
        if (lit.value.type !== 'int') throw new BuildError('expected an integer', a.pos);
        return lit.value.value;
      });
      const selection = buildSpansetExpr(sel) as SpansetFilter;
      return { ...base, compare: { selection, topN: Number(ints[0] ?? 10n), start: ints[1] ?? 0n, end: ints[2] ?? 0n } };
    }
    default: {
      const never: never = fn;
      return never;
    }
  }
}

// ---------- spanset pipelines ----------

function buildPipeline(s: Syn): Pipeline {
  const stages = s.t === 'pipe' ? s.stages : [s];
  return { kind: 'pipeline', stages: stages.map((x, i) => buildStage(x, i)), pos: s.pos };
}

function buildStage(s: Syn, index: number): Stage {
  const inner = stripParens(s);
  if (inner.t === 'call') {
    switch (inner.fn) {
      case 'by': {
        if (inner.args.length !== 1) throw new BuildError('by() takes one expression', inner.pos);
        return { kind: 'by', expr: buildField(inner.args[0]), pos: inner.pos };
      }
      case 'select':
        if (inner.args.length === 0) throw new BuildError('select() needs at least one attribute', inner.pos);
        return { kind: 'select', fields: inner.args.map((a) => buildFieldRef(a, 'select()')), pos: inner.pos };
      case 'coalesce':
        if (inner.args.length !== 0) throw new BuildError('coalesce() takes no arguments', inner.pos);
        if (index === 0) throw new BuildError('coalesce() cannot start a pipeline', inner.pos);
        return { kind: 'coalesce', pos: inner.pos };
      default:
        if (AGGREGATES.has(inner.fn)) throw new BuildError(`${inner.fn}() must be compared with a value: ${inner.fn}(...) > 1`, inner.pos);
        if (SECOND_STAGE_FNS.has(inner.fn)) throw new BuildError(`${inner.fn}() must follow a metrics function: { } | rate() | ${inner.fn}(5)`, inner.pos);
    }
  }
  if (inner.t === 'bin' && COMPARISONS.has(inner.op) && (isScalar(inner.lhs) || isScalar(inner.rhs))) {
    if (isNil(inner.lhs) || isNil(inner.rhs)) throw new BuildError('nil cannot be compared with an aggregate', inner.opPos);
    return { kind: 'scalarFilter', op: inner.op as ComparisonOp, lhs: buildScalar(inner.lhs), rhs: buildScalar(inner.rhs), pos: inner.pos, opPos: inner.opPos };
  }
  if (inner.t === 'bin') {
    for (const side of [stripParens(inner.lhs), stripParens(inner.rhs)]) if (side.t === 'ident' && side.args) throw new BuildError(`unknown function ${side.name}()`, side.pos);
  }
  if (inner.t === 'bin' && COMPARISONS.has(inner.op) && !SPANSET_OPS.has(inner.op) && !containsSpanset(inner)) {
    throw new BuildError('a scalar filter compares an aggregate such as count() or avg(duration) with a value', inner.pos);
  }
  return buildSpansetExpr(s);
}

function isNil(s: Syn): boolean {
  const x = stripParens(s);
  return x.t === 'lit' && x.value.type === 'nil';
}

function containsSpanset(s: Syn): boolean {
  switch (s.t) {
    case 'braces':
    case 'pipe':
      return true;
    case 'paren':
      return containsSpanset(s.inner);
    case 'bin':
      return containsSpanset(s.lhs) || containsSpanset(s.rhs);
    case 'un':
      return containsSpanset(s.operand);
    default:
      return false;
  }
}

/** True when the node yields a value per spanset (contains an aggregate). */
function isScalar(s: Syn): boolean {
  switch (s.t) {
    case 'call':
      return AGGREGATES.has(s.fn);
    case 'paren': {
      const inner = s.inner;
      if (inner.t === 'pipe') return isScalar(inner.stages[inner.stages.length - 1]);
      return isScalar(inner);
    }
    case 'bin':
      return ARITHMETIC.has(s.op) && (isScalar(s.lhs) || isScalar(s.rhs));
    case 'un':
      return isScalar(s.operand);
    default:
      return false;
  }
}

function buildScalar(s: Syn): ScalarExpr {
  switch (s.t) {
    case 'call': {
      if (!AGGREGATES.has(s.fn)) throw new BuildError(`expected an aggregate but found ${s.fn}()`, s.pos);
      if (s.by) throw new BuildError(`${s.fn}() takes no by(); use a by() stage before it`, s.pos);
      const fn = s.fn as AggregateFn;
      if (fn === 'count') {
        if (s.args.length !== 0) throw new BuildError('count() takes no arguments', s.pos);
        return { kind: 'aggregate', fn, expr: null, pos: s.pos };
      }
      if (s.args.length !== 1) throw new BuildError(`${fn}() takes one expression, such as ${fn}(duration)`, s.pos);
      return { kind: 'aggregate', fn, expr: buildField(s.args[0]), pos: s.pos };
    }
    case 'paren': {
      const inner = s.inner;
      if (inner.t === 'pipe') {
        const last = stripParens(inner.stages[inner.stages.length - 1]);
        const aggregate = buildScalar(last);
        if (aggregate.kind !== 'aggregate') throw new BuildError('a scalar pipeline ends with an aggregate: ({ ... } | count())', last.pos);
        const pipeline = buildPipeline({ t: 'pipe', stages: inner.stages.slice(0, -1), pos: inner.pos });
        return { kind: 'scalarPipeline', pipeline, aggregate, pos: s.pos };
      }
      return buildScalar(inner);
    }
    case 'bin':
      if (!ARITHMETIC.has(s.op)) throw new BuildError(`operator ${s.op} cannot join aggregates`, s.opPos);
      return { kind: 'scalarBinary', op: s.op as '+', lhs: buildScalar(s.lhs), rhs: buildScalar(s.rhs), pos: s.pos, opPos: s.opPos };
    case 'lit':
      return buildLiteral(s, 'a value');
    case 'ident':
      return buildIdentifier(s);
    default:
      throw new BuildError(`expected an aggregate or a value but found ${describe(s)}`, s.pos);
  }
}

function buildSpansetExpr(s: Syn): SpansetExpr {
  switch (s.t) {
    case 'braces':
      return { kind: 'spansetFilter', expr: s.body ? buildField(s.body) : null, pos: s.pos };
    case 'paren':
      return s.inner.t === 'pipe' ? buildPipeline(s.inner) : buildSpansetExpr(s.inner);
    case 'bin':
      if (SPANSET_OPS.has(s.op)) {
        return { kind: 'spansetOp', op: s.op as SpansetOp, lhs: buildSpansetExpr(s.lhs), rhs: buildSpansetExpr(s.rhs), pos: s.pos, opPos: s.opPos };
      }
      if (containsSpanset(s)) throw new BuildError(`operator ${s.op} does not apply to spansets`, s.opPos);
      throw new BuildError(`expected a spanset filter { ... } but found ${describe(s)}`, s.pos);
    default:
      throw new BuildError(`expected a spanset filter { ... } but found ${describe(s)}`, s.pos);
  }
}

// ---------- field expressions ----------

function buildField(s: Syn, nilAllowed = false): FieldExpr {
  switch (s.t) {
    case 'lit':
      if (s.value.type === 'nil' && !nilAllowed) throw new BuildError('nil can only be compared with = or !=', s.pos);
      return { kind: 'literal', value: s.value, pos: s.pos };
    case 'attr':
      return { kind: 'attribute', scope: s.scope, name: s.name, parent: s.parent, pos: s.pos };
    case 'intr':
      return buildIntrinsic(s);
    case 'paren':
      if (s.inner.t === 'pipe') throw new BuildError('a pipeline cannot be used as a value', s.pos);
      return buildField(s.inner);
    case 'un':
      return { kind: 'unary', op: s.op, operand: buildField(s.operand), pos: s.pos };
    case 'bin': {
      if (!FIELD_OPS.has(s.op)) throw new BuildError(`operator ${s.op} joins spansets, not values`, s.opPos);
      const nil = s.op === '=' || s.op === '!=';
      return { kind: 'binary', op: s.op as BinaryOp, lhs: buildField(s.lhs, nil), rhs: buildField(s.rhs, nil), pos: s.pos, opPos: s.opPos };
    }
    case 'ident':
      return buildIdentifier(s);
    case 'braces':
      throw new BuildError('a spanset filter cannot be used inside a field expression', s.pos);
    case 'call':
      if (AGGREGATES.has(s.fn)) throw new BuildError(`${s.fn}() aggregates a spanset; use it after a pipe: { ... } | ${s.fn}(...) > 1`, s.pos);
      throw new BuildError(`${s.fn}() cannot be used inside a field expression`, s.pos);
    case 'pipe':
      throw new BuildError('a pipeline cannot be used as a value', s.pos);
    default: {
      const never: never = s;
      return never;
    }
  }
}

function buildIntrinsic(s: Syn & { t: 'intr' }): IntrinsicNode {
  const name = INTRINSIC_SPELLINGS.get(s.name);
  if (name === undefined) throw new BuildError(`unknown intrinsic ${s.name}`, s.pos);
  return { kind: 'intrinsic', name, pos: s.pos };
}

function buildFieldRef(s: Syn, where: string): AttributeNode | IntrinsicNode {
  const x = stripParens(s);
  if (x.t === 'attr') return { kind: 'attribute', scope: x.scope, name: x.name, parent: x.parent, pos: x.pos };
  if (x.t === 'intr') return buildIntrinsic(x);
  if (x.t === 'ident') throw new BuildError(identifierHint(x.name), x.pos);
  throw new BuildError(`${where} takes attributes or intrinsics, not ${describe(x)}`, x.pos);
}

function buildLiteral(s: Syn, what: string): Literal {
  const x = stripParens(s);
  if (x.t === 'ident') return buildIdentifier(x);
  if (x.t !== 'lit' || x.value.type === 'nil') throw new BuildError(`expected ${what} but found ${describe(x)}`, x.pos);
  return { kind: 'literal', value: x.value, pos: x.pos };
}

/** `minInt` and `maxInt` are the only named values; any other word is a mistake. */
function buildIdentifier(s: Syn & { t: 'ident' }): Literal {
  if (s.args === null && s.name === 'minInt') return { kind: 'literal', value: { type: 'int', value: -(1n << 63n) }, pos: s.pos };
  if (s.args === null && s.name === 'maxInt') return { kind: 'literal', value: { type: 'int', value: (1n << 63n) - 1n }, pos: s.pos };
  if (s.args !== null) throw new BuildError(`unknown function ${s.name}()`, s.pos);
  throw new BuildError(identifierHint(s.name), s.pos);
}

function identifierHint(name: string): string {
  return `unknown identifier ${JSON.stringify(name)}; attributes start with a dot or a scope (.${name}, span.${name}, resource.${name})`;
}

function describe(s: Syn): string {
  switch (s.t) {
    case 'pipe':
      return 'a pipeline';
    case 'bin':
      return ARITHMETIC.has(s.op) ? 'an arithmetic expression' : `an expression with ${s.op}`;
    case 'un':
      return `an expression with ${s.op}`;
    case 'lit':
      return s.value.type === 'nil' ? 'nil' : `${/^[aeiou]/.test(s.value.type) ? 'an' : 'a'} ${s.value.type} value`;
    case 'attr':
      return 'an attribute';
    case 'intr':
      return `the intrinsic ${s.name}`;
    case 'call':
      return `${s.fn}()`;
    case 'ident':
      return JSON.stringify(s.name);
    case 'braces':
      return 'a spanset filter';
    case 'paren':
      return describe(s.inner);
    default: {
      const never: never = s;
      return never;
    }
  }
}

/** Position type re-exported for the facade. */
export type { Pos };
