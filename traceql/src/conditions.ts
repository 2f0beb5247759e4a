// Query → fetch request: which spans can matter (conditions for pushdown), and which fields the
// engine reads (columns). Conditions must be sound: a span storage drops by them can never change
// the result. So each spanset filter gets a predicate it implies (`{ .a = 1 && .b > 2 }` implies
// `.a = 1 ∧ .b > 2`); negations imply nothing; comparisons of computed values imply that the
// attributes inside the arithmetic exist. The query needs the union of what its filters need,
// except that consecutive filters at the head of a pipeline narrow each other.
import type { FieldExpr, Intrinsic, MetricsExpr, MetricsPipeline, Pipeline, ScalarExpr, SpansetExpr, Stage } from './ast.ts';
import type { ArithOp, CompareOp } from './operators.ts';
import { arith, compare, negate } from './operators.ts';
import { compileRegex } from './regex.ts';
import type { Static } from './static.ts';
import { TRUE, staticToString } from './static.ts';
import { parseTraceIdParam } from '@spanbase/model';
import { absenceField, nilCondition } from './absence.ts';
import type { Condition, ConditionOp, FetchSpansRequest, FieldRef } from './storage.ts';
import { fieldKey } from './storage.ts';

/** Intrinsics the engine reads from FetchedSpan / FetchedSpanset properties, never from columns. */
export const ENGINE_INTRINSICS: ReadonlySet<Intrinsic> = new Set<Intrinsic>([
  'duration', 'span:id', 'nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'traceDuration', 'rootName', 'rootServiceName', 'trace:id',
]);

/** Intrinsics every span has, so an `exists` test on them says nothing. */
const ALWAYS_PRESENT: ReadonlySet<Intrinsic> = new Set<Intrinsic>([
  'duration', 'name', 'status', 'statusMessage', 'kind', 'span:childCount', 'span:id', 'nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'traceDuration', 'trace:id',
]);

/** The plan of a search: the request for storage and every field the query reads. */
export interface SearchPlan {
  /** What to ask storage for. */
  readonly request: FetchSpansRequest;
  /** True when no span can ever match (e.g. `{ false }`): nothing needs fetching. */
  readonly noop: boolean;
  /** Every field the query reads, in first-use order (engine-read intrinsics included). */
  readonly fields: readonly FieldRef[];
}

/** Plans a search over `pipeline` for the time range (unix ns, 0n = open). */
export function planSearch(pipeline: Pipeline, start = 0n, end = 0n, extraFields: readonly FieldRef[] = []): SearchPlan {
  const fields = new Map<string, FieldRef>();
  const add = (f: FieldRef) => {
    const k = fieldKey(f);
    if (!fields.has(k)) fields.set(k, f);
  };
  add({ kind: 'intrinsic', name: 'name' });
  walkPipeline(pipeline, add);
  for (const f of extraFields) add(f);
  const all = [...fields.values()];
  const columns = all.filter((f) => f.kind !== 'intrinsic' || !ENGINE_INTRINSICS.has(f.name));
  const nestedSets = needsNestedSets(pipeline) || all.some((f) => f.kind === 'intrinsic' && f.name.startsWith('nestedSet'));
  const pred = simplify(pipelinePred(pipeline));
  const { conditions, allConditions } = toConditions(pred);
  return {
    request: { startTimeUnixNano: start, endTimeUnixNano: end, conditions, allConditions, columns, nestedSets },
    noop: pred.k === 'false',
    fields: all,
  };
}

/**
 * The trace id every match of a request must have, as bytes: from a `trace:id = "..."` among
 * conditions that must all hold (or the only one). A trace's search id is its id in lowercase hex
 * without leading zeros, so a match has exactly the id the operand spells. Storage that can rule a
 * trace id out cheaply (a bloom filter, sorted ids, an index of live traces) skips everything
 * else. Null when the operand is no trace id (nothing can match); undefined when no id is pinned.
 */
export function pinnedTraceId(request: Pick<FetchSpansRequest, 'conditions' | 'allConditions'>): Uint8Array | null | undefined {
  if (!request.allConditions && request.conditions.length !== 1) return undefined;
  for (const c of request.conditions) {
    if (c.field.kind !== 'intrinsic' || c.field.name !== 'trace:id' || c.op !== '=' || c.operands.length !== 1) continue;
    const operand = c.operands[0];
    if (operand.type === 'string') return parseTraceIdParam(operand.value) ?? null;
  }
  return undefined;
}

