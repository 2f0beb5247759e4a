// Type check: operand types, regexes, aggregate and grouping arguments, metrics constants.
// Follows Tempo's validation rules; "not supported" is reported apart from "invalid". Errors are
// collected in source order; a node that is not supported is not checked further.
import type {
  Aggregate, AttributeNode, FieldExpr, IntrinsicNode, MetricsExpr, MetricsFunction, Pipeline, Pos, Query, ScalarConst, ScalarExpr,
  SpansetExpr, Stage,
} from './ast.ts';
import { INTRINSIC_TYPES } from './intrinsics.ts';
import type { ValueType } from './intrinsics.ts';
import { arith } from './operators.ts';
import { compileRegex } from './regex.ts';
import type { Static } from './static.ts';
import { stringifyField, stringifyScalar } from './stringify.ts';

/** One problem found by the type check. */
export interface TypeIssue {
  /** TQL_ERR_TYPE for invalid queries, TQL_ERR_UNSUPPORTED for valid ones this engine does not run. */
  readonly code: 'TQL_ERR_TYPE' | 'TQL_ERR_UNSUPPORTED';
  /** What is wrong. */
  readonly reason: string;
  /** Where. */
  readonly pos: Pos;
}

class Unsupported extends Error {}

/** Checks a query; an empty list means it can run. */
export function typecheck(q: Query): TypeIssue[] {
  const issues: TypeIssue[] = [];
  const c = new Checker(issues);
  const body = q.body;
  c.run(() => (body.kind === 'pipeline' ? c.pipeline(body) : c.metrics(body, true)));
  return issues;
}

/** The type of a literal value. */
export function staticValueType(s: Static): ValueType {
  switch (s.type) {
    case 'bool':
      return 'boolean';
    case 'array':
      return 'attribute';
    default:
      return s.type;
  }
}

const BOOLEAN_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', '=~', '!~', '&&', '||']);

function isNumericType(t: ValueType): boolean {
  return t === 'int' || t === 'float' || t === 'duration';
}

/** Whether two operand types may meet in one binary operation. */
export function typesMatch(a: ValueType, b: ValueType): boolean {
  return a === 'attribute' || b === 'attribute' || a === b || (isNumericType(a) && isNumericType(b)) || a === 'nil' || b === 'nil';
}

/** Whether an operator applies to operands of type `t`. */
export function operatorApplies(op: string, t: ValueType): boolean {
  switch (t) {
    case 'attribute':
      return true;
    case 'boolean':
      return op === '&&' || op === '||' || op === '=' || op === '!=';
    case 'int':
    case 'float':
    case 'duration':
      return ['+', '-', '*', '/', '%', '^', '=', '!=', '<', '<=', '>', '>='].includes(op);
    case 'string':
      return ['=', '!=', '=~', '!~', '<', '<=', '>', '>='].includes(op);
    case 'nil':
    case 'status':
    case 'kind':
      return op === '=' || op === '!=';
    default:
      return false;
  }
}

