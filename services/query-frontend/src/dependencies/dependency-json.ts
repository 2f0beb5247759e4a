// The dependency graph as each API shows it, and each API's range parameters.
//   Spanbase  GET /api/spanbase/dependencies?start=&end=   (unix seconds)  edges with span kinds,
//             remote services, calls, errors and latency quantiles.
//   Jaeger    GET /api/dependencies?endTs=&lookback=[&service=]  (ms)  {"data":[{"parent","child","callCount"}],
//             "total":0,"limit":0,"offset":0,"errors":null}: links between instrumented services, as
//             Jaeger's query service answers (its structuredResponse and ui.DependencyLink).
//   Zipkin    GET /api/v2/dependencies?endTs=&lookback=  (ms)  [{"parent","child","callCount","errorCount"}]
//             as Zipkin's DependencyLink JSON (errorCount left out when 0), links to services that
//             sent no spans of their own included, as Zipkin's linker makes them from client spans.
// Quantiles come from the edges' fixed-bucket histograms: linear within the bucket that holds
// them, the last bounded bucket's bound for calls beyond it.
import type { DependencyEdge, DependencyRange } from '@spanbase/block';
import { LATENCY_BOUNDS_MS } from '@spanbase/block';
import { BadRequest } from '../errors.ts';

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Jaeger's default dependencies lookback (its query service uses 24 h). */
export const JAEGER_DEFAULT_LOOKBACK_MS = 24 * 3600 * 1000;

/** One edge of the Spanbase answer: a caller and callee with every span-kind pair added up. */
export interface SpanbaseEdgeJson {
  parent: string;
  child: string;
  /** True when the child sent no spans for these calls (named by `peer.service`, `server.address` or `net.peer.name`). */
  remote: boolean;
  calls: number;
  errors: number;
  /** Call duration quantiles, ms (estimated from a histogram). */
  latencyMs: { p50: number; p90: number; p99: number };
  /** The calls by span kinds of caller and callee. */
  spanKinds: { parent: string; child: string; calls: number; errors: number }[];
}

/** The Spanbase answer. */
export interface SpanbaseDependenciesJson {
  /** The range answered, unix seconds (to the minute: a minute counts when it starts in the range). */
  start: number;
  end: number;
  /** Services that sent spans and appear in an edge. */
  services: string[];
  /** Services only named by callers. */
  remoteServices: string[];
  edges: SpanbaseEdgeJson[];
  status: 'COMPLETE' | 'PARTIAL';
  message?: string;
}

