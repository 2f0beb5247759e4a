// The ingester: makes accepted spans durable (WAL) before acknowledging them, keeps them
// queryable in memory, and (with a block sink) moves idle traces into blocks in the object
// store, releasing WAL records only once the block is durable.
import { decodeExportRequest, scanExportRequest } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';
import { faultPoint, flattenTracesData } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { TagsBuilder } from '@spanbase/block';
import type { TagsSummary } from '@spanbase/block';
import { Wal } from '@spanbase/wal';
import type { FsyncPolicy, RecordRef } from '@spanbase/wal';
import type { Logger } from '@spanbase/server';
import { assembleTraces } from './assemble-traces.ts';
import { Chunk } from './chunk.ts';
import { IngesterUnavailable, LiveBytesExceeded } from './errors.ts';
import type { LiveTrace } from './live-trace.ts';
import { TenantStore } from './tenant-store.ts';
import type { HeadBatch } from './tenant-store.ts';
import type { BlockSink, FlushedBlock } from './block-sink.ts';
import { buildFlushBatch } from './flush-batch.ts';

/** How long a live tags summary is reused. */
const TAGS_TTL_MS = 2000;

/** Most spans kept decoded for queries over live data (a few hundred MB at most). */
const MAX_DECODED_SPANS = 500_000;

/** Ingester settings (from the `ingester.*` and `wal.*` flags). */
export interface IngesterOptions {
  walDir: string;
  walFsync: FsyncPolicy;
  walFsyncIntervalMs: number;
  walSegmentBytes: number;
  /** Memory for chunks not yet released; past it pushes get 429. */
  maxLiveBytes: number;
  /** A trace idle this long is sealed into the head block. */
  traceIdlePeriodMs: number;
  /** The head block is cut after this long... */
  maxBlockDurationMs: number;
  /** ...or when its spans reach this many bytes. */
  maxBlockBytes: number;
  /** How often idle traces and head blocks are checked. */
  flushCheckPeriodMs: number;
  /** Where head blocks go; without one, traces stay in memory (and the WAL) until restart. */
  sink?: BlockSink;
  /** Called once a block is durable, before its traces leave memory (register it for queries here). */
  onFlushed?: (tenant: string, block: FlushedBlock) => void;
  logger: Logger;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** What a push accepted. */
export interface PushResult {
  /** Spans accepted. */
  accepted: number;
}

/** A trace's spans held in memory, decoded. */
export interface LiveTraceResult {
  /** Spans with their resource and scope (may contain duplicates from client retries). */
  records: SpanRecord[];
}

/** The ingest side of a tenant's data. */
export class Ingester {
  private readonly opts: IngesterOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly tagsCache = new Map<string, { at: number; summary: TagsSummary }>();
  private wal!: Wal;
  private readonly tenants = new Map<string, TenantStore>();
  private liveBytes = 0;
  private ready = false;
  /** Decoded spans per trace generation, dropped when the generation is flushed. */
  private readonly decodedCache = new Map<LiveTrace, { spans: number; records: SpanRecord[] }>();
  /** Spans held decoded in decodedCache; bounded so the cache cannot outgrow the live data's own budget. */
  private decodedSpans = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private flushFailures = 0;
  /** Blocks written, spans flushed and flush failures, for metrics. */
  readonly flushStats = { blocks: 0, spans: 0, failures: 0 };

  private constructor(opts: IngesterOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
  }

  /** Opens the WAL and replays it, so every acknowledged span is in memory before serving. */
  static async start(opts: IngesterOptions): Promise<Ingester> {
    const ing = new Ingester(opts);
    ing.wal = await Wal.open({
      dir: opts.walDir,
      fsync: opts.walFsync,
      fsyncIntervalMs: opts.walFsyncIntervalMs,
      segmentBytes: opts.walSegmentBytes,
      warn: (msg, fields) => ing.log.warn(fields ?? {}, msg),
    });
    const started = performance.now();
    let spans = 0;
    const stats = await ing.wal.replay((ref, record) => {
      // Replayed bodies were validated (and truncated) before they were written.
      const scan = scanExportRequest(record.body);
      spans += scan.spanCount;
      ing.index(ref.tenant, scan, ref, record.receivedAtMs);
    });
    ing.ready = true;
    ing.log.info({ ...stats, spans, ms: Math.round(performance.now() - started) }, 'WAL replayed');
    if (opts.sink) {
      ing.timer = setInterval(() => ing.flushTick(), opts.flushCheckPeriodMs);
      ing.timer.unref();
    }
    return ing;
  }