/** True when the expression reads the span (has an attribute or intrinsic). */
export function referencesSpan(e: FieldExpr): boolean {
  switch (e.kind) {
    case 'literal':
      return false;
    case 'attribute':
    case 'intrinsic':
      return true;
    case 'binary':
      return referencesSpan(e.lhs) || referencesSpan(e.rhs);
    case 'unary':
      return referencesSpan(e.operand);
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** Folds a constant expression; throws an Error for durations in arithmetic or division by zero. */
export function foldConst(e: ScalarConst): Static {
  if (e.kind === 'literal') return e.value;
  const l = foldConst(e.lhs);
  const r = foldConst(e.rhs);
  if (l.type === 'duration' || r.type === 'duration') throw new Error('a duration cannot be used in scalar arithmetic');
  if ((e.op === '/' || e.op === '%') && l.type === 'int' && r.type === 'int' && r.value === 0n) throw new Error('division by zero');
  const v = arith(e.op, l, r);
  if (v.type === 'nil') throw new Error(`operator ${e.op} applies to numbers only`);
  return v;
}

class Checker {
  private readonly issues: TypeIssue[];
  constructor(issues: TypeIssue[]) {
    this.issues = issues;
  }

  private fail(reason: string, pos: Pos): void {
    this.issues.push({ code: 'TQL_ERR_TYPE', reason, pos });
  }

  private unsupported(reason: string, pos: Pos): never {
    this.issues.push({ code: 'TQL_ERR_UNSUPPORTED', reason, pos });
    throw new Unsupported(reason);
  }

  /** Runs a whole check. */
  run(f: () => void): void {
    this.guard(f, undefined);
  }

  /** Runs a check; an unsupported construct stops it, and the caller treats the type as unknown. */
  private guard<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof Unsupported) return fallback;
      throw e;
    }
  }

  pipeline(p: Pipeline): void {
    for (const s of p.stages) this.stage(s);
  }

  private stage(s: Stage): void {
    switch (s.kind) {
      case 'spansetFilter':
      case 'spansetOp':
      case 'pipeline':
        this.spanset(s);
        return;
      case 'scalarFilter':
        this.guard(() => {
          const lt = this.scalar(s.lhs);
          const rt = this.scalar(s.rhs);
          this.binaryTypes(s.op, lt, rt, s.opPos, () => `${stringifyScalar(s.lhs)} ${s.op} ${stringifyScalar(s.rhs)}`);
        }, undefined);
        return;
      case 'by':
        if (!referencesSpan(s.expr)) this.fail(`by() must reference the span (an attribute or intrinsic): by(${stringifyField(s.expr)})`, s.pos);
        this.guard(() => this.field(s.expr), 'attribute');
        return;
      case 'select':
        for (const f of s.fields) this.guard(() => this.field(f), 'attribute');
        return;
      case 'coalesce':
        return;
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  private spanset(s: SpansetExpr): void {
    switch (s.kind) {
      case 'spansetFilter': {
        if (!s.expr) return;
        const expr = s.expr;
        const t = this.guard(() => this.field(expr), 'attribute');
        if (t !== 'boolean' && t !== 'attribute') this.fail(`a spanset filter must be a boolean expression: { ${stringifyField(expr)} }`, expr.pos);
        return;
      }
      case 'spansetOp':
        this.spanset(s.lhs);
        this.spanset(s.rhs);
        return;
      case 'pipeline':
        this.pipeline(s);
        return;
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  private scalar(e: ScalarExpr): ValueType {
    switch (e.kind) {
      case 'literal':
        return staticValueType(e.value);
      case 'aggregate':
        return this.aggregate(e);
      case 'scalarPipeline':
        this.pipeline(e.pipeline);
        this.aggregate(e.aggregate);
        return this.unsupported('comparing the results of parenthesized pipelines, such as ({ ... } | count()) > ({ ... } | count()), is not supported', e.pos);
      case 'scalarBinary': {
        const lt = this.scalar(e.lhs);
        const rt = this.scalar(e.rhs);
        this.binaryTypes(e.op, lt, rt, e.opPos, () => `${stringifyScalar(e.lhs)} ${e.op} ${stringifyScalar(e.rhs)}`);
        return lt === 'attribute' ? rt : lt;
      }
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private aggregate(a: Aggregate): ValueType {
    if (a.expr === null) return 'int';
    const expr = a.expr;
    const t = this.guard(() => this.field(expr), 'attribute');
    if (t !== 'attribute' && !isNumericType(t)) this.fail(`${a.fn}() needs a number: ${a.fn}(${stringifyField(expr)})`, expr.pos);
    if (!referencesSpan(expr)) this.fail(`${a.fn}() must reference the span (an attribute or intrinsic): ${a.fn}(${stringifyField(expr)})`, expr.pos);
    return t;
  }

  private binaryTypes(op: string, lt: ValueType, rt: ValueType, pos: Pos, text: () => string): boolean {
    if (!typesMatch(lt, rt)) {
      this.fail(`operands of ${op} must have the same type, found ${lt} and ${rt}: ${text()}`, pos);
      return false;
    }
    if (!operatorApplies(op, lt) || !operatorApplies(op, rt)) {
      const bad = operatorApplies(op, lt) ? rt : lt;
      this.fail(`operator ${op} does not apply to ${bad}: ${text()}`, pos);
      return false;
    }
    return true;
  }

  /** Type of a field expression; records problems found on the way. */
  field(e: FieldExpr): ValueType {
    switch (e.kind) {
      case 'literal':
        return staticValueType(e.value);
      case 'attribute':
        return this.attribute(e);
      case 'intrinsic':
        return this.intrinsic(e);
      case 'unary': {
        const t = this.field(e.operand);
        if (t === 'attribute') return t;
        const ok = e.op === '-' ? isNumericType(t) : t === 'boolean';
        if (!ok) this.fail(`operator ${e.op} does not apply to ${t}: ${stringifyField(e)}`, e.pos);
        return t;
      }
      case 'binary': {
        const lt = this.field(e.lhs);
        const rt = this.field(e.rhs);
        const text = () => stringifyField(e);
        if (this.binaryTypes(e.op, lt, rt, e.opPos, text)) {
          if (e.op === '=~' || e.op === '!~') this.regex(e.rhs, text);
          if (e.op === '=') this.nilCheck(e.lhs, e.rhs);
        }
        if (BOOLEAN_OPS.has(e.op)) return 'boolean';
        return lt === 'attribute' ? rt : lt;
      }
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private attribute(a: AttributeNode): ValueType {
    if (a.parent) this.unsupported('parent. attributes are not supported', a.pos);
    return 'attribute';
  }

  private intrinsic(i: IntrinsicNode): ValueType {
    if (i.name === 'parent') this.unsupported('the parent intrinsic is not supported', i.pos);
    return INTRINSIC_TYPES[i.name];
  }

  private regex(rhs: FieldExpr, text: () => string): void {
    if (rhs.kind !== 'literal' || rhs.value.type !== 'string') {
      this.fail(`the right side of a regex match must be a string literal: ${text()}`, rhs.pos);
      return;
    }
    try {
      compileRegex(rhs.value.value);
    } catch (err) {
      this.fail(`invalid regex ${JSON.stringify(rhs.value.value)}: ${(err as Error).message}`, rhs.pos);
    }
  }

  private nilCheck(lhs: FieldExpr, rhs: FieldExpr): void {
    const [other, nil] = lhs.kind === 'literal' && lhs.value.type === 'nil' ? [rhs, lhs] : [lhs, rhs];
    if (nil.kind !== 'literal' || nil.value.type !== 'nil') return;
    if (other.kind === 'intrinsic') this.fail(`${stringifyField(other)} = nil is never true: intrinsics always have a value`, other.pos);
    if (other.kind === 'attribute' && other.scope === 'resource' && other.name === 'service.name' && !other.parent) {
      this.fail('resource.service.name = nil is never true: every span has a service name', other.pos);
    }
  }

  // ---------- metrics ----------

  metrics(e: MetricsExpr, root: boolean): void {
    switch (e.kind) {
      case 'metricsPipeline':
        this.pipeline(e.pipeline);
        this.metricsFunction(e.fn, root);
        return;
      case 'metricsStage': {
        if (e.input.kind === 'metricsPipeline' && e.input.fn.fn === 'compare') {
          this.fail('compare() cannot be followed by topk(), bottomk() or a filter', e.stage.pos);
        }
        this.metrics(e.input, false);
        const st = e.stage;
        if (st.kind === 'filter') {
          this.metricsConst(st.value, true);
        } else if (st.limit <= 0) {
          this.fail(`${st.kind}() needs a limit above 0`, st.pos);
        }
        return;
      }
      case 'metricsBinary':
        for (const side of [e.lhs, e.rhs]) {
          if (side.kind === 'literal' || side.kind === 'constBinary') this.metricsConst(side, false);
          else {
            if (side.kind === 'metricsPipeline' && side.fn.fn === 'compare') this.fail('compare() cannot be used in arithmetic', side.fn.pos);
            this.metrics(side, false);
          }
        }
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private metricsConst(e: ScalarConst, bareDurationAllowed: boolean): void {
    if (e.kind === 'literal') {
      const t = e.value.type;
      if (t === 'duration' && !bareDurationAllowed) this.fail('a duration cannot be used as a number in metrics arithmetic', e.pos);
      else if (t !== 'int' && t !== 'float' && t !== 'duration') this.fail(`expected a number but found a ${t} value`, e.pos);
      return;
    }
    if (e.op === '%' || e.op === '^') {
      this.fail(`operator ${e.op} is not available for metrics constants; use +, -, * or /`, e.opPos);
      return;
    }
    try {
      const v = foldConst(e);
      if (v.type !== 'int' && v.type !== 'float') this.fail('expected a number', e.pos);
    } catch (err) {
      this.fail((err as Error).message, e.opPos);
    }
  }

  private metricsFunction(f: MetricsFunction, root: boolean): void {
    void root;
    if (f.field) {
      const field = f.field;
      const t = this.guard(() => this.field(field), 'attribute');
      if (t !== 'attribute' && !isNumericType(t)) this.fail(`${f.fn}() needs a number, found ${t}`, field.pos);
    }
    for (const b of f.by) this.guard(() => this.field(b), 'attribute');
    for (const q of f.quantiles) if (!(q >= 0 && q <= 1)) this.fail(`quantile ${q} is outside 0..1`, f.pos);
    if (f.compare) {
      this.spanset(f.compare.selection);
      if (f.compare.topN <= 0) this.fail('compare() needs a topN above 0', f.pos);
    }
  }
}
