// The measuring half of the trace-by-id scenario: many small blocks written from the workload,
// then lookups through the querier's own block trace source (BlockCatalog + blockTraceSource, as
// the server wires them) over a store wrapped the server's way: request counting right above the
// backend, the read cache for small immutable block objects on top.
import type { ObjectStore } from '@spanbase/backend';
import { createObjectStore, withCache } from '@spanbase/backend';
import type { BlockMeta } from '@spanbase/block';
import { isCacheableBlockObject, writeBlock } from '@spanbase/block';
import { bytesToHex } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { BlockCatalog } from '@spanbase/query';
import { blockTraceSource } from '@spanbase/querier';
import type { TraceSource } from '@spanbase/query';
import { MetricsRegistry, silentLogger } from '@spanbase/server';
import { groupTraces, sortedById, traceStartNs } from '../dataset/traces.ts';
import type { ProgressStep } from '../progress.ts';
import type { BackendTarget } from '../server/backend.ts';
import { storeConfig } from '../server/backend.ts';
import { countRequestsPerBlock } from '../server/block-requests.ts';
import type { BlockRequestCounter } from '../server/block-requests.ts';
import { workloadBatches } from '../workload/generate.ts';

/** The server's default --storage.cache-bytes. */
export const SERVER_CACHE_BYTES = 256 * 1024 * 1024;
/** Tenant of the lookup blocks. */
export const LOOKUP_TENANT = 'bench';

/** Generated blocks' traces: which block holds which trace. */
export interface LookupData {
  /** Traces per block, each block's in trace-id order; blocks cut by start time. */
  blocks: SpanRecord[][][];
  /** Trace id (hex) → index of the block holding it. */
  holder: Map<string, number>;
}

/** Generates `blocks` x `tracesPerBlock` traces over an hour and cuts them into blocks by start time, as an ingester would. */
export function generateLookupData(seed: number, blocks: number, tracesPerBlock: number): LookupData {
  const byTrace = groupTraces(workloadBatches(seed, blocks * tracesPerBlock, { windowSeconds: 3600 }));
  const byStart = [...byTrace.entries()].map(([id, t]) => ({ id, t, start: traceStartNs(t) })).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const holder = new Map<string, number>();
  const out: SpanRecord[][][] = [];
  for (let b = 0; b < blocks; b++) {
    const part = byStart.slice(b * tracesPerBlock, (b + 1) * tracesPerBlock);
    for (const p of part) holder.set(p.id, b);
    out.push(sortedById(new Map(part.map((p) => [p.id, p.t]))));
  }
  return { blocks: out, holder };
}

/** Writes the blocks to `target`; returns their metas in block order. */
export async function writeLookupBlocks(target: BackendTarget, data: LookupData, step: ProgressStep): Promise<BlockMeta[]> {
  const store = createObjectStore(storeConfig(target));
  const metas: BlockMeta[] = [];
  for (const traces of data.blocks) {
    metas.push(await writeBlock(store, { tenant: LOOKUP_TENANT }, traces));
    step.tick();
  }
  return metas;
}

/** The server's read path over `base`: counting below, the block-object cache above, the querier's block source. */
function serverPath(base: ObjectStore, metas: readonly BlockMeta[], prefetch = true): { source: TraceSource; counter: BlockRequestCounter } {
  const counter = countRequestsPerBlock(base);
  const store = withCache(counter.store, { cacheable: isCacheableBlockObject, maxBytes: SERVER_CACHE_BYTES });
  const log = silentLogger();
  const catalog = new BlockCatalog({ store, pollMs: 0, log, prefetch });
  for (const m of metas) catalog.add(LOOKUP_TENANT, m);
  const unreadable = new MetricsRegistry().counter('bench_blocks_skipped_total', 'Blocks skipped.', ['reason']);
  return { source: blockTraceSource(catalog, log, unreadable), counter };
}

/** Latency samples of warm lookups (one catalog and cache for all, as a running querier has). */
export interface WarmLookups {
  /** Latency per lookup of an id that exists, ms. */
  hitMs: number[];
  /** Latency per lookup of an id that does not, ms. */
  missMs: number[];
  /** Store requests per hit, mean (counted below the cache). */
  requestsPerHit: number;
  /** Store requests per miss, mean. */
  requestsPerMiss: number;
  /** Hits that found their trace. */
  found: number;
  /** CPU time of this process per hit (all threads), ms: less skewed by a busy machine than latency. */
  cpuMsPerHit: number;
}

