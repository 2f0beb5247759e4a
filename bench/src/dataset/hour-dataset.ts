// One hour of realistic spans as blocks, the dataset the search and metrics scenarios query. The
// hour is cut into HOUR_BLOCKS blocks of five minutes each, as an ingester's flushes merged
// once by the compactor would leave it; each block is generated on its own (its own seed and
// window) so memory holds one block at a time whatever the size. Built once per run and shared:
// search and metrics read the same files, and so does DuckDB.
import { join } from 'node:path';
import type { ObjectStore } from '@spanbase/backend';
import { LocalStore } from '@spanbase/backend';
import type { BlockMeta } from '@spanbase/block';
import { BlockObjects, blockKey, writeBlock } from '@spanbase/block';
import { findAttribute, serviceNameOf } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import type { ScenarioContext } from '../scenario.ts';
import { DEFAULT_WORKLOAD_START_UNIX_NANO, workloadBatches } from '../workload/generate.ts';
import { groupTraces, sortedById, spanTotal } from './traces.ts';

/** Blocks the hour is cut into. */
export const HOUR_BLOCKS = 12;
/** Spans of the dataset at --scale=1 (issue #5 asks for 5 million: --scale=25). */
export const HOUR_BASE_SPANS = 200_000;
/** The tenant of a server without multitenancy. */
export const DATASET_TENANT = 'single-tenant';
/** Mean spans per generated trace (measured on the workload; sizes the generation). */
const SPANS_PER_TRACE = 18;
const NS_PER_S = 1_000_000_000n;

/** The dataset. */
export interface HourDataset {
  /** Directory of a local store holding the blocks (`<tenant>/<blockID>/...`). */
  dir: string;
  /** Tenant the blocks belong to. */
  tenant: string;
  /** Metas of the blocks, oldest first. */
  metas: BlockMeta[];
  /** Every block's data.parquet, for DuckDB. */
  parquetFiles: string[];
  /** Spans in all blocks. */
  spans: number;
  /** Traces in all blocks. */
  traces: number;
  /** The hour, unix ns: [start, end). */
  startUnixNano: bigint;
  /** See startUnixNano. */
  endUnixNano: bigint;
  /** Trace ids (hex) sampled over the hour, for lookups by id. */
  sampleTraceIds: string[];
  /** A (service, route) pair on about 1% of spans, for the service + attribute search. */
  serviceRoute: { service: string; route: string };
  /** data.parquet bytes of all blocks. */
  bytes: number;
  /** Seconds spent generating and writing. */
  buildSeconds: number;
}

/** The shared dataset of `spans` spans (built on first use in a run). */
export function hourDataset(ctx: ScenarioContext, spans: number): Promise<HourDataset> {
  return ctx.shared(`hour-dataset-${ctx.seed}-${spans}`, (dir) => buildHourDataset(ctx, dir, spans));
}

async function buildHourDataset(ctx: ScenarioContext, dir: string, spans: number): Promise<HourDataset> {
  const t0 = performance.now();
  const store = new LocalStore({ path: dir });
  const start = DEFAULT_WORKLOAD_START_UNIX_NANO;
  const blockSeconds = 3600 / HOUR_BLOCKS;
  const perBlock = Math.max(1, Math.ceil(spans / HOUR_BLOCKS));
  const step = ctx.progress.step(`generate and write one hour of spans as ${HOUR_BLOCKS} blocks`, perBlock * HOUR_BLOCKS, ' spans');
  const metas: BlockMeta[] = [];
  const sampleTraceIds: string[] = [];
  let routes = new Map<string, number>();
  for (let b = 0; b < HOUR_BLOCKS; b++) {
    const batches = workloadBatches(ctx.seed * 1000 + b + 1, Math.ceil(perBlock / SPANS_PER_TRACE) + 1, {
      startUnixNano: start + BigInt(b * blockSeconds) * NS_PER_S, windowSeconds: blockSeconds, maxSpans: perBlock,
    });
    const byTrace = groupTraces(batches);
    const ids = [...byTrace.keys()];
    for (let i = 0; i < 8 && ids.length > 0; i++) sampleTraceIds.push(ids[Math.floor(((i + 0.5) * ids.length) / 8)]);
    const traces = sortedById(byTrace);
    if (b === 0) routes = countServiceRoutes(traces);
    metas.push(await writeBlock(store, { tenant: DATASET_TENANT }, traces));
    step.tick(spanTotal(traces));
  }
  const total = metas.reduce((n, m) => n + m.spanCount, 0);
  step.done(`${total} spans, ${metas.length} blocks`);
  return {
    dir, tenant: DATASET_TENANT, metas,
    parquetFiles: metas.map((m) => join(dir, blockKey(DATASET_TENANT, m.blockID, BlockObjects.data))),
    spans: total, traces: metas.reduce((n, m) => n + m.totalObjects, 0),
    startUnixNano: start, endUnixNano: start + 3600n * NS_PER_S,
    sampleTraceIds, serviceRoute: pickServiceRoute(routes), bytes: metas.reduce((n, m) => n + m.size, 0),
    buildSeconds: (performance.now() - t0) / 1000,
  };
}

/** Spans per `service\u0000route`, and the total under the empty key. */
function countServiceRoutes(traces: readonly SpanRecord[][]): Map<string, number> {
  const counts = new Map<string, number>([['', 0]]);
  for (const t of traces) {
    for (const r of t) {
      counts.set('', counts.get('')! + 1);
      const route = findAttribute(r.span.attributes, 'http.route');
      if (route?.type !== 'string') continue;
      const key = `${serviceNameOf(r.resource) ?? ''}\u0000${route.value}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The pair whose share of spans is closest to 1% (ties by name, so the choice is stable). */
function pickServiceRoute(counts: ReadonlyMap<string, number>): { service: string; route: string } {
  const total = counts.get('') ?? 1;
  let best: [string, number] | undefined;
  for (const [key, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (key === '') continue;
    const d = Math.abs(Math.log(n / total / 0.01));
    if (!best || d < best[1]) best = [key, d];
  }
  const [service, route] = (best?.[0] ?? 'frontend\u0000/').split('\u0000');
  return { service, route };
}

/** Copies the dataset's blocks to another store (S3), meta.json of each block last. */
export async function copyBlocks(d: Pick<HourDataset, 'dir' | 'tenant' | 'metas'>, to: ObjectStore): Promise<void> {
  const from = new LocalStore({ path: d.dir });
  for (const m of d.metas) {
    for (const name of [...Object.keys(m.checksums), BlockObjects.meta]) {
      const key = blockKey(d.tenant, m.blockID, name);
      const body = await from.get(key);
      if (!body) throw new Error(`dataset object ${key} is missing`);
      await to.put(key, body);
    }
  }
}