  /** True once the WAL is replayed and until stop. */
  isReady(): boolean {
    return this.ready;
  }

  /**
   * Makes a validated request durable, then queryable; resolves when it may be acknowledged.
   * Rejects with 429 when unflushed data already fills --ingester.max-live-bytes.
   */
  async push(tenant: string, scan: ScannedRequest): Promise<PushResult> {
    if (!this.ready) throw IngesterUnavailable('the ingester is not ready (starting or stopping); retry shortly', { retryAfterSeconds: 1 });
    if (this.liveBytes + scan.bytes.byteLength > this.opts.maxLiveBytes) {
      throw LiveBytesExceeded(`ingester memory limit reached (--ingester.max-live-bytes=${this.opts.maxLiveBytes}); retry later`, { retryAfterSeconds: 5 });
    }
    const receivedAtMs = this.now();
    const ref = await this.wal.append(tenant, scan.bytes, receivedAtMs);
    this.index(tenant, scan, ref, receivedAtMs);
    return { accepted: scan.spanCount };
  }

  private index(tenant: string, scan: ScannedRequest, ref: RecordRef, receivedAtMs: number): void {
    if (scan.spanCount === 0) {
      this.wal.release(ref);
      return;
    }
    const chunk = new Chunk(scan, ref, receivedAtMs);
    this.liveBytes += chunk.bytes;
    this.tenant(tenant).add(chunk, receivedAtMs);
  }

  private tenant(tenant: string): TenantStore {
    let t = this.tenants.get(tenant);
    if (!t) {
      t = new TenantStore(tenant);
      this.tenants.set(tenant, t);
    }
    return t;
  }

  /** The in-memory spans of a trace (live and sealed generations), or undefined. */
  findTrace(tenant: string, traceId: Uint8Array): LiveTraceResult | undefined {
    const gens = this.tenants.get(tenant)?.find(traceId);
    if (!gens || gens.length === 0) return undefined;
    return { records: flattenTracesData(decodeExportRequest(assembleTraces(gens))) };
  }

