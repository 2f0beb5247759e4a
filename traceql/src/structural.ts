// Structural operators by nested-set numbers, in O(n log n): `{L} op {R}` returns R spans that
// stand in the relation to some L span (`>>` descendant, `>` child, `<<` ancestor, `<` parent,
// `~` sibling); union forms (`&>>` ...) also return the L spans on the other end; negations
// (`!>>` ...) return the R spans for which no L span stands in the relation. Spans not connected
// to a root (numbers 0) stand in no relation, so negations keep them. Roots have parent -1, so
// several roots of one trace are siblings (as in Tempo).
import type { SpansetOp } from './ast.ts';

/** What the operators need of a span. */
export interface NodeSpan {
  /** Nested-set left; 0 when not connected. */
  readonly left: number;
  /** Nested-set right; 0 when not connected. */
  readonly right: number;
  /** Parent's left; -1 for a root; 0 when not connected. */
  readonly parent: number;
  /** Position in the trace, for output order. */
  readonly index: number;
}

function byLeft(a: NodeSpan, b: NodeSpan): number {
  return a.left - b.left;
}

/** Spans of X that have an ancestor in L. */
function withAncestorIn<T extends NodeSpan>(l: readonly NodeSpan[], x: readonly T[]): Set<T> {
  const out = new Set<T>();
  const ls = l.filter((s) => s.left > 0).sort(byLeft);
  const xs = x.filter((s) => s.left > 0).sort(byLeft);
  const stack: NodeSpan[] = [];
  let li = 0;
  for (const s of xs) {
    // Open every L interval that starts before s; nested sets are laminar, so the stack holds a chain.
    while (li < ls.length && ls[li].left < s.left) {
      const open = ls[li++];
      while (stack.length > 0 && stack[stack.length - 1].right < open.left) stack.pop();
      stack.push(open);
    }
    while (stack.length > 0 && stack[stack.length - 1].right < s.left) stack.pop();
    if (stack.length > 0) out.add(s);
  }
  return out;
}

/** Spans of X that have a descendant in L. */
function withDescendantIn<T extends NodeSpan>(l: readonly NodeSpan[], x: readonly T[]): Set<T> {
  const out = new Set<T>();
  const lefts = Int32Array.from(l.filter((s) => s.left > 0).map((s) => s.left)).sort();
  for (const s of x) {
    if (s.left === 0) continue;
    // First L left greater than s.left; it is a descendant when it starts before s ends.
    let lo = 0;
    let hi = lefts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lefts[mid] <= s.left) lo = mid + 1;
      else hi = mid;
    }
    if (lo < lefts.length && lefts[lo] < s.right) out.add(s);
  }
  return out;
}

/** Spans of X whose parent is in L. */
function withParentIn<T extends NodeSpan>(l: readonly NodeSpan[], x: readonly T[]): Set<T> {
  const lefts = new Set<number>();
  for (const s of l) if (s.left > 0) lefts.add(s.left);
  return new Set(x.filter((s) => s.parent > 0 && lefts.has(s.parent)));
}

/** Spans of X that are the parent of some span in L. */
function withChildIn<T extends NodeSpan>(l: readonly NodeSpan[], x: readonly T[]): Set<T> {
  const parents = new Set<number>();
  for (const s of l) if (s.parent > 0) parents.add(s.parent);
  return new Set(x.filter((s) => s.left > 0 && parents.has(s.left)));
}

/** Spans of X that have a sibling (another span with the same parent) in L. */
function withSiblingIn<T extends NodeSpan>(l: readonly NodeSpan[], x: readonly T[]): Set<T> {
  const counts = new Map<number, number>();
  const members = new Set<NodeSpan>(l);
  for (const s of l) if (s.parent !== 0) counts.set(s.parent, (counts.get(s.parent) ?? 0) + 1);
  return new Set(x.filter((s) => s.parent !== 0 && (counts.get(s.parent) ?? 0) - (members.has(s) ? 1 : 0) > 0));
}

type Relation = <T extends NodeSpan>(l: readonly NodeSpan[], x: readonly T[]) => Set<T>;

/** For each operator: the relation R spans are tested with, and the one L spans are (for unions). */
const RELATIONS: Record<string, [Relation, Relation]> = {
  '>>': [withAncestorIn, withDescendantIn],
  '<<': [withDescendantIn, withAncestorIn],
  '>': [withParentIn, withChildIn],
  '<': [withChildIn, withParentIn],
  '~': [withSiblingIn, withSiblingIn],
};

/** Applies a structural operator; returns matching spans ordered by index. */
export function structural<T extends NodeSpan>(op: SpansetOp, l: readonly T[], r: readonly T[]): T[] {
  let base: string = op;
  let mode: 'plain' | 'union' | 'not' = 'plain';
  if (op.startsWith('&')) {
    mode = 'union';
    base = op.slice(1);
  } else if (op.startsWith('!')) {
    mode = 'not';
    base = op.slice(1);
  }
  const rel = RELATIONS[base];
  if (!rel) throw new Error(`not a structural operator: ${op}`);
  const onRight = rel[0](l, r);
  let out: T[];
  if (mode === 'not') out = r.filter((s) => !onRight.has(s));
  else if (mode === 'plain') out = [...onRight];
  else {
    const all = new Set<T>(onRight);
    for (const s of rel[1](r, l)) all.add(s);
    out = [...all];
  }
  return out.sort((a, b) => a.index - b.index);
}