/** The `q` quantile (0..1) of a latency histogram, ms. */
export function histogramQuantile(latency: readonly number[], q: number): number {
  const total = latency.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < latency.length; i++) {
    if (latency[i] === 0 || seen + latency[i] < rank) {
      seen += latency[i];
      continue;
    }
    if (i >= LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
    const lo = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
    const hi = LATENCY_BOUNDS_MS[i];
    return Math.round((lo + ((hi - lo) * (rank - seen)) / latency[i]) * 1000) / 1000;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

const kindName = (k: number) => KIND_NAMES[k] ?? String(k);

/** Edges by (parent, child, remote), span kinds and histograms added up. */
function byPair(edges: readonly DependencyEdge[]): { key: DependencyEdge; kinds: DependencyEdge[] }[] {
  const out = new Map<string, { key: DependencyEdge; kinds: DependencyEdge[] }>();
  for (const e of edges) {
    const k = `${e.parent}\u0000${e.child}\u0000${e.remote ? 1 : 0}`;
    let p = out.get(k);
    if (!p) out.set(k, (p = { key: { ...e, calls: 0, errors: 0, latency: e.latency.map(() => 0) }, kinds: [] }));
    p.key.calls += e.calls;
    p.key.errors += e.errors;
    e.latency.forEach((n, i) => (p.key.latency[i] += n));
    p.kinds.push(e);
  }
  return [...out.values()];
}

/** The Spanbase answer for `edges` (sorted by parent, child: DependencyGraph.edges order). */
export function spanbaseDependencies(edges: readonly DependencyEdge[], range: DependencyRange, failures: readonly { source: string; error: Error }[] = []): SpanbaseDependenciesJson {
  const pairs = byPair(edges);
  const services = new Set<string>();
  const remote = new Set<string>();
  for (const { key } of pairs) {
    services.add(key.parent);
    if (!key.remote) services.add(key.child);
  }
  for (const { key } of pairs) if (key.remote && !services.has(key.child)) remote.add(key.child);
  const out: SpanbaseDependenciesJson = {
    start: range.start,
    end: range.end,
    services: [...services].sort(),
    remoteServices: [...remote].sort(),
    edges: pairs.map(({ key, kinds }) => ({
      parent: key.parent,
      child: key.child,
      remote: key.remote,
      calls: key.calls,
      errors: key.errors,
      latencyMs: { p50: histogramQuantile(key.latency, 0.5), p90: histogramQuantile(key.latency, 0.9), p99: histogramQuantile(key.latency, 0.99) },
      spanKinds: kinds.map((e) => ({ parent: kindName(e.parentKind), child: kindName(e.childKind), calls: e.calls, errors: e.errors })),
    })),
    status: failures.length > 0 ? 'PARTIAL' : 'COMPLETE',
  };
  if (failures.length > 0) out.message = `some sources could not be read, their edges are missing: ${failures.map((f) => `${f.source} (${f.error.message})`).join('; ')}`;
  return out;
}

/** Jaeger's answer: links between instrumented services, optionally those touching `service`. */
export function jaegerDependencies(edges: readonly DependencyEdge[], service?: string): { data: { parent: string; child: string; callCount: number }[]; total: number; limit: number; offset: number; errors: null } {
  const data = byPair(edges.filter((e) => !e.remote))
    .map(({ key }) => ({ parent: key.parent, child: key.child, callCount: key.calls }))
    .filter((l) => !service || l.parent === service || l.child === service);
  return { data, total: 0, limit: 0, offset: 0, errors: null };
}

/** Zipkin's answer: every link, remote services included; errorCount only when some calls failed. */
export function zipkinDependencies(edges: readonly DependencyEdge[]): { parent: string; child: string; callCount: number; errorCount?: number }[] {
  const links = new Map<string, { parent: string; child: string; callCount: number; errorCount?: number }>();
  for (const { key } of byPair(edges)) {
    const k = `${key.parent}\u0000${key.child}`;
    const l = links.get(k) ?? { parent: key.parent, child: key.child, callCount: 0 };
    l.callCount += key.calls;
    if (key.errors > 0) l.errorCount = (l.errorCount ?? 0) + key.errors;
    links.set(k, l);
  }
  return [...links.values()];
}

function millis(q: Record<string, string | undefined>, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,16}$/.test(v)) throw BadRequest(`invalid ${name} "${v.length > 32 ? v.slice(0, 32) + '…' : v}": expected milliseconds as a non-negative integer`);
  return Number(v);
}

/** [endTs - lookback, endTs] in ms as seconds (the start rounded down, the end up; start 0 is open). */
function fromMillis(endTs: number, lookback: number): DependencyRange {
  if (endTs <= 0) throw BadRequest(`invalid endTs "${endTs}": expected epoch milliseconds after 0`);
  if (lookback <= 0) throw BadRequest(`invalid lookback "${lookback}": expected a positive number of milliseconds`);
  return { start: Math.floor(Math.max(0, endTs - lookback) / 1000), end: Math.ceil(endTs / 1000) };
}

/** Jaeger's endTs (default now) and lookback (default 24 h), ms. */
export function jaegerDependencyRange(q: Record<string, string | undefined>, now: () => number): DependencyRange {
  return fromMillis(millis(q, 'endTs') ?? now(), millis(q, 'lookback') ?? JAEGER_DEFAULT_LOOKBACK_MS);
}

/** Zipkin's endTs (required) and lookback (default: endTs, all before it), ms. */
export function zipkinDependencyRange(q: Record<string, string | undefined>): DependencyRange {
  const endTs = millis(q, 'endTs');
  if (endTs === undefined) throw BadRequest('endTs is required: epoch milliseconds');
  return fromMillis(endTs, millis(q, 'lookback') ?? endTs);
}

/** Our start and end, unix seconds: both or neither (then the last `lookbackMs`), end after start. */
export function spanbaseDependencyRange(q: Record<string, string | undefined>, lookbackMs: number, now: () => number): DependencyRange {
  const s = q.start;
  const e = q.end;
  if ((s === undefined || s === '') && (e === undefined || e === '')) {
    const end = Math.ceil(now() / 1000);
    return { start: Math.max(1, end - Math.ceil(lookbackMs / 1000)), end };
  }
  if (!/^\d{1,12}$/.test(s ?? '') || !/^\d{1,12}$/.test(e ?? '')) throw BadRequest('start and end must both be given as unix seconds');
  const r = { start: Number(s), end: Number(e) };
  if (r.end <= r.start) throw BadRequest(`invalid range: end (${e}) must be after start (${s})`);
  return r;
}
