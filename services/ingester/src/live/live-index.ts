// The live-query side of the ingester's memory: an index of the spans not yet in blocks, kept
// in step with the ingester by events (see live-protocol.ts), and the queries over it: search,
// metrics, trace by id, the tags summary and the dependency graph. It runs on the live-query worker thread, so no
// query over live data ever runs on the thread that acknowledges ingest.
import { faultSpin } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { DependencyBuilder, NewestTraces, TagsBuilder } from '@spanbase/block';
import type { DependencySummary, TagsSummary } from '@spanbase/block';
import { MemoryColumnFetcher, MemoryFetcher, evaluateMetrics, executeSearch, indexTrace, parseCached, partialData, partialDataBuffers, partialSpans, pinnedTraceId, planMetrics, planSearch } from '@spanbase/traceql';
import { transferring } from '@spanbase/workers';
import type { IndexedTrace, MetricsPartial, MetricsRequest, Query, SearchResult } from '@spanbase/traceql';
import { Chunk } from '../chunk.ts';
import { liveFilter } from './live-prefilter.ts';
import type { TraceFilter } from './live-prefilter.ts';
import { ChunkDecoder } from '../chunk-decoder.ts';
import { LiveTrace } from '../live-trace.ts';
import type { LiveEvent, LiveJob, LiveMetricsData, LiveSearchOptions, LiveTenantState } from './live-protocol.ts';

/** How long a tags summary is reused: autocomplete asks often, and each is a walk over memory. */
const TAGS_TTL_MS = 2000;

/**
 * Live spans a tags summary reads, newest traces first. Blocks' summaries hold everything older
 * (blocks are cut every minute or so), so the newest spans are what live data adds; reading all of
 * it under heavy ingest (millions of spans, about 15 µs each to decode) kept autocomplete waiting
 * for seconds to a minute.
 */
const DEFAULT_TAG_SPANS = 20_000;

/**
 * Decoded and indexed, a span takes about 2.5 KB of heap (measured on the bench workload); the
 * cache of indexed traces gets a quarter of the worker's heap, so queries have room beside it.
 */
const CACHED_BYTES_PER_SPAN = 2500;

/** Traces decoded between cancellation checks. */
const CHECK_EVERY = 256;

function keyOf(bytes: Uint8Array, offset: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, 16).toString('latin1');
}

/** Key of a trace in the cache of indexed traces. */
function cacheKey(tenant: string, key: string): string {
  return `${tenant}\u0000${key}`;
}

/** What `extent` found: a trace's earliest start, latest end (unix ns) and spans. */
const EXTENT = new Float64Array(3);

/** Fills EXTENT from a trace's generations; false when it has no spans or lies outside [startNs, endNs] (0 = open). */
function extent(gens: readonly LiveTrace[], startNs: number, endNs: number): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  let spans = 0;
  for (const g of gens) {
    if (g.startNs < lo) lo = g.startNs;
    if (g.endNs > hi) hi = g.endNs;
    spans += g.spanCount;
  }
  EXTENT[0] = lo;
  EXTENT[1] = hi;
  EXTENT[2] = spans;
  return spans > 0 && (startNs === 0 || hi >= startNs) && (endNs === 0 || lo <= endNs);
}

/** One tenant's generations, by id and by trace. */
class TenantLive {
  readonly gens = new Map<number, LiveTrace>();
  /** Generations of each trace, oldest first. */
  readonly traces = new Map<string, LiveTrace[]>();
  /** Generations that got spans and were not indexed ahead since, with the warm-up round they last got one in. */
  readonly touched = new Map<LiveTrace, number>();

  gen(genId: number, bytes: Uint8Array, traceIdOffset: number): LiveTrace {
    let g = this.gens.get(genId);
    if (g) return g;
    g = new LiveTrace(bytes.slice(traceIdOffset, traceIdOffset + 16), genId);
    this.gens.set(genId, g);
    const key = keyOf(bytes, traceIdOffset);
    const list = this.traces.get(key);
    if (list) list.push(g);
    else this.traces.set(key, [g]);
    return g;
  }