/** The metrics pipelines (`{...} | rate()`) of a metrics expression, left to right. */
export function metricsLeaves(e: MetricsExpr): MetricsPipeline[] {
  switch (e.kind) {
    case 'metricsPipeline':
      return [e];
    case 'metricsStage':
      return metricsLeaves(e.input);
    case 'metricsBinary':
      return [e.lhs, e.rhs].flatMap((x) => (x.kind === 'literal' || x.kind === 'constBinary' ? [] : metricsLeaves(x)));
    default: {
      const never: never = e;
      return never;
    }
  }
}

/**
 * Plans the fetch for one metrics pipeline: its spanset pipeline's conditions, plus the fields
 * the metrics function reads (the measured field, `by` fields, compare()'s selection).
 */
export function planMetricsPipeline(leaf: MetricsPipeline, start = 0n, end = 0n): SearchPlan {
  const extra: FieldRef[] = [];
  const fn = leaf.fn;
  for (const f of [fn.field, ...fn.by]) if (f) extra.push(refOf(f)!);
  if (fn.compare?.selection.expr) walkField(fn.compare.selection.expr, (f) => extra.push(f));
  return planSearch(leaf.pipeline, start, end, extra);
}

/** Whether a condition holds for a value (undefined = the span does not have the field). */
export function conditionHolds(c: Condition, value: Static | undefined): boolean {
  switch (c.op) {
    case 'exists':
      return value !== undefined && value.type !== 'nil';
    case 'notExists':
      return value === undefined || value.type === 'nil';
    default:
      if (value === undefined) return false;
      return compare(c.op, value, c.operands[0], c.op === '=~' || c.op === '!~' ? compileRegex((c.operands[0] as { value: string }).value) : undefined);
  }
}

// ---------- fields ----------

/** The other operand of a comparison with the nil literal, when one side is nil. */
function nilOperand(e: FieldExpr & { kind: 'binary' }): FieldExpr | undefined {
  const isNil = (x: FieldExpr) => x.kind === 'literal' && x.value.type === 'nil';
  if (isNil(e.lhs) && !isNil(e.rhs)) return e.rhs;
  if (isNil(e.rhs) && !isNil(e.lhs)) return e.lhs;
  return undefined;
}

function refOf(e: FieldExpr): FieldRef | undefined {
  if (e.kind === 'attribute') return { kind: 'attribute', scope: e.scope, name: e.name };
  if (e.kind === 'intrinsic') return { kind: 'intrinsic', name: e.name };
  return undefined;
}

function walkField(e: FieldExpr, add: (f: FieldRef) => void): void {
  switch (e.kind) {
    case 'literal':
      return;
    case 'attribute':
    case 'intrinsic':
      add(refOf(e)!);
      return;
    case 'binary': {
      // `x = nil` reads the field absenceField() names (per event or link for their attributes).
      const nilTest = e.op === '=' ? nilOperand(e) : undefined;
      const ref = nilTest && refOf(nilTest);
      if (ref) add(absenceField(ref));
      else {
        walkField(e.lhs, add);
        walkField(e.rhs, add);
      }
      return;
    }
    case 'unary':
      walkField(e.operand, add);
      return;
    default: {
      const never: never = e;
      return never;
    }
  }
}

function walkScalar(e: ScalarExpr, add: (f: FieldRef) => void): void {
  switch (e.kind) {
    case 'literal':
      return;
    case 'aggregate':
      if (e.expr) walkField(e.expr, add);
      return;
    case 'scalarBinary':
      walkScalar(e.lhs, add);
      walkScalar(e.rhs, add);
      return;
    case 'scalarPipeline':
      walkPipeline(e.pipeline, add);
      walkScalar(e.aggregate, add);
      return;
    default: {
      const never: never = e;
      return never;
    }
  }
}

function walkStage(s: Stage, add: (f: FieldRef) => void): void {
  switch (s.kind) {
    case 'spansetFilter':
      if (s.expr) walkField(s.expr, add);
      return;
    case 'spansetOp':
      walkStage(s.lhs, add);
      walkStage(s.rhs, add);
      return;
    case 'pipeline':
      walkPipeline(s, add);
      return;
    case 'scalarFilter':
      walkScalar(s.lhs, add);
      walkScalar(s.rhs, add);
      return;
    case 'by':
      walkField(s.expr, add);
      return;
    case 'select':
      for (const f of s.fields) add(refOf(f)!);
      return;
    case 'coalesce':
      return;
    default: {
      const never: never = s;
      return never;
    }
  }
}

