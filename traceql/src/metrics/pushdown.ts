// When may a metrics pipeline take the column path? When its spanset stages are filters whose
// expressions are conjunctions of comparisons between one field and one literal: then the
// conditions handed to storage say exactly what the filters say (storage answers the column
// path exactly, see storage.ts), and the engine needs no span objects. Anything else (structural
// operators, by(), aggregates, arithmetic on fields, ||, negation, bare boolean attributes)
// goes through the evaluator.
import type { FieldExpr, Pipeline } from '../ast.ts';
import { nilCondition } from '../absence.ts';
import { normalizeOperand } from '../conditions.ts';
import type { CompareOp } from '../operators.ts';
import { negate } from '../operators.ts';
import type { Static } from '../static.ts';
import type { Condition, FieldRef } from '../storage.ts';

/** The exact conditions of a pipeline, or undefined when it has none that say all it says. */
export interface ExactConditions {
  /** Every one must hold; empty when every span matches. */
  readonly conditions: readonly Condition[];
  /** True when no span can match (`{ false }`). */
  readonly never: boolean;
}

const FLIP: Record<string, CompareOp> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' };
const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=', '=~', '!~']);

/** The exact conjunction a spanset pipeline stands for, or undefined when there is none. */
export function exactConditions(pipeline: Pipeline): ExactConditions | undefined {
  const out: Condition[] = [];
  let never = false;
  for (const stage of pipeline.stages) {
    if (stage.kind === 'select') continue;
    if (stage.kind !== 'spansetFilter') return undefined;
    if (stage.expr === null) continue;
    const atoms: FieldExpr[] = [];
    flattenAnd(stage.expr, atoms);
    for (const a of atoms) {
      if (a.kind === 'literal' && a.value.type === 'bool') {
        never ||= !a.value.value;
        continue;
      }
      const c = atomCondition(a);
      if (!c) return undefined;
      out.push(c);
    }
  }
  return { conditions: out, never };
}

function flattenAnd(e: FieldExpr, out: FieldExpr[]): void {
  if (e.kind === 'binary' && e.op === '&&') {
    flattenAnd(e.lhs, out);
    flattenAnd(e.rhs, out);
  } else out.push(e);
}

function fieldOf(e: FieldExpr): FieldRef | undefined {
  if (e.kind === 'attribute') return e.parent ? undefined : { kind: 'attribute', scope: e.scope, name: e.name };
  if (e.kind === 'intrinsic') return e.name === 'parent' ? undefined : { kind: 'intrinsic', name: e.name };
  return undefined;
}

/** A literal operand as the evaluator sees it (a negated number literal folds to its value). */
function literalOf(e: FieldExpr): Static | undefined {
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'literal') {
    const v = negate(e.operand.value);
    return v.type === 'nil' ? undefined : v;
  }
  return undefined;
}

function atomCondition(e: FieldExpr): Condition | undefined {
  if (e.kind !== 'binary' || !COMPARISONS.has(e.op)) return undefined;
  const lf = fieldOf(e.lhs);
  const rf = fieldOf(e.rhs);
  const lv = literalOf(e.lhs);
  const rv = literalOf(e.rhs);
  if (lf && rv !== undefined) return condition(lf, e.op as CompareOp, rv);
  // A regex needs its pattern on the right; `"x" =~ .a` never matches in the evaluator.
  if (rf && lv !== undefined && e.op !== '=~' && e.op !== '!~') return condition(rf, FLIP[e.op], lv);
  return undefined;
}

function condition(field: FieldRef, op: CompareOp, operand: Static): Condition | undefined {
  if (operand.type === 'nil') return op === '=' || op === '!=' ? { ...nilCondition(field, op), operands: [] } : undefined;
  if ((op === '=~' || op === '!~') && operand.type !== 'string') return undefined;
  return { field, op, operands: [normalizeOperand(field, operand)] };
}
