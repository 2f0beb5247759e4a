// The `dependencies` object: the service dependency graph of a block's traces, edges bucketed
// per minute of span start, so a range query sums a few small rows per block instead of reading
// spans. Each edge counts calls, errors and a fixed-bucket histogram of durations (cheap
// quantiles that add up across blocks). Edges are computed per trace as the trace is written
// (row-group-deps.ts for blocks, addTraceRecords for live traces): a trace is whole in an
// ingester block, and compaction recomputes the graph from the merged traces it writes.
// Stored as zstd-compressed JSON; see docs/block-format.md ("dependencies") and
// docs/design/2026-12 Dependency graph.md.
import type { KeyValue, SpanRecord } from '@spanbase/model';

/** Width of a time bucket, seconds: a query range is answered to the minute. */
export const DEPENDENCY_BUCKET_SECONDS = 60;

/** Upper bounds (ms, inclusive) of the duration histogram; one more bucket holds the rest. */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

const SPAN_CLIENT = 3;
const SPAN_PRODUCER = 4;

/** What identifies an edge. */
export interface DependencyEdgeKey {
  /** Service of the calling span. */
  parent: string;
  /** Service of the called span, or the remote name (`peer.service`, `server.address`, `net.peer.name`) when `remote`. */
  child: string;
  /** OTLP kind of the calling span (3 client, 4 producer, ...). */
  parentKind: number;
  /** OTLP kind of the called span; 0 when `remote` (nothing of it was recorded). */
  childKind: number;
  /** True for a call to a service that sent no spans of its own for it. */
  remote: boolean;
}

/** An edge with its counts. */
export interface DependencyEdge extends DependencyEdgeKey {
  /** Calls: called spans (for remote edges, the calling spans). */
  calls: number;
  /** Calls whose called span (remote: calling span) has status error. */
  errors: number;
  /** Call durations per {@link LATENCY_BOUNDS_MS} bucket (length bounds + 1). */
  latency: number[];
}

/** The stored object. */
export interface DependencySummary {
  /** Layout version (1). */
  version: 1;
  /** Width of the time buckets, seconds. */
  bucketSeconds: number;
  /** Histogram bounds the rows use, ms. */
  latencyBoundsMs: number[];
  /** Edge keys: [parent, child, parentKind, childKind, remote (0|1)]; rows name them by index. */
  edges: [string, string, number, number, number][];
  /** Start of the first and of the last bucket, unix seconds (0 and 0 when there are no edges). */
  from: number;
  to: number;
  /**
   * Per edge (same index), over the whole block: [calls, errors, then (latency bucket, count)
   * pairs for the histogram buckets that are not empty] (most calls of an edge fall in a few).
   */
  totals: number[][];
  /** Per bucket, ascending: [bucket start (unix s), rows of [edge, calls, errors, ...pairs as in totals]]. */
  buckets: [number, number[][]][];
  /** Calls not counted because the summary already had MAX_EDGES_PER_SUMMARY edges (absent when none). */
  droppedCalls?: number;
}

/** A time range in unix seconds; 0 leaves that end open. A bucket is in it when its start is. */
export interface DependencyRange {
  start: number;
  end: number;
}

function keyText(parent: string, child: string, pk: number, ck: number, remote: boolean): string {
  return `${parent}\u0000${child}\u0000${pk}\u0000${ck}\u0000${remote ? 1 : 0}`;
}

/** Histogram bucket of a duration in ms. */
export function latencyBucket(ms: number): number {
  let i = 0;
  while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]) i++;
  return i;
}

function emptyRow(): number[] {
  return new Array<number>(2 + LATENCY_BOUNDS_MS.length + 1).fill(0);
}

/** A dense row [calls, errors, ...latency] as stored: latency as (bucket, count) pairs of the non-empty buckets. */
function sparse(dense: readonly number[]): number[] {
  const out = [dense[0], dense[1]];
  for (let i = 2; i < dense.length; i++) if (dense[i] !== 0) out.push(i - 2, dense[i]);
  return out;
}

/** Adds a stored row (from index `at`: calls, errors, pairs) to a dense row. */
function addStored(dense: number[], row: readonly number[], at: number): void {
  dense[0] += row[at];
  dense[1] += row[at + 1];
  for (let i = at + 2; i + 1 < row.length; i += 2) dense[2 + row[i]] += row[i + 1];
}