  drop(genId: number): LiveTrace | undefined {
    const g = this.gens.get(genId);
    if (!g) return undefined;
    this.gens.delete(genId);
    this.touched.delete(g);
    const key = keyOf(g.traceId, 0);
    const rest = (this.traces.get(key) ?? []).filter((x) => x !== g);
    if (rest.length === 0) this.traces.delete(key);
    else this.traces.set(key, rest);
    return g;
  }
}

/** The live index and its queries. */
export class LiveIndex {
  private readonly tenants = new Map<string, TenantLive>();
  /** Each trace decoded and indexed (dedupe, nested sets, root) as of `spans` span references. */
  private readonly indexedCache = new Map<string, { spans: number; indexed: IndexedTrace }>();
  private cachedSpans = 0;
  /** Live tags summaries by tenant: when made, at which version of the tenant's data, and whether they stopped at `tagSpans`. */
  private readonly tagsCache = new Map<string, { at: number; summary: TagsSummary; version: number; partial: boolean }>();
  /** The last live graph per tenant and the tenant's version it was made at (counts must not outlive a change). */
  private readonly depsCache = new Map<string, { version: number; summary: DependencySummary }>();
  /** Per tenant, bumped by every add and drop. */
  private readonly versions = new Map<string, number>();
  /** Each request's resources and scopes decoded once, for as long as the request is held. */
  private readonly decoders = new WeakMap<Chunk, ChunkDecoder>();
  private readonly now: () => number;
  private readonly maxCachedSpans: number;
  private readonly tagSpans: number;
  /** Warm-up rounds so far (see warm). */
  private round = 0;

