// Evaluation of a spanset pipeline over the spans storage returned for one trace. The AST is
// compiled once per query into closures; each trace then runs them. This is the one
// implementation of TraceQL's search semantics: the storage-backed search and the reference
// evaluation over in-memory traces both use it (they differ only in what spans they feed in).
import type { Aggregate, FieldExpr, Pipeline, ScalarExpr, SpansetExpr, Stage } from './ast.ts';
import { absenceField } from './absence.ts';
import { normalizeOperand } from './conditions.ts';
import { TqlUnsupportedError } from './errors.ts';
import type { ArithOp, CompareOp } from './operators.ts';
import { arith, compare, isTrue, negate, not, orderValues } from './operators.ts';
import { compileRegex } from './regex.ts';
import type { Static } from './static.ts';
import { FALSE, NIL, TRUE } from './static.ts';
import type { FetchedSpan, FetchedSpanset, FieldRef } from './storage.ts';
import { fieldKey } from './storage.ts';
import type { NodeSpan } from './structural.ts';
import { structural } from './structural.ts';
import { stringifyField, stringifyScalar } from './stringify.ts';
import { bytesToHex, traceIdToSearchHex } from '@spanbase/model';

/** A span during evaluation: the fetched span and its place in the trace. */
export interface EvalSpan extends NodeSpan {
  /** The span as storage returned it. */
  readonly span: FetchedSpan;
}

/** A named value attached to a spanset by by() or an aggregate, e.g. `count()` = 3. */
export interface SpansetAttribute {
  /** `by(resource.service.name)`, `avg(duration)`, ... */
  readonly name: string;
  /** The value. */
  readonly value: Static;
}

/** A spanset during evaluation. */
export interface EvalSpanset {
  /** Spans, in trace order. */
  readonly spans: readonly EvalSpan[];
  /** Values from by() and aggregates, in the order they were added. */
  readonly attributes: readonly SpansetAttribute[];
}

/** What every closure can see of the trace being evaluated. */
interface TraceCtx {
  readonly trace: FetchedSpanset;
  traceIdHex: string | undefined;
}

type FieldFn = (s: EvalSpan, t: TraceCtx) => Static;
type StageFn = (input: readonly EvalSpanset[], t: TraceCtx) => EvalSpanset[];
type ScalarFn = (ss: EvalSpanset, t: TraceCtx, attrs: SpansetAttribute[]) => Static;

/** Evaluates a compiled pipeline on one trace's fetched spans. */
export type TraceEvaluator = (trace: FetchedSpanset) => EvalSpanset[];

/** Compiles a pipeline; `columns` is the request's column list (what FetchedSpan.value indexes). */
export function compilePipeline(pipeline: Pipeline, columns: readonly FieldRef[]): TraceEvaluator {
  const index = new Map<string, number>();
  columns.forEach((c, i) => index.set(fieldKey(c), i));
  const run = new Compiler(index).pipeline(pipeline);
  return (trace) => {
    const spans: EvalSpan[] = trace.spans.map((span, i) => ({
      span,
      index: i,
      left: span.nestedSetLeft,
      right: span.nestedSetRight,
      parent: span.nestedSetParent,
    }));
    if (spans.length === 0) return [];
    return run([{ spans, attributes: [] }], { trace, traceIdHex: undefined });
  };
}

function bool(b: boolean): Static {
  return b ? TRUE : FALSE;
}

function isNilLiteral(e: FieldExpr): boolean {
  return e.kind === 'literal' && e.value.type === 'nil';
}

class Compiler {
  private readonly columns: ReadonlyMap<string, number>;
  constructor(columns: ReadonlyMap<string, number>) {
    this.columns = columns;
  }

  private column(f: FieldRef): number {
    const i = this.columns.get(fieldKey(f));
    if (i === undefined) throw new Error(`field ${fieldKey(f)} is not among the fetched columns`);
    return i;
  }