/** Edges a summary keeps at most; calls of further edges are counted in `droppedCalls` only. */
export const MAX_EDGES_PER_SUMMARY = 10_000;

const TWO18 = 2 ** 18;
const TWO26 = 2 ** 26;

/** Accumulates a block's (or live data's) dependency summary. */
export class DependencyBuilder {
  private readonly names = new Map<string, number>();
  private readonly nameList: string[] = [];
  private readonly index = new Map<number | string, number>();
  private readonly keys: [string, string, number, number, number][] = [];
  private readonly totals: number[][] = [];
  private readonly buckets = new Map<number, Map<number, number[]>>();
  private lastT = NaN;
  private lastBucket: Map<number, number[]> | undefined;
  private droppedCalls = 0;

  /** This builder's id of a service or remote name (edges are keyed by ids, not by strings). */
  nameId(name: string): number {
    let id = this.names.get(name);
    if (id === undefined) {
      id = this.nameList.length;
      this.names.set(name, id);
      this.nameList.push(name);
    }
    return id;
  }

  /** The edge's index, made on first use; -1 when the summary is full. */
  private edgeOf(p: number, c: number, pk: number, ck: number, remote: boolean): number {
    // One number for the usual sizes (no string per call); kinds are 0..5.
    const k = p < TWO26 && c < TWO18 && pk >= 0 && pk < 16 && ck >= 0 && ck < 8 ? ((p * TWO18 + c) * 16 + pk) * 16 + ck * 2 + (remote ? 1 : 0) : `${p},${c},${pk},${ck},${remote}`;
    let e = this.index.get(k);
    if (e === undefined) {
      if (this.keys.length >= MAX_EDGES_PER_SUMMARY) return -1;
      e = this.keys.length;
      this.index.set(k, e);
      this.keys.push([this.nameList[p], this.nameList[c], pk, ck, remote ? 1 : 0]);
      this.totals.push(emptyRow());
    }
    return e;
  }

  private bucket(t: number): Map<number, number[]> {
    if (t === this.lastT) return this.lastBucket!;
    let bucket = this.buckets.get(t);
    if (!bucket) this.buckets.set(t, (bucket = new Map()));
    this.lastT = t;
    this.lastBucket = bucket;
    return bucket;
  }

  /** Counts one call between names given by {@link nameId}, starting at `startSec` (unix s), that took `durationMs`. */
  addIds(parent: number, child: number, parentKind: number, childKind: number, remote: boolean, startSec: number, durationMs: number, error: boolean): void {
    const e = this.edgeOf(parent, child, parentKind, childKind, remote);
    if (e < 0) {
      this.droppedCalls++;
      return;
    }
    const bucket = this.bucket(Math.floor(startSec / DEPENDENCY_BUCKET_SECONDS) * DEPENDENCY_BUCKET_SECONDS);
    let row = bucket.get(e);
    if (!row) bucket.set(e, (row = emptyRow()));
    const h = 2 + latencyBucket(durationMs);
    const total = this.totals[e];
    row[0]++;
    total[0]++;
    if (error) {
      row[1]++;
      total[1]++;
    }
    row[h]++;
    total[h]++;
  }

  /** {@link addIds} by names. */
  add(parent: string, child: string, parentKind: number, childKind: number, remote: boolean, startSec: number, durationMs: number, error: boolean): void {
    this.addIds(this.nameId(parent), this.nameId(child), parentKind, childKind, remote, startSec, durationMs, error);
  }

  /** Adds a stored summary's edges (all of its buckets). */
  addSummary(s: DependencySummary): void {
    const ids = s.edges.map(([p, c, pk, ck, remote]) => this.edgeOf(this.nameId(p), this.nameId(c), pk, ck, remote === 1));
    for (const [t, rows] of s.buckets) {
      const bucket = this.bucket(t);
      for (const row of rows) {
        const e = ids[row[0]];
        if (e < 0) {
          this.droppedCalls += row[1];
          continue;
        }
        let mine = bucket.get(e);
        if (!mine) bucket.set(e, (mine = emptyRow()));
        addStored(mine, row, 1);
        addStored(this.totals[e], row, 1);
      }
    }
    this.droppedCalls += s.droppedCalls ?? 0;
  }