  /**
   * `heapBytes`: the heap this index may use (the worker's limit); a quarter of it caches indexed
   * traces. `tagSpans`: live spans a tags summary reads (DEFAULT_TAG_SPANS).
   */
  constructor(opts: { heapBytes?: number; now?: () => number; tagSpans?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.tagSpans = opts.tagSpans ?? DEFAULT_TAG_SPANS;
    this.maxCachedSpans = Math.floor((opts.heapBytes ?? 1024 * 2 ** 20) / 4 / CACHED_BYTES_PER_SPAN);
  }

  /** Applies one event from the ingester. */
  apply(e: LiveEvent): void {
    if (e.kind !== 'reset') this.versions.set(e.tenant, (this.versions.get(e.tenant) ?? 0) + 1);
    switch (e.kind) {
      case 'add': {
        const t = this.tenant(e.tenant);
        const chunk = new Chunk(e.scan, undefined, 0);
        for (let i = 0; i < e.scan.spanCount; i++) {
          // Generation 0: a span the ingester did not index (already in a block).
          if (e.gens[i] === 0) continue;
          const g = t.gen(e.gens[i], e.scan.bytes, e.scan.traceIdOffset[i]);
          g.add(chunk, i, 0);
          t.touched.set(g, this.round);
        }
        return;
      }
      case 'drop': {
        const t = this.tenants.get(e.tenant);
        if (!t) return;
        for (const id of e.gens) {
          const g = t.drop(id);
          if (g) this.forgetIndexed(e.tenant, keyOf(g.traceId, 0));
        }
        if (t.gens.size === 0) this.tenants.delete(e.tenant);
        return;
      }
      case 'reset':
        this.tenants.clear();
        this.indexedCache.clear();
        this.cachedSpans = 0;
        this.tagsCache.clear();
        this.depsCache.clear();
        this.versions.clear();
        for (const s of e.tenants) this.restore(s);
        return;
    }
  }

  private restore(s: LiveTenantState): void {
    const t = this.tenant(s.tenant);
    const chunks = s.chunks.map((scan) => new Chunk(scan, undefined, 0));
    for (let g = 0; g < s.genIds.length; g++) {
      for (let r = s.refStarts[g]; r < s.refStarts[g + 1]; r++) {
        const chunk = chunks[s.chunkOf[r]];
        const span = s.spanOf[r];
        const gen = t.gen(s.genIds[g], chunk.scan.bytes, chunk.scan.traceIdOffset[span]);
        gen.add(chunk, span, 0);
        t.touched.set(gen, this.round);
      }
    }
  }

  private tenant(name: string): TenantLive {
    let t = this.tenants.get(name);
    if (!t) {
      t = new TenantLive();
      this.tenants.set(name, t);
    }
    return t;
  }

  /** Spans held for a tenant (for tests and metrics). */
  spanCount(tenant: string): number {
    let n = 0;
    for (const g of this.tenants.get(tenant)?.gens.values() ?? []) n += g.spanCount;
    return n;
  }

  /** Runs a query job. */
  async run(job: LiveJob, signal: AbortSignal): Promise<unknown> {
    faultSpin('query-spin', job.tenant === 'spin');
    switch (job.op) {
      case 'search':
        return this.search(job.tenant, parseCached(job.query), job.options, signal);
      case 'metrics':
        return this.metrics(job.tenant, job.query, job.request, signal);
      case 'metrics-data':
        return this.metricsData(job, signal).finally(() => job.port?.close());
      case 'trace':
        return this.findTrace(job.tenant, job.traceId);
      case 'tags':
        return this.tagsSummary(job.tenant, signal);
      case 'dependencies':
        return this.dependencies(job.tenant, signal);
    }
  }

  /** The in-memory spans of a trace (every generation), possibly with client-retry duplicates. */
  findTrace(tenant: string, traceId: Uint8Array): SpanRecord[] {
    const gens = this.tenants.get(tenant)?.traces.get(keyOf(traceId, 0));
    if (!gens || gens.length === 0) return [];
    return this.decode(gens);
  }

  /**
   * The spans of a trace's generations, decoded where they lie in their requests; `lazy` for
   * records only this thread reads (queries), whose span attributes, events and links are then
   * decoded only if a query reads them.
   */
  private decode(gens: readonly LiveTrace[], lazy = false): SpanRecord[] {
    const out: SpanRecord[] = [];
    for (const g of gens) {
      for (let k = 0; k < g.chunks.length; k++) {
        const chunk = g.chunks[k];
        let d = this.decoders.get(chunk);
        if (!d) this.decoders.set(chunk, (d = new ChunkDecoder(chunk.scan)));
        out.push(d.record(g.spans[k], lazy));
      }
    }
    return out;
  }

  /** Search over live data: the newest `limit` matches. A query pinned to one trace id decodes only that trace. */
  async search(tenant: string, query: Query, o: LiveSearchOptions, signal?: AbortSignal): Promise<SearchResult> {
    const request = query.body.kind === 'pipeline' ? planSearch(query.body).request : undefined;
    const id = request && pinnedTraceId(request);
    if (id === null) return { traces: [], inspectedTraces: 0, inspectedSpans: 0 };
    let traces: Iterable<SpanRecord[] | IndexedTrace>;
    if (id) {
      const one = this.findTrace(tenant, id);
      traces = one.length > 0 ? [one] : [];
    } else {
      const keep = request && liveFilter([request]);
      traces = { [Symbol.iterator]: () => this.newestFirst(tenant, Number(o.start), Number(o.end), keep, signal) };
    }
    // Traces come newest first, so the first `limit` that match are the newest `limit`: the
    // search stops there instead of decoding every trace in memory.
    return executeSearch(query, new MemoryFetcher(traces), { limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes, signal, mostRecent: false });
  }

  /** A metrics query's partial result over live data. */
  async metrics(tenant: string, query: string, request: MetricsRequest, signal?: AbortSignal): Promise<MetricsPartial> {
    const plan = planMetrics(parseCached(query), request);
    // A pipeline that can match nothing wants no trace; the others each may rule traces out.
    const keep = liveFilter(plan.leaves.filter((l) => !l.never).map((l) => l.spans.request));
    const traces = this.liveTraces(tenant, Number(plan.grid.start), Number(plan.grid.end), signal, keep);
    return evaluateMetrics(plan, new MemoryColumnFetcher(traces), signal);
  }

  /**
   * The same partial as data: posted on the job's port when it has one (to the thread that
   * merges, so the ingesting thread never receives it), else returned with its arrays moved.
   */
  private async metricsData(job: Extract<LiveJob, { op: 'metrics-data' }>, signal: AbortSignal): Promise<LiveMetricsData> {
    const data = partialData(await this.metrics(job.tenant, job.query, job.request, signal));
    if (!job.port) return transferring({ data }, partialDataBuffers([data]));
    job.port.postMessage({ part: data }, partialDataBuffers([data]));
    return { sentSpans: partialSpans(data) };
  }

  /**
   * Tag names and frequent values of a tenant's live data, for autocomplete, from its newest
   * traces up to `tagSpans` spans; reused for a couple of seconds. A summary that read all of a
   * small live set is reused only while that set is unchanged: it is cheap to make again, and a
   * span just sent to a quiet tenant (or a test) would otherwise be missing from autocomplete for
   * up to the two seconds, though its trace is found, until its block lists it.
   */
  tagsSummary(tenant: string, signal?: AbortSignal): TagsSummary {
    const version = this.versions.get(tenant) ?? 0;
    const hit = this.tagsCache.get(tenant);
    if (hit && this.now() - hit.at < TAGS_TTL_MS && (hit.partial || hit.version === version)) return hit.summary;
    const b = new TagsBuilder();
    let spans = 0;
    let partial = false;
    for (const t of this.newestFirst(tenant, 0, 0, undefined, signal)) {
      b.addTrace(t.records);
      if ((spans += t.records.length) >= this.tagSpans) {
        partial = true;
        break;
      }
    }
    const summary = b.summary();
    this.tagsCache.set(tenant, { at: this.now(), summary, version, partial });
    return summary;
  }

  /**
   * The dependency graph of a tenant's live traces, whole traces as they stand (the ingester
   * holds a trace until it is idle, so a trace's edges are counted here until its block holds
   * them). Reused until the tenant's memory changes: unlike tag names, counts taken before a
   * flush would count the flushed traces again beside their block.
   */
  dependencies(tenant: string, signal?: AbortSignal): DependencySummary {
    const version = this.versions.get(tenant) ?? 0;
    const hit = this.depsCache.get(tenant);
    if (hit && hit.version === version) return hit.summary;
    const b = new DependencyBuilder();
    for (const t of this.liveTraces(tenant, 0, 0, signal)) b.addTraceRecords(t.records);
    const summary = b.summary();
    this.depsCache.set(tenant, { version, summary });
    return summary;
  }

  /**
   * Every in-memory trace of a tenant overlapping [startNs, endNs] (0 = open) that `keep` (when
   * given) keeps, generations merged, decoded and indexed as it is iterated: a query holds one
   * trace at a time (and the cache what it can), not the whole live set.
   */
  liveTraces(tenant: string, startNs = 0, endNs = 0, signal?: AbortSignal, keep?: TraceFilter): Iterable<IndexedTrace> {
    return { [Symbol.iterator]: () => this.iterate(tenant, startNs, endNs, keep, signal) };
  }

  private *iterate(tenant: string, startNs: number, endNs: number, keep: TraceFilter | undefined, signal?: AbortSignal): Generator<IndexedTrace> {
    const t = this.tenants.get(tenant);
    if (!t) return;
    let n = 0;
    for (const [key, gens] of t.traces) {
      if (++n % CHECK_EVERY === 0) signal?.throwIfAborted();
      if (!extent(gens, startNs, endNs) || (keep && !keep(gens))) continue;
      yield this.indexed(tenant, key, gens, EXTENT[2]);
    }
  }

  /**
   * As `iterate`, newest trace start first (ties in no particular order), without the traces `keep`
   * rules out (checked only for the traces a search reaches). The order costs one pass over the traces' starts and a
   * sort of the few time buckets a search reaches, not a decode of every trace: under heavy ingest
   * memory holds millions of spans.
   */
  private *newestFirst(tenant: string, startNs: number, endNs: number, keep: TraceFilter | undefined, signal?: AbortSignal): Generator<IndexedTrace> {
    const t = this.tenants.get(tenant);
    if (!t) return;
    const keys: string[] = [];
    const lists: LiveTrace[][] = [];
    const counts: number[] = [];
    const order = new NewestTraces(t.traces.size);
    let n = 0;
    for (const [key, gens] of t.traces) {
      if (++n % CHECK_EVERY === 0) signal?.throwIfAborted();
      if (!extent(gens, startNs, endNs)) continue;
      const lo = EXTENT[0];
      const high = Math.floor(lo / 4294967296);
      order.add(keys.length, 0, high, lo - high * 4294967296);
      keys.push(key);
      lists.push(gens);
      counts.push(EXTENT[2]);
    }
    n = 0;
    for (let i = order.next(); i >= 0; i = order.next()) {
      if (++n % CHECK_EVERY === 0) signal?.throwIfAborted();
      const k = order.group[i];
      if (keep && !keep(lists[k])) continue;
      yield this.indexed(tenant, keys[k], lists[k], counts[k]);
    }
  }

  /**
   * A trace decoded and indexed once and reused until it gets more spans: searches, metrics and
   * autocomplete ask for live data often, and decoding and indexing it every time is most of
   * their cost.
   */
  private indexed(tenant: string, key: string, gens: readonly LiveTrace[], spans: number): IndexedTrace {
    const ck = cacheKey(tenant, key);
    const hit = this.indexedCache.get(ck);
    if (hit && hit.spans === spans) return hit.indexed;
    const indexed = indexTrace(this.decode(gens, true));
    if (hit) this.forgetIndexed(tenant, key);
    if (this.cachedSpans + spans <= this.maxCachedSpans) {
      this.indexedCache.set(ck, { spans, indexed });
      this.cachedSpans += spans;
    }
    return indexed;
  }

  /**
   * Decodes and indexes, ahead of any query, traces that got spans before the current round and
   * none since, while the cache has room, until `deadline` (performance.now()); then starts a new
   * round. The first query over data that arrived while nobody asked (an incident's first search,
   * a dashboard's first refresh) would otherwise decode all of it: about 1.5 s per 100k spans.
   * A trace still receiving spans waits a round, so most traces are decoded once. True when
   * traces are left for another call before the round ends.
   */
  warm(deadline: number): boolean {
    for (const [tenant, t] of this.tenants) {
      for (const [g, round] of t.touched) {
        if (round >= this.round) continue;
        if (performance.now() >= deadline) return true;
        t.touched.delete(g);
        const key = keyOf(g.traceId, 0);
        const gens = t.traces.get(key);
        if (!gens) continue;
        let spans = 0;
        for (const x of gens) spans += x.spanCount;
        const hit = this.indexedCache.get(cacheKey(tenant, key));
        if (hit?.spans === spans || this.cachedSpans - (hit?.spans ?? 0) + spans > this.maxCachedSpans) continue;
        this.indexed(tenant, key, gens, spans);
      }
    }
    this.round++;
    return false;
  }

  /** Traces indexed ahead of queries and kept (for tests). */
  get cachedTraceSpans(): number {
    return this.cachedSpans;
  }

  private forgetIndexed(tenant: string, key: string): void {
    const ck = cacheKey(tenant, key);
    const hit = this.indexedCache.get(ck);
    if (!hit) return;
    this.cachedSpans -= hit.spans;
    this.indexedCache.delete(ck);
  }
}
