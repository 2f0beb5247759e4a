// A trace's row order and tree shape as the writer stores them: spans sorted by start time then
// span id, and nested-set numbers (see `computeNestedSets` in @spanbase/model, whose numbering
// this reproduces exactly) computed into typed arrays, finding parents by the low 32 bits of the
// span id instead of a hex string per span.
import type { Span, SpanRecord } from '@spanbase/model';
import { computeNestedSets, isAllZero } from '@spanbase/model';

/** Whether a span is a root (no parent id, or an all-zero one). */
export function isRoot(parent: Uint8Array): boolean {
  return parent.length === 0 || isAllZero(parent);
}

/** Sorts a trace's records by start time, then span id, so rows and nested sets are deterministic. */
export function sortTrace(records: SpanRecord[]): SpanRecord[] {
  return records.sort((a, b) => {
    const x = a.span.startTimeUnixNano;
    const y = b.span.startTimeUnixNano;
    if (x !== y) return x < y ? -1 : 1;
    const p = a.span.spanId;
    const q = b.span.spanId;
    for (let i = 0; i < p.length && i < q.length; i++) if (p[i] !== q[i]) return p[i] - q[i];
    return p.length - q.length;
  });
}

/** Nested-set numbers of one trace, one entry per span in input order. */
export interface NestedSets {
  /** Pre-order numbers. */
  left: Int32Array;
  /** Post-order numbers. */
  right: Int32Array;
  /** `left` of the parent; -1 for a root, 0 when not connected. */
  parent: Int32Array;
}

function low32(id: Uint8Array): number {
  const n = id.length;
  return n >= 4 ? (id[n - 4] | (id[n - 3] << 8) | (id[n - 2] << 16) | (id[n - 1] << 24)) : -1 - n;
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Nested sets of spans sorted by {@link sortTrace}. With that order, children lists built in
 * index order are already in (start, index) order, which is the order computeNestedSets visits.
 */
export function nestedSets(spans: readonly Span[]): NestedSets {
  const n = spans.length;
  const left = new Int32Array(n);
  const right = new Int32Array(n);
  const parent = new Int32Array(n);
  const lows = new Int32Array(n);
  for (let i = 0; i < n; i++) lows[i] = low32(spans[i].spanId);
  // Index of the span with a given id (the last one when ids repeat, as computeNestedSets keeps).
  let find: (id: Uint8Array) => number;
  if (n <= 32) {
    find = (id) => {
      const k = low32(id);
      for (let j = n - 1; j >= 0; j--) if (lows[j] === k && sameId(spans[j].spanId, id)) return j;
      return -1;
    };
  } else {
    const byLow = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const j = byLow.get(lows[i]);
      // Two distinct ids sharing their low bits: rare enough to hand to the general version.
      if (j !== undefined && !sameId(spans[j].spanId, spans[i].spanId)) return fromModel(spans);
      byLow.set(lows[i], i);
    }
    find = (id) => {
      const j = byLow.get(low32(id));
      return j !== undefined && sameId(spans[j].spanId, id) ? j : -1;
    };
  }
  const firstChild = new Int32Array(n).fill(-1);
  const lastChild = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = spans[i].parentSpanId;
    if (isRoot(p)) {
      roots.push(i);
      continue;
    }
    const pi = find(p);
    if (pi < 0 || pi === i) continue;
    if (lastChild[pi] < 0) firstChild[pi] = i;
    else next[lastChild[pi]] = i;
    lastChild[pi] = i;
  }
  let counter = 1;
  const visited = new Uint8Array(n);
  const stack = new Int32Array(n);
  const cursor = new Int32Array(n);
  for (const root of roots) {
    let top = 0;
    stack[0] = root;
    cursor[0] = firstChild[root];
    visited[root] = 1;
    left[root] = counter++;
    parent[root] = -1;
    while (top >= 0) {
      const node = stack[top];
      const c = cursor[top];
      if (c >= 0) {
        cursor[top] = next[c];
        if (visited[c]) continue;
        visited[c] = 1;
        left[c] = counter++;
        parent[c] = left[node];
        stack[++top] = c;
        cursor[top] = firstChild[c];
      } else {
        right[node] = counter++;
        top--;
      }
    }
  }
  return { left, right, parent };
}

function fromModel(spans: readonly Span[]): NestedSets {
  const sets = computeNestedSets(spans);
  return {
    left: Int32Array.from(sets, (s) => s.left),
    right: Int32Array.from(sets, (s) => s.right),
    parent: Int32Array.from(sets, (s) => s.parent),
  };
}