  /** Counts the edges of one trace given as span records (live data, tests). */
  addTraceRecords(records: readonly SpanRecord[]): void {
    const n = records.length;
    const byId = new Map<string, number>();
    const idKey = (id: Uint8Array) => String.fromCharCode(...id);
    for (let i = 0; i < n; i++) byId.set(idKey(records[i].span.spanId), i);
    const t: SpanTable = { service: new Int32Array(n), kind: new Int32Array(n), status: new Int32Array(n), parent: new Int32Array(n), startSec: (i) => Number(records[i].span.startTimeUnixNano) / 1e9, durationMs: (i) => Number(records[i].span.endTimeUnixNano - records[i].span.startTimeUnixNano) / 1e6, remoteName: (i) => remoteNameOf(records[i].span.attributes) };
    for (let i = 0; i < n; i++) {
      const r = records[i];
      const a = r.resource.attributes.find((x) => x.key === 'service.name');
      t.service[i] = a?.value.type === 'string' ? this.nameId(a.value.value) : -1;
      t.kind[i] = r.span.kind;
      t.status[i] = r.span.status.code;
      const p = r.span.parentSpanId;
      const j = p.length === 0 ? undefined : byId.get(idKey(p));
      t.parent[i] = j === undefined || j === i ? -1 : j;
    }
    addTraceEdges(this, t, 0, n);
  }

  /** The summary so far. */
  summary(): DependencySummary {
    const times = [...this.buckets.keys()].sort((a, b) => a - b);
    const out: DependencySummary = {
      version: 1,
      bucketSeconds: DEPENDENCY_BUCKET_SECONDS,
      latencyBoundsMs: [...LATENCY_BOUNDS_MS],
      edges: this.keys.map((k) => [...k]),
      from: times[0] ?? 0,
      to: times[times.length - 1] ?? 0,
      totals: this.totals.map(sparse),
      buckets: times.map((t) => [t, [...this.buckets.get(t)!].sort((a, b) => a[0] - b[0]).map(([e, r]) => [e, ...sparse(r)])]),
    };
    if (this.droppedCalls > 0) out.droppedCalls = this.droppedCalls;
    return out;
  }
}

/** Span attributes that name the service a client or producer span calls, most specific first. */
export const REMOTE_KEYS = ['peer.service', 'server.address', 'net.peer.name'] as const;

function remoteNameOf(attrs: readonly KeyValue[]): string | undefined {
  for (const key of REMOTE_KEYS) {
    const a = attrs.find((x) => x.key === key);
    if (a?.value.type === 'string' && a.value.value !== '') return a.value.value;
  }
  return undefined;
}

/**
 * Spans as the edge computation reads them, by index: a row group's rows (a trace is a run of
 * them), or one trace's records. Arrays are indexed like the spans; names are ids of the builder.
 */
export interface SpanTable {
  /** Name id of the span's `service.name`, -1 for none. */
  service: Int32Array;
  /** OTLP span kind. */
  kind: Int32Array;
  /** OTLP status code (2: error). */
  status: Int32Array;
  /** Index of the parent span (in the same trace), -1 for none (a root, or a parent not in the trace). */
  parent: Int32Array;
  /** Start, unix seconds (asked for spans that make an edge). */
  startSec(i: number): number;
  /** Duration, ms (likewise). */
  durationMs(i: number): number;
  /** The first of {@link REMOTE_KEYS} the span carries as a non-empty string (asked for client and producer spans only). */
  remoteName(i: number): string | undefined;
}

/** Marks of spans with a child in another service, reused trace after trace. */
let foreign = new Uint8Array(256);

/**
 * Counts the edges of the trace at [from, to) of `t`: each span whose parent is in another service
 * is one call parent → child; each client or producer span with no child in another service is a
 * call to the remote service its attributes name, if any. A span whose parent is not in the trace
 * adds no edge.
 */
export function addTraceEdges(b: DependencyBuilder, t: SpanTable, from: number, to: number): void {
  if (foreign.length < to - from) foreign = new Uint8Array(2 * (to - from));
  foreign.fill(0, 0, to - from);
  for (let i = from; i < to; i++) {
    const p = t.parent[i];
    if (p < 0) continue;
    const ps = t.service[p];
    const cs = t.service[i];
    if (ps < 0 || cs < 0 || ps === cs) continue;
    foreign[p - from] = 1;
    b.addIds(ps, cs, t.kind[p], t.kind[i], false, t.startSec(i), t.durationMs(i), t.status[i] === 2);
  }
  for (let i = from; i < to; i++) {
    const k = t.kind[i];
    if ((k !== SPAN_CLIENT && k !== SPAN_PRODUCER) || foreign[i - from] || t.service[i] < 0) continue;
    const remote = t.remoteName(i);
    if (remote !== undefined) b.addIds(t.service[i], b.nameId(remote), k, 0, true, t.startSec(i), t.durationMs(i), t.status[i] === 2);
  }
}