/** Looks up `hits` and `misses` after `warmup` untimed lookups of each. */
export async function warmLookups(target: BackendTarget, metas: readonly BlockMeta[], hits: readonly Uint8Array[], misses: readonly Uint8Array[], warmup: number, step: ProgressStep): Promise<WarmLookups> {
  const { source, counter } = serverPath(createObjectStore(storeConfig(target)), metas);
  const run = async (ids: readonly Uint8Array[], timed: boolean): Promise<{ ms: number[]; requests: number; found: number }> => {
    const ms: number[] = [];
    let found = 0;
    const before = counter.total();
    for (const id of ids) {
      const t0 = performance.now();
      const r = await source.findTrace(LOOKUP_TENANT, id, undefined);
      ms.push(performance.now() - t0);
      if (r.records.length > 0) found++;
      if (r.skipped?.length) throw new Error(`lookup skipped unreadable blocks: ${r.skipped.join(', ')}`);
      if (timed) step.tick();
    }
    return { ms, requests: counter.total() - before, found };
  };
  await run(hits.slice(0, warmup), false);
  await run(misses.slice(0, warmup), false);
  const cpu0 = process.cpuUsage();
  const h = await run(hits, true);
  const cpu = process.cpuUsage(cpu0);
  const m = await run(misses, true);
  return {
    hitMs: h.ms, missMs: m.ms, requestsPerHit: h.requests / hits.length, requestsPerMiss: m.requests / misses.length, found: h.found,
    cpuMsPerHit: (cpu.user + cpu.system) / 1000 / hits.length,
  };
}

/** Requests of cold lookups (fresh readers, empty cache each time), per block. */
export interface ColdLookups {
  /** Blocks asked that do not hold the id (over all lookups). */
  otherBlocks: number;
  /** Most bloom reads any of them made in one lookup. */
  maxBloomReads: number;
  /** Of them, how many read more than their bloom shard (bloom false positives). */
  falsePositiveBlocks: number;
  /** Most requests the block holding the id made in one lookup. */
  maxHolderRequests: number;
  /** Mean requests of the holding block. */
  meanHolderRequests: number;
  /** Mean requests of a whole cold lookup, all blocks. */
  requestsPerLookup: number;
}

/** Looks every id up once, cold, and counts each block's requests. */
export async function coldLookups(target: BackendTarget, metas: readonly BlockMeta[], ids: readonly Uint8Array[], holder: ReadonlyMap<string, number>, step: ProgressStep): Promise<ColdLookups> {
  const base = createObjectStore(storeConfig(target));
  const out: ColdLookups = { otherBlocks: 0, maxBloomReads: 0, falsePositiveBlocks: 0, maxHolderRequests: 0, meanHolderRequests: 0, requestsPerLookup: 0 };
  let holders = 0;
  let holderRequests = 0;
  let total = 0;
  for (const id of ids) {
    // Without the block list's metadata prefetch: it runs in the background when blocks are
    // first seen, and whether it overlaps the lookup (counted as the lookup's requests) would
    // depend on how busy the machine is.
    const { source, counter } = serverPath(base, metas, false);
    await source.findTrace(LOOKUP_TENANT, id, undefined);
    const holds = holder.get(bytesToHex(id));
    metas.forEach((m, b) => {
      const bloom = counter.requests(m.blockID, 'bloom');
      const other = counter.requests(m.blockID, 'other');
      if (b === holds) {
        holders++;
        holderRequests += bloom + other;
        out.maxHolderRequests = Math.max(out.maxHolderRequests, bloom + other);
      } else {
        out.otherBlocks++;
        out.maxBloomReads = Math.max(out.maxBloomReads, bloom);
        if (other > 0) out.falsePositiveBlocks++;
      }
    });
    total += counter.total();
    step.tick();
  }
  out.meanHolderRequests = holders > 0 ? holderRequests / holders : 0;
  out.requestsPerLookup = total / Math.max(1, ids.length);
  return out;
}
