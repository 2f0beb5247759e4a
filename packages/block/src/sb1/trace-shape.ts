// A trace's row order and tree shape as the writer stores them: spans sorted by start time then
// span id, and nested-set numbers (see `computeNestedSets` in @spanbase/model, whose numbering
// this reproduces exactly) computed into typed arrays from flat ids, finding parents by the low
// 32 bits of the span id instead of a hex string per span.
import type { Span, SpanRecord } from '@spanbase/model';
import { isAllZero } from '@spanbase/model';

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

/**
 * The ids of a trace's spans, flat: span i's id is `spanIds[8i, 8i + 8)`, its parent's
 * `parentIds[8i, 8i + 8)` when `parentKind[i]` is {@link PARENT_ID}.
 */
export interface TraceIds {
  /** Spans. */
  n: number;
  /** 8 bytes per span. */
  spanIds: Uint8Array;
  /** 8 bytes per span (meaningful for PARENT_ID only). */
  parentIds: Uint8Array;
  /** {@link PARENT_ROOT}, {@link PARENT_ID} or {@link PARENT_OTHER} per span. */
  parentKind: Uint8Array;
}

/** No parent id, or an all-zero one. */
export const PARENT_ROOT = 0;
/** An 8-byte parent id. */
export const PARENT_ID = 1;
/** A parent id of another length: it cannot name a span of the trace. */
export const PARENT_OTHER = 2;

/** The parent kind of a parent id. */
export function parentKindOf(parent: Uint8Array, from = 0, to = parent.length): number {
  let zero = true;
  for (let i = from; i < to && zero; i++) zero = parent[i] === 0;
  return zero ? PARENT_ROOT : to - from === 8 ? PARENT_ID : PARENT_OTHER;
}

/** Flat ids of spans (8-byte span ids, as the writer requires). */
export function traceIdsOf(spans: readonly Span[]): TraceIds {
  return traceIdsFrom(spans.map((s) => s.spanId), spans.map((s) => s.parentSpanId), 0, spans.length);
}

/** The ids of the spans in rows [from, to) of span id and parent id columns. */
export function traceIdsFrom(spanIds: readonly Uint8Array[], parentIds: readonly Uint8Array[], from: number, to: number): TraceIds {
  const n = to - from;
  const ids: TraceIds = { n, spanIds: new Uint8Array(8 * n), parentIds: new Uint8Array(8 * n), parentKind: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const p = parentIds[from + i];
    ids.spanIds.set(spanIds[from + i], 8 * i);
    ids.parentKind[i] = parentKindOf(p);
    if (ids.parentKind[i] === PARENT_ID) ids.parentIds.set(p, 8 * i);
  }
  return ids;
}

/** The low 32 bits of the 8-byte id at b[at]. */
export function low32(b: Uint8Array, at: number): number {
  return b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24);
}

/** Whether the 8-byte ids at a[at] and b[bt] are equal. */
export function same8(a: Uint8Array, at: number, b: Uint8Array, bt: number): boolean {
  for (let k = 0; k < 8; k++) if (a[at + k] !== b[bt + k]) return false;
  return true;
}

/** Scratch arrays for {@link nestedSets}, grown as needed and reused trace after trace. */
export class NestedWorkspace {
  private cap = 0;
  private buf = new Int32Array(0);
  /**
   * The views made so far, by `n` (and `k`): trace sizes repeat, and ten new views per trace
   * were a visible share of writing rows.
   */
  private views = new Map<number, Int32Array[]>();

  /** Views of `k` arrays of n entries each (the same views for the same n and k until the workspace grows). */
  arrays(n: number, k: number): Int32Array[] {
    if (n > this.cap || this.buf.length < this.cap * k) {
      this.cap = Math.max(n, 2 * this.cap, 64);
      this.buf = new Int32Array(this.cap * k);
      this.views = new Map();
    }
    const key = n * 64 + k;
    let v = this.views.get(key);
    if (!v) {
      if (this.views.size >= MAX_VIEW_SETS) this.views.clear();
      v = Array.from({ length: k }, (_, j) => this.buf.subarray(j * this.cap, j * this.cap + n));
      this.views.set(key, v);
    }
    return v;
  }
}

/** View sets a workspace keeps before it starts over. */
const MAX_VIEW_SETS = 1024;

const WORK = new NestedWorkspace();

/**
 * Nested sets of spans sorted by {@link sortTrace} (or the same order). With that order, children
 * lists built in index order are already in (start, index) order, the order computeNestedSets
 * visits; a parent id names the last span with that id, as there. The result is valid until the
 * next call.
 */
export function nestedSets(t: TraceIds): NestedSets {
  const { n, spanIds, parentIds, parentKind } = t;
  const [left, right, parent, lows, sameLow, firstChild, lastChild, next, stack, cursor] = WORK.arrays(n, 10);
  left.fill(0);
  right.fill(0);
  parent.fill(0);
  sameLow.fill(-1);
  firstChild.fill(-1);
  lastChild.fill(-1);
  next.fill(-1);
  // Spans by the low 32 bits of their id; `sameLow` chains earlier spans with the same bits.
  const byLow = n > 32 ? new Map<number, number>() : undefined;
  for (let i = 0; i < n; i++) {
    lows[i] = low32(spanIds, 8 * i);
    if (byLow) {
      sameLow[i] = byLow.get(lows[i]) ?? -1;
      byLow.set(lows[i], i);
    }
  }
  const find = (at: number): number => {
    const k = low32(parentIds, at);
    if (byLow) {
      for (let j = byLow.get(k) ?? -1; j >= 0; j = sameLow[j]) if (same8(spanIds, 8 * j, parentIds, at)) return j;
      return -1;
    }
    for (let j = n - 1; j >= 0; j--) if (lows[j] === k && same8(spanIds, 8 * j, parentIds, at)) return j;
    return -1;
  };
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    if (parentKind[i] === PARENT_ROOT) {
      roots.push(i);
      continue;
    }
    if (parentKind[i] !== PARENT_ID) continue;
    const pi = find(8 * i);
    if (pi < 0 || pi === i) continue;
    if (lastChild[pi] < 0) firstChild[pi] = i;
    else next[lastChild[pi]] = i;
    lastChild[pi] = i;
  }
  let counter = 1;
  // A span is visited once it has a left number (numbers start at 1).
  const visited = left;
  for (const root of roots) {
    let top = 0;
    stack[0] = root;
    cursor[0] = firstChild[root];
    left[root] = counter++;
    parent[root] = -1;
    while (top >= 0) {
      const node = stack[top];
      const c = cursor[top];
      if (c >= 0) {
        cursor[top] = next[c];
        if (visited[c] !== 0) continue;
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
