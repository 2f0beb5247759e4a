// The sweep/lookup implementations of structural operators against their definitions, checked
// pairwise (O(n²)) on random forests with unconnected spans.
import { describe, expect, it } from 'vitest';
import type { SpansetOp } from './ast.ts';
import type { NodeSpan } from './structural.ts';
import { structural } from './structural.ts';

function randomForest(n: number, seed: number): NodeSpan[] {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const parentOf = Array.from({ length: n }, (_, i) => (i === 0 || rand() < 0.1 ? -1 : Math.floor(rand() * i)));
  const children: number[][] = Array.from({ length: n }, () => []);
  parentOf.forEach((p, i) => p >= 0 && children[p].push(i));
  const out: { left: number; right: number; parent: number; index: number }[] = Array.from({ length: n }, (_, i) => ({ left: 0, right: 0, parent: 0, index: i }));
  let counter = 1;
  const visit = (i: number, parentLeft: number) => {
    out[i].left = counter++;
    out[i].parent = parentLeft;
    for (const c of children[i]) visit(c, out[i].left);
    out[i].right = counter++;
  };
  // Roots flagged 'unconnected' keep zeros, like spans whose parent never arrived.
  parentOf.forEach((p, i) => {
    if (p === -1 && (i === 0 || rand() < 0.7)) visit(i, -1);
  });
  return out;
}

const isAnc = (a: NodeSpan, d: NodeSpan) => a.left > 0 && d.left > 0 && a.left < d.left && d.right < a.right;
const isParent = (p: NodeSpan, c: NodeSpan) => p.left > 0 && c.parent > 0 && c.parent === p.left;
const isSibling = (a: NodeSpan, b: NodeSpan) => a !== b && a.parent !== 0 && a.parent === b.parent;

const DEFS: Record<string, (l: NodeSpan, r: NodeSpan) => boolean> = {
  '>>': (l, r) => isAnc(l, r),
  '<<': (l, r) => isAnc(r, l),
  '>': (l, r) => isParent(l, r),
  '<': (l, r) => isParent(r, l),
  '~': (l, r) => isSibling(l, r),
};

function naive(op: SpansetOp, l: NodeSpan[], r: NodeSpan[]): number[] {
  const base = op.replace(/^[&!]/, '');
  const rel = DEFS[base];
  const out = new Set<number>();
  const negated = op.startsWith('!');
  for (const s of r) if (l.some((x) => rel(x, s)) !== negated) out.add(s.index);
  if (op.startsWith('&')) for (const s of l) if (r.some((x) => rel(s, x))) out.add(s.index);
  return [...out].sort((a, b) => a - b);
}

const OPS: SpansetOp[] = ['>', '>>', '<', '<<', '~', '&>', '&>>', '&<', '&<<', '&~', '!>', '!>>', '!<', '!<<', '!~'];

describe('structural operators', () => {
  it.each(OPS)('%s matches its definition on random forests', (op) => {
    for (let seed = 1; seed <= 40; seed++) {
      const spans = randomForest(60, seed * 7919);
      const pick = (k: number) => spans.filter((s) => (s.index * (seed + k)) % 3 === 0);
      const l = pick(1);
      const r = seed % 5 === 0 ? spans : pick(2);
      expect(structural(op, l, r).map((s) => s.index), `seed ${seed}`).toEqual(naive(op, l, r));
    }
  });

  it('handles a deep chain of 10k spans', () => {
    const n = 10_000;
    const chain: NodeSpan[] = Array.from({ length: n }, (_, i) => ({ left: i + 1, right: 2 * n - i, parent: i === 0 ? -1 : i, index: i }));
    expect(structural('>>', chain, chain)).toHaveLength(n - 1);
    expect(structural('&<<', chain, chain)).toHaveLength(n);
    expect(structural('!>', chain, chain)).toHaveLength(1);
  });
});