/** One summary holding the edges of all of `summaries` (bucket by bucket). */
export function mergeDependencySummaries(summaries: readonly DependencySummary[]): DependencySummary {
  const b = new DependencyBuilder();
  for (const s of summaries) b.addSummary(s);
  return b.summary();
}

/** Checks the shape of a parsed summary (throws on anything else). */
export function checkDependencySummary(s: unknown): DependencySummary {
  const d = s as DependencySummary;
  if (typeof d !== 'object' || d === null || d.version !== 1 || !Array.isArray(d.edges) || !Array.isArray(d.totals) || !Array.isArray(d.buckets) || d.totals.length !== d.edges.length) throw new Error('unexpected shape');
  if (d.latencyBoundsMs.length !== LATENCY_BOUNDS_MS.length || d.latencyBoundsMs.some((b, i) => b !== LATENCY_BOUNDS_MS[i])) throw new Error('unexpected latency bounds');
  // Rows index edges and histogram buckets: a bad index would count into nothing, or throw later.
  const pairsOk = (row: unknown, at: number) => Array.isArray(row) && row.length >= at + 2 && (row.length - at) % 2 === 0 && row.every((x, i) => Number.isInteger(x) && x >= 0 && (i < at + 2 || (i - at) % 2 === 1 || x <= LATENCY_BOUNDS_MS.length));
  if (!d.totals.every((r) => pairsOk(r, 0))) throw new Error('bad totals row');
  for (const b of d.buckets) {
    if (!Array.isArray(b) || !Number.isInteger(b[0]) || !Array.isArray(b[1])) throw new Error('bad bucket');
    for (const r of b[1]) if (!pairsOk(r, 1) || r[0] >= d.edges.length) throw new Error('bad bucket row');
  }
  return d;
}

/** Edges added up over summaries (restricted to a range) and other partial graphs. */
export class DependencyGraph {
  private readonly byKey = new Map<string, DependencyEdge>();

  private edge(parent: string, child: string, pk: number, ck: number, remote: boolean): DependencyEdge {
    const k = keyText(parent, child, pk, ck, remote);
    let e = this.byKey.get(k);
    if (!e) this.byKey.set(k, (e = { parent, child, parentKind: pk, childKind: ck, remote, calls: 0, errors: 0, latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) }));
    return e;
  }

  private addRow(key: DependencySummary['edges'][number], row: readonly number[], at: number): void {
    const e = this.edge(key[0], key[1], key[2], key[3], key[4] === 1);
    e.calls += row[at];
    e.errors += row[at + 1];
    for (let i = at + 2; i + 1 < row.length; i += 2) e.latency[row[i]] += row[i + 1];
  }

  /**
   * Adds the buckets of `s` that start in `range`: the block's totals when every bucket does
   * (most blocks of a long range), else bucket by bucket.
   */
  addSummary(s: DependencySummary, range: DependencyRange): void {
    if (s.edges.length === 0) return;
    const inRange = (t: number) => (range.start === 0 || t >= range.start) && (range.end === 0 || t < range.end);
    if (inRange(s.from) && inRange(s.to)) {
      for (let e = 0; e < s.edges.length; e++) this.addRow(s.edges[e], s.totals[e], 0);
      return;
    }
    for (const [t, rows] of s.buckets) {
      if (!inRange(t)) continue;
      for (const row of rows) this.addRow(s.edges[row[0]], row, 1);
    }
  }

  /** Adds edges of another partial graph. */
  addEdges(edges: readonly DependencyEdge[]): void {
    for (const x of edges) {
      const e = this.edge(x.parent, x.child, x.parentKind, x.childKind, x.remote);
      e.calls += x.calls;
      e.errors += x.errors;
      for (let i = 0; i < e.latency.length; i++) e.latency[i] += x.latency[i] ?? 0;
    }
  }

  /** The edges, by parent, child, then kinds. */
  edges(): DependencyEdge[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.byKey.values()].sort((a, b) => cmp(a.parent, b.parent) || cmp(a.child, b.child) || Number(a.remote) - Number(b.remote) || a.parentKind - b.parentKind || a.childKind - b.childKind);
  }
}