  field(e: FieldExpr): FieldFn {
    switch (e.kind) {
      case 'literal': {
        const v = e.value;
        return () => v;
      }
      case 'attribute': {
        const c = this.column({ kind: 'attribute', scope: e.scope, name: e.name });
        return (s) => s.span.value(c) ?? NIL;
      }
      case 'intrinsic':
        return this.intrinsic(e.name);
      case 'unary': {
        const f = this.field(e.operand);
        return e.op === '-' ? (s, t) => negate(f(s, t)) : (s, t) => not(f(s, t));
      }
      case 'binary':
        return this.binary(e);
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private intrinsic(name: (FieldExpr & { kind: 'intrinsic' })['name']): FieldFn {
    switch (name) {
      case 'duration':
        return (s) => ({ type: 'duration', value: s.span.durationNanos });
      case 'span:id':
        return (s) => ({ type: 'string', value: bytesToHex(s.span.spanId) });
      case 'nestedSetLeft':
        return (s) => ({ type: 'int', value: BigInt(s.left) });
      case 'nestedSetRight':
        return (s) => ({ type: 'int', value: BigInt(s.right) });
      case 'nestedSetParent':
        return (s) => ({ type: 'int', value: BigInt(s.parent) });
      case 'traceDuration':
        return (_s, t) => ({ type: 'duration', value: t.trace.durationNanos });
      case 'rootName':
        return (_s, t) => (t.trace.rootSpanName === undefined ? NIL : { type: 'string', value: t.trace.rootSpanName });
      case 'rootServiceName':
        return (_s, t) => (t.trace.rootServiceName === undefined ? NIL : { type: 'string', value: t.trace.rootServiceName });
      case 'trace:id':
        return (_s, t) => ({ type: 'string', value: (t.traceIdHex ??= traceIdToSearchHex(t.trace.traceId)) });
      case 'parent':
        throw TqlUnsupportedError('the parent intrinsic is not supported');
      default: {
        const c = this.column({ kind: 'intrinsic', name });
        return (s) => s.span.value(c) ?? NIL;
      }
    }
  }

  private binary(e: FieldExpr & { kind: 'binary' }): FieldFn {
    const { op } = e;
    if (op === '&&' || op === '||') {
      const l = this.field(e.lhs);
      const r = this.field(e.rhs);
      return op === '&&' ? (s, t) => bool(isTrue(l(s, t)) && isTrue(r(s, t))) : (s, t) => bool(isTrue(l(s, t)) || isTrue(r(s, t)));
    }
    if ((op === '=' || op === '!=') && (isNilLiteral(e.lhs) || isNilLiteral(e.rhs))) {
      // `x = nil` tests absence, `x != nil` presence; nil compared with nil is false (as in Tempo).
      if (isNilLiteral(e.lhs) && isNilLiteral(e.rhs)) return () => FALSE;
      const other = isNilLiteral(e.lhs) ? e.rhs : e.lhs;
      // An event or link attribute is absent per event (link): see absence.ts.
      if (op === '=' && other.kind === 'attribute') {
        const ref: FieldRef = { kind: 'attribute', scope: other.scope, name: other.name };
        const absent = absenceField(ref);
        if (absent !== ref) {
          const c = this.column(absent);
          return (s) => bool(s.span.value(c) !== undefined);
        }
      }
      const f = this.field(other);
      return op === '=' ? (s, t) => bool(f(s, t).type === 'nil') : (s, t) => bool(f(s, t).type !== 'nil');
    }
    const lhs = this.normalized(e.lhs, e.rhs);
    const rhs = this.normalized(e.rhs, e.lhs);
    const l = this.field(lhs);
    const r = this.field(rhs);
    switch (op) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '^':
        return (s, t) => arith(op as ArithOp, l(s, t), r(s, t));
      default: {
        const regex = (op === '=~' || op === '!~') && rhs.kind === 'literal' && rhs.value.type === 'string' ? compileRegex(rhs.value.value) : undefined;
        if (rhs.kind === 'literal') {
          const rv = rhs.value;
          return (s, t) => bool(compare(op as CompareOp, l(s, t), rv, regex));
        }
        return (s, t) => bool(compare(op as CompareOp, l(s, t), r(s, t), regex));
      }
    }
  }

  /** A literal compared with an id intrinsic is written the way ids are stored. */
  private normalized(side: FieldExpr, other: FieldExpr): FieldExpr {
    if (side.kind !== 'literal' || other.kind !== 'intrinsic') return side;
    return { ...side, value: normalizeOperand({ kind: 'intrinsic', name: other.name }, side.value) };
  }

  pipeline(p: Pipeline): StageFn {
    const stages = p.stages.map((s) => this.stage(s));
    return (input, t) => {
      let cur: readonly EvalSpanset[] = input;
      for (const st of stages) {
        cur = st(cur, t);
        if (cur.length === 0) return [];
      }
      return cur as EvalSpanset[];
    };
  }

  private stage(s: Stage): StageFn {
    switch (s.kind) {
      case 'spansetFilter':
      case 'spansetOp':
      case 'pipeline':
        return this.spanset(s);
      case 'scalarFilter': {
        const l = this.scalar(s.lhs);
        const r = this.scalar(s.rhs);
        const op = s.op;
        return (input, t) => {
          const out: EvalSpanset[] = [];
          for (const ss of input) {
            const attrs: SpansetAttribute[] = [];
            const lv = l(ss, t, attrs);
            const rv = r(ss, t, attrs);
            if (lv.type === 'nil' || rv.type === 'nil') continue;
            if (compare(op, lv, rv)) out.push({ spans: ss.spans, attributes: [...ss.attributes, ...attrs] });
          }
          return out;
        };
      }
      case 'by': {
        const f = this.field(s.expr);
        const name = `by(${stringifyField(s.expr)})`;
        return (input, t) => {
          const out: EvalSpanset[] = [];
          for (const ss of input) {
            const groups = new Map<string, { value: Static; spans: EvalSpan[] }>();
            for (const span of ss.spans) {
              const v = f(span, t);
              const k = groupKey(v);
              let g = groups.get(k);
              if (!g) groups.set(k, (g = { value: v, spans: [] }));
              g.spans.push(span);
            }
            for (const g of groups.values()) out.push({ spans: g.spans, attributes: [...ss.attributes, { name, value: g.value }] });
          }
          return out;
        };
      }
      case 'coalesce':
        return (input) => {
          const seen = new Set<EvalSpan>();
          for (const ss of input) for (const span of ss.spans) seen.add(span);
          return [{ spans: [...seen].sort((a, b) => a.index - b.index), attributes: [] }];
        };
      case 'select':
        // Selected fields are columns of the request; the result builder reads them.
        return (input) => input as EvalSpanset[];
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  private spanset(s: SpansetExpr): StageFn {
    switch (s.kind) {
      case 'spansetFilter': {
        if (!s.expr) return (input) => input as EvalSpanset[];
        const f = this.field(s.expr);
        return (input, t) => {
          const out: EvalSpanset[] = [];
          for (const ss of input) {
            const spans = ss.spans.filter((span) => isTrue(f(span, t)));
            if (spans.length === ss.spans.length) out.push(ss);
            else if (spans.length > 0) out.push({ spans, attributes: ss.attributes });
          }
          return out;
        };
      }
      case 'pipeline':
        return this.pipeline(s);
      case 'spansetOp': {
        const l = this.spanset(s.lhs);
        const r = this.spanset(s.rhs);
        const op = s.op;
        return (input, t) => {
          const out: EvalSpanset[] = [];
          for (const ss of input) {
            const ls = l([ss], t);
            const rs = r([ss], t);
            let spans: EvalSpan[];
            if (op === '&&' || op === '||') {
              const ok = op === '&&' ? ls.length > 0 && rs.length > 0 : ls.length > 0 || rs.length > 0;
              if (!ok) continue;
              spans = union([...ls, ...rs]);
            } else {
              if (ls.length > 1 || rs.length > 1) {
                throw TqlUnsupportedError('structural operators need one spanset per trace on each side; use coalesce() after by()');
              }
              if (rs.length === 0) continue;
              spans = structural(op, ls[0]?.spans ?? [], rs[0].spans);
            }
            if (spans.length > 0) out.push({ spans, attributes: ss.attributes });
          }
          return out;
        };
      }
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  private scalar(e: ScalarExpr): ScalarFn {
    switch (e.kind) {
      case 'literal': {
        const v = e.value;
        return () => v;
      }
      case 'aggregate': {
        const agg = this.aggregate(e);
        const name = stringifyScalar(e);
        return (ss, t, attrs) => {
          const v = agg(ss, t);
          if (v.type !== 'nil') attrs.push({ name, value: v });
          return v;
        };
      }
      case 'scalarBinary': {
        const l = this.scalar(e.lhs);
        const r = this.scalar(e.rhs);
        const op = e.op;
        return (ss, t, attrs) => arith(op, l(ss, t, attrs), r(ss, t, attrs));
      }
      case 'scalarPipeline':
        throw TqlUnsupportedError('comparing the results of parenthesized pipelines is not supported');
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private aggregate(a: Aggregate): (ss: EvalSpanset, t: TraceCtx) => Static {
    if (a.fn === 'count' || a.expr === null) return (ss) => ({ type: 'int', value: BigInt(ss.spans.length) });
    const f = this.field(a.expr);
    const fn = a.fn;
    return (ss, t) => {
      const values: Static[] = [];
      for (const span of ss.spans) {
        const v = f(span, t);
        if (v.type === 'int' || v.type === 'float' || v.type === 'duration') values.push(v);
      }
      return aggregateValues(fn, values);
    };
  }
}

/** Applies min/max/sum/avg to numeric values; nil when there are none. */
export function aggregateValues(fn: 'avg' | 'min' | 'max' | 'sum', values: readonly Static[]): Static {
  if (values.length === 0) return NIL;
  if (fn === 'min' || fn === 'max') {
    let best = values[0];
    for (const v of values) if (fn === 'min' ? orderValues(v, best) < 0 : orderValues(v, best) > 0) best = v;
    return best;
  }
  const type = values.every((v) => v.type === values[0].type) ? values[0].type : 'float';
  let sum: Static = type === 'float' ? { type: 'float', value: 0 } : values[0];
  for (let i = type === 'float' ? 0 : 1; i < values.length; i++) {
    const v = values[i];
    if (type === 'float') sum = { type: 'float', value: (sum as { value: number }).value + Number((v as { value: number | bigint }).value) };
    else sum = { type, value: (sum as { value: bigint }).value + (v as { value: bigint }).value } as Static;
  }
  if (fn === 'sum') return sum;
  const n = values.length;
  if (sum.type === 'duration') return { type: 'duration', value: sum.value / BigInt(n) };
  return { type: 'float', value: Number((sum as { value: number | bigint }).value) / n };
}

/** Spans of several spansets, each once, in trace order. */
function union(sets: readonly EvalSpanset[]): EvalSpan[] {
  const seen = new Set<EvalSpan>();
  for (const ss of sets) for (const s of ss.spans) seen.add(s);
  return [...seen].sort((a, b) => a.index - b.index);
}

function groupKey(v: Static): string {
  switch (v.type) {
    case 'nil':
      return 'nil';
    case 'array':
      return 'array:' + v.value.map(groupKey).join('\u0000');
    default:
      return `${v.type}:${String(v.value)}`;
  }
}