function walkPipeline(p: Pipeline, add: (f: FieldRef) => void): void {
  for (const s of p.stages) walkStage(s, add);
}

function needsNestedSets(p: Pipeline): boolean {
  const visit = (s: Stage): boolean => {
    switch (s.kind) {
      case 'spansetOp':
        return (s.op !== '&&' && s.op !== '||') || visit(s.lhs) || visit(s.rhs);
      case 'pipeline':
        return s.stages.some(visit);
      case 'scalarFilter':
        return [s.lhs, s.rhs].some((x) => x.kind === 'scalarPipeline' && x.pipeline.stages.some(visit));
      default:
        return false;
    }
  };
  return p.stages.some(visit);
}

// ---------- predicates ----------

type Pred =
  | { readonly k: 'true' }
  | { readonly k: 'false' }
  | { readonly k: 'atom'; readonly c: Condition }
  | { readonly k: 'and' | 'or'; readonly xs: readonly Pred[] };

const T: Pred = { k: 'true' };
const F: Pred = { k: 'false' };
const FLIP: Record<string, CompareOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' };

function pipelinePred(p: Pipeline): Pred {
  const narrowing: Pred[] = [];
  for (const s of p.stages) {
    if (s.kind === 'spansetFilter') narrowing.push(spansetPred(s));
    else if (s.kind === 'select' || s.kind === 'coalesce') continue;
    else {
      if (narrowing.length === 0) return stagePred(s);
      break;
    }
  }
  return narrowing.length === 0 ? T : { k: 'and', xs: narrowing };
}

function stagePred(s: Stage): Pred {
  switch (s.kind) {
    case 'spansetFilter':
    case 'spansetOp':
    case 'pipeline':
      return spansetPred(s);
    default:
      // A scalar filter or by() at the head sees every span of the trace.
      return T;
  }
}

function spansetPred(s: SpansetExpr): Pred {
  switch (s.kind) {
    case 'spansetFilter':
      return s.expr ? fieldPred(s.expr) : T;
    case 'spansetOp':
      return { k: 'or', xs: [spansetPred(s.lhs), spansetPred(s.rhs)] };
    case 'pipeline':
      return pipelinePred(s);
    default: {
      const never: never = s;
      return never;
    }
  }
}

/** Folds an expression without fields to its value, or undefined when it reads the span. */
function constValue(e: FieldExpr): Static | undefined {
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'unary' && e.op === '-') {
    const v = constValue(e.operand);
    return v && v.type !== 'nil' ? negate(v) : undefined;
  }
  if (e.kind === 'binary' && ARITHMETIC.has(e.op)) {
    const l = constValue(e.lhs);
    const r = constValue(e.rhs);
    if (!l || !r) return undefined;
    const v = arith(e.op as ArithOp, l, r);
    return v.type === 'nil' ? undefined : v;
  }
  return undefined;
}

const ARITHMETIC: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '^']);

function atom(field: FieldRef, op: ConditionOp, operands: readonly Static[]): Pred {
  return { k: 'atom', c: { field, op, operands } };
}

function fieldPred(e: FieldExpr): Pred {
  switch (e.kind) {
    case 'literal':
      return e.value.type === 'bool' && !e.value.value ? F : T;
    case 'attribute':
      return atom(refOf(e)!, '=', [TRUE]);
    case 'intrinsic':
    case 'unary':
      return T;
    case 'binary':
      break;
    default: {
      const never: never = e;
      return never;
    }
  }
  const { op, lhs, rhs } = e;
  if (op === '&&') return { k: 'and', xs: [fieldPred(lhs), fieldPred(rhs)] };
  if (op === '||') return { k: 'or', xs: [fieldPred(lhs), fieldPred(rhs)] };
  if (!(op in FLIP) && op !== '=~' && op !== '!~') return T; // arithmetic is not a predicate
  const lref = refOf(lhs);
  const rref = refOf(rhs);
  const lval = constValue(lhs);
  const rval = constValue(rhs);
  if (lval?.type === 'nil' || rval?.type === 'nil') {
    const other = lval?.type === 'nil' ? rhs : lhs;
    const otherRef = refOf(other);
    // nil = nil and nil != nil are false (as in Tempo); any other literal is never nil.
    if (other.kind === 'literal') return other.value.type !== 'nil' && op === '!=' ? T : F;
    if (!otherRef) return op === '!=' ? existsPred(other) : T;
    const c = nilCondition(otherRef, op as '=' | '!=');
    return atom(c.field, c.op, []);
  }
  if (lref && rval !== undefined) return atom(lref, op as ConditionOp, [normalizeOperand(lref, rval)]);
  if (rref && lval !== undefined && op !== '=~' && op !== '!~') return atom(rref, FLIP[op], [normalizeOperand(rref, lval)]);
  return { k: 'and', xs: [existsPred(lhs), existsPred(rhs)] };
}

