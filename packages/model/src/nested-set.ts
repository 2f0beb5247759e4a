// Nested-set numbering of a trace's span tree. With it, "is A an ancestor of B" is
// `A.left < B.left && B.right < A.right`, a range comparison that works on columns without
// rebuilding the tree (see docs/design/2026-11 Block format sb1.md).
import { idKey } from './ids.ts';
import type { Span } from './span.ts';

/** Nested-set numbers of one span; all zero for a span not connected to a root. */
export interface NestedSet {
  /** Pre-order number. */
  left: number;
  /** Post-order number; `left < right`. */
  right: number;
  /** `left` of the parent; -1 for a root; 0 when not connected. */
  parent: number;
}

/**
 * Numbers the spans of one trace. Roots are spans without a parent id; spans whose parent is
 * missing (and their subtrees) are not connected and get zeros. Returns one entry per input span,
 * in input order. Children are visited in start-time order so numbering is deterministic.
 */
export function computeNestedSets(spans: readonly Span[]): NestedSet[] {
  const n = spans.length;
  const out: NestedSet[] = Array.from({ length: n }, () => ({ left: 0, right: 0, parent: 0 }));
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(idKey(spans[i].spanId), i);
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = spans[i].parentSpanId;
    if (p.length === 0 || p.every((b) => b === 0)) {
      roots.push(i);
      continue;
    }
    const pi = index.get(idKey(p));
    if (pi !== undefined && pi !== i) children[pi].push(i);
  }
  const byStart = (a: number, b: number) => {
    const d = spans[a].startTimeUnixNano - spans[b].startTimeUnixNano;
    return d < 0n ? -1 : d > 0n ? 1 : a - b;
  };
  roots.sort(byStart);
  for (const c of children) c.sort(byStart);
  let counter = 1;
  const visited = new Uint8Array(n);
  // Iterative DFS: a trace may be deep enough to overflow the stack with recursion.
  for (const root of roots) {
    const stack: { i: number; next: number }[] = [{ i: root, next: 0 }];
    visited[root] = 1;
    out[root].left = counter++;
    out[root].parent = -1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const kids = children[top.i];
      if (top.next < kids.length) {
        const c = kids[top.next++];
        if (visited[c]) continue; // a cycle in bad data; never loop forever
        visited[c] = 1;
        out[c].left = counter++;
        out[c].parent = out[top.i].left;
        stack.push({ i: c, next: 0 });
      } else {
        out[top.i].right = counter++;
        stack.pop();
      }
    }
  }
  return out;
}