  /**
   * One round of the flush loop: seal idle traces, and cut and write head blocks that are old or
   * big enough. One flush runs at a time, which bounds the memory and CPU flushing takes.
   */
  flushTick(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    const now = this.now();
    for (const t of this.tenants.values()) t.sealIdle(now - this.opts.traceIdlePeriodMs, now, force);
    const due = [...this.tenants.values()].filter(
      (t) => t.head.length > 0 && (force || t.headBytes >= this.opts.maxBlockBytes || now - t.headStartedMs >= this.opts.maxBlockDurationMs),
    );
    if (due.length === 0 || !this.opts.sink) return Promise.resolve();
    this.flushing = (async () => {
      for (const t of due) {
        const batch = t.cutHead();
        if (batch) await this.flushBatch(t, batch);
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Seals every trace and writes every head block now (tests, operator flush). */
  async flushAll(): Promise<void> {
    await this.flushing;
    await this.flushTick(true);
  }

  private async flushBatch(tenant: TenantStore, batch: HeadBatch): Promise<void> {
    const started = performance.now();
    const fb = buildFlushBatch(tenant.tenant, batch.traces);
    try {
      const block = await this.opts.sink!.write(fb);
      await faultPoint('flush-after-meta');
      // Register the block for queries before the traces leave memory: no window where a
      // trace is in neither place.
      this.opts.onFlushed?.(tenant.tenant, block);
      tenant.forget(batch);
      this.releaseTraces(batch.traces);
      this.flushFailures = 0;
      this.flushStats.blocks++;
      this.flushStats.spans += fb.spanCount;
      this.log.info({ tenant: tenant.tenant, block: block.blockId, traces: fb.traceStarts.length - 1, spans: fb.spanCount, ms: Math.round(performance.now() - started) }, 'block flushed');
    } catch (err) {
      this.flushFailures++;
      this.flushStats.failures++;
      tenant.requeue(batch);
      this.log.error({ err, tenant: tenant.tenant, failures: this.flushFailures }, 'block flush failed; the traces stay in memory and the WAL, and will be retried');
    }
  }

  /**
   * Tag names and frequent values of a tenant's live data, for autocomplete (in process and over
   * /internal/tags). Reused for TAGS_TTL_MS: autocomplete asks often, and each is a walk over memory.
   */
  tagsSummary(tenant: string): TagsSummary {
    const hit = this.tagsCache.get(tenant);
    if (hit && this.now() - hit.at < TAGS_TTL_MS) return hit.summary;
    const b = new TagsBuilder();
    for (const t of this.liveTraces(tenant)) b.addTrace(t);
    const summary = b.summary();
    this.tagsCache.set(tenant, { at: this.now(), summary });
    return summary;
  }

  /**
   * Every in-memory trace of a tenant overlapping [startNs, endNs] (0 = open), decoded: one
   * record list per trace id, generations merged. For searches over live data.
   */
  liveTraces(tenant: string, startNs = 0, endNs = 0): SpanRecord[][] {
    const t = this.tenants.get(tenant);
    if (!t) return [];
    const out: SpanRecord[][] = [];
    for (const gens of t.generations()) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const g of gens) {
        if (g.startNs < lo) lo = g.startNs;
        if (g.endNs > hi) hi = g.endNs;
      }
      if ((startNs !== 0 && hi < startNs) || (endNs !== 0 && lo > endNs)) continue;
      out.push(gens.length === 1 ? this.decoded(gens[0]) : gens.flatMap((g) => this.decoded(g)));
    }
    return out;
  }

  /**
   * A generation's spans, decoded once and reused until it gets more spans: searches, metrics
   * and autocomplete ask for live data often, and decoding it every time starved ingest.
   */
  private decoded(t: LiveTrace): SpanRecord[] {
    const hit = this.decodedCache.get(t);
    if (hit && hit.spans === t.spanCount) return hit.records;
    const records = flattenTracesData(decodeExportRequest(assembleTraces([t])));
    if (hit) {
      this.decodedSpans -= hit.records.length;
      this.decodedCache.delete(t);
    }
    if (this.decodedSpans + records.length <= MAX_DECODED_SPANS) {
      this.decodedCache.set(t, { spans: t.spanCount, records });
      this.decodedSpans += records.length;
    }
    return records;
  }

  /** Marks spans of flushed traces durable: frees chunks and releases WAL records. */
  private releaseTraces(traces: readonly LiveTrace[]): void {
    for (const t of traces) {
      const cached = this.decodedCache.get(t);
      if (cached) {
        this.decodedSpans -= cached.records.length;
        this.decodedCache.delete(t);
      }
      for (const chunk of t.chunks) {
        chunk.pending--;
        if (chunk.pending === 0) {
          this.liveBytes -= chunk.bytes;
          if (chunk.ref) this.wal.release(chunk.ref);
        }
      }
    }
  }

  /** Tenants with data in memory. */
  tenantStores(): IterableIterator<TenantStore> {
    return this.tenants.values();
  }

  /** Bytes of requests held in memory. */
  get memoryBytes(): number {
    return this.liveBytes;
  }

  /** WAL segments and bytes per tenant. */
  walStats(): { tenant: string; segments: number; bytes: number }[] {
    return this.wal.stats();
  }

  /** Stops accepting, finishes WAL writes and closes it. Unflushed data replays on next start. */
  async stop(): Promise<void> {
    this.ready = false;
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
    await this.wal.close();
    await this.opts.sink?.close();
  }
}