/** Fields read through arithmetic must exist for a comparison on the result to hold. */
function existsPred(e: FieldExpr): Pred {
  const out: Pred[] = [];
  const visit = (x: FieldExpr) => {
    if (x.kind === 'attribute') out.push(atom(refOf(x)!, 'exists', []));
    else if (x.kind === 'intrinsic' && !ALWAYS_PRESENT.has(x.name)) out.push(atom(refOf(x)!, 'exists', []));
    else if (x.kind === 'binary' && !(x.op in FLIP) && x.op !== '&&' && x.op !== '||' && x.op !== '=~' && x.op !== '!~') {
      visit(x.lhs);
      visit(x.rhs);
    } else if (x.kind === 'unary' && x.op === '-') visit(x.operand);
  };
  visit(e);
  return out.length === 0 ? T : { k: 'and', xs: out };
}

/** Ids compare as storage shows them: trace ids without leading zeros, span ids 16 digits, lowercase. */
export function normalizeOperand(f: FieldRef, v: Static): Static {
  if (f.kind !== 'intrinsic' || v.type !== 'string') return v;
  switch (f.name) {
    case 'trace:id':
    case 'link:traceID':
      return { type: 'string', value: v.value.toLowerCase().replace(/^0+/, '') };
    case 'span:id':
    case 'span:parentID':
    case 'link:spanID':
      return { type: 'string', value: v.value.toLowerCase().replace(/^0+/, '').padStart(16, '0') };
    default:
      return v;
  }
}

function simplify(p: Pred): Pred {
  if (p.k !== 'and' && p.k !== 'or') return p;
  const xs: Pred[] = [];
  for (const x of p.xs.map(simplify)) {
    if (x.k === p.k) xs.push(...(x as { xs: readonly Pred[] }).xs);
    else if (x.k === (p.k === 'and' ? 'false' : 'true')) return x;
    else if (x.k !== (p.k === 'and' ? 'true' : 'false')) xs.push(x);
  }
  if (xs.length === 0) return p.k === 'and' ? T : F;
  return xs.length === 1 ? xs[0] : { k: p.k, xs };
}

/** A disjunction of atoms implied by the predicate, or undefined when it implies nothing. */
function toDisjunction(p: Pred): Condition[] | undefined {
  switch (p.k) {
    case 'true':
      return undefined;
    case 'false':
      return [];
    case 'atom':
      return [p.c];
    case 'or': {
      const out: Condition[] = [];
      for (const x of p.xs) {
        const d = toDisjunction(x);
        if (!d) return undefined;
        out.push(...d);
      }
      return out;
    }
    case 'and': {
      // and(x, y) implies x: use the child with the fewest atoms.
      let best: Condition[] | undefined;
      for (const x of p.xs) {
        const d = toDisjunction(x);
        if (d && (!best || d.length < best.length)) best = d;
      }
      return best;
    }
  }
}

function toConditions(p: Pred): { conditions: Condition[]; allConditions: boolean } {
  if (p.k === 'atom') return { conditions: [p.c], allConditions: true };
  if (p.k === 'and') {
    const atoms = p.xs.filter((x) => x.k === 'atom').map((x) => (x as { c: Condition }).c);
    if (atoms.length > 0) return { conditions: dedupe(atoms), allConditions: true };
  }
  const d = p.k === 'false' ? [] : toDisjunction(p);
  if (!d || d.length === 0) return { conditions: [], allConditions: true };
  return { conditions: dedupe(d), allConditions: d.length === 1 };
}

function dedupe(cs: Condition[]): Condition[] {
  const seen = new Set<string>();
  return cs.filter((c) => {
    const k = `${fieldKey(c.field)}\u0000${c.op}\u0000${c.operands.map(staticToString).join(',')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
