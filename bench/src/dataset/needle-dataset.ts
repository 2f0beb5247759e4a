// Realistic traces with a few planted needles, written straight into compacted blocks: the
// dataset of the `needle` scenario. Traces come one at a time from the workload generator with
// trace ids handed out in ascending order and start times drawn uniformly over the block's
// window (so, as with random ids, every row group spans the whole window), which lets each
// block be streamed into the writer without holding or sorting its traces: 50 million spans
// take minutes. The needles are values that occur in one trace (or none) among millions.
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import type { BlockMeta } from '@spanbase/block';
import { BlockObjects, blockKey, createBlockWriter } from '@spanbase/block';
import { av, bytesToHex } from '@spanbase/model';
import type { KeyValue, Resource, SpanRecord } from '@spanbase/model';
import type { ScenarioContext } from '../scenario.ts';
import { DEFAULT_WORKLOAD_START_UNIX_NANO, workloadTraces } from '../workload/generate.ts';
import { DATASET_TENANT } from './hour-dataset.ts';

/** Spans at --scale=1. */
export const NEEDLE_BASE_SPANS = 5_000_000;
/** Blocks the dataset is cut into (an hour of compacted blocks of six minutes). */
export const NEEDLE_BLOCKS = 10;
/** Mean spans per generated trace (measured on the workload; sizes the generation). */
const SPANS_PER_TRACE = 18;
const BLOCK_SECONDS = 360;
const NS_PER_S = 1_000_000_000n;

/** The planted values. */
export const NEEDLES = {
  /** `enduser.id` of every span of one trace that carries it. */
  user: 'u-needle-5f0e2c',
  /** Name of one span of one trace. */
  spanName: 'ReconcileLedgerShard',
  /** A service with a span in a dozen traces; only one of those spans failed. */
  service: 'ledger-audit',
  /** `url.path` of one span, matched by a regex. */
  path: '/api/orders/needle-48213',
  /** A user id no span has. */
  absentUser: 'u-nobody-000000',
} as const;

/** The dataset. */
export interface NeedleDataset {
  /** Directory of a local store holding the blocks. */
  dir: string;
  /** Tenant. */
  tenant: string;
  /** Metas, oldest first. */
  metas: BlockMeta[];
  /** data.parquet of each block. */
  parquetFiles: string[];
  /** Spans. */
  spans: number;
  /** Traces. */
  traces: number;
  /** [start, end) of the data, unix ns. */
  startUnixNano: bigint;
  /** See startUnixNano. */
  endUnixNano: bigint;
  /** Hex id of the trace each needle was planted in (the service needle: the failing one). */
  needleTraces: Record<'user' | 'spanName' | 'service' | 'path', string>;
  /** data.parquet bytes. */
  bytes: number;
  /** Bytes of every object of every block (meta.json excluded). */
  allBytes: number;
  /** Seconds spent generating and writing. */
  buildSeconds: number;
}

/** The shared dataset of `spans` spans (built on first use in a run). */
export function needleDataset(ctx: ScenarioContext, spans: number): Promise<NeedleDataset> {
  return ctx.shared(`needle-dataset-${ctx.seed}-${spans}`, (dir) => buildNeedleDataset(ctx, dir, spans), { reusable: true });
}

/** Ascending 16-byte trace id number `i` of `n`, random below its rank. */
function ascendingId(i: number, n: number, random: () => number): Uint8Array {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  const top = Math.floor(((i + random()) / n) * 2 ** 52);
  view.setUint32(0, Math.floor(top / 2 ** 20));
  view.setUint32(4, ((top % 2 ** 20) << 12) | Math.floor(random() * 4096));
  view.setUint32(8, Math.floor(random() * 2 ** 32));
  view.setUint32(12, Math.floor(random() * 2 ** 32));
  return id;
}

function withAttribute(attrs: readonly KeyValue[], key: string, value: string): KeyValue[] {
  return [...attrs.filter((a) => a.key !== key), { key, value: av.string(value) }];
}

const NEEDLE_RESOURCE: Resource = {
  attributes: [
    { key: 'service.name', value: av.string(NEEDLES.service) },
    { key: 'service.version', value: av.string('0.9.1') },
    { key: 'deployment.environment.name', value: av.string('production') },
    { key: 'k8s.pod.name', value: av.string(`${NEEDLES.service}-7c9d5-0`) },
  ],
  droppedAttributesCount: 0,
};

type Plant = (trace: SpanRecord[]) => void;

/** Replaces span `i` of a trace with `f` of it. */
function edit(trace: SpanRecord[], i: number, f: (r: SpanRecord) => SpanRecord): void {
  trace[i] = f(trace[i]);
}

const rootOf = (trace: readonly SpanRecord[]) => Math.max(0, trace.findIndex((r) => r.span.parentSpanId.length === 0));

const PLANTS: Record<'user' | 'spanName' | 'path', Plant> = {
  user: (t) => {
    for (let i = 0; i < t.length; i++) if (t[i].span.attributes.some((a) => a.key === 'enduser.id') || i === rootOf(t)) edit(t, i, (r) => ({ ...r, span: { ...r.span, attributes: withAttribute(r.span.attributes, 'enduser.id', NEEDLES.user) } }));
  },
  spanName: (t) => edit(t, t.length > 1 && rootOf(t) === 0 ? 1 : 0, (r) => ({ ...r, span: { ...r.span, name: NEEDLES.spanName } })),
  path: (t) => edit(t, rootOf(t), (r) => ({ ...r, span: { ...r.span, attributes: withAttribute(r.span.attributes, 'url.path', NEEDLES.path) } })),
};

/** Moves a non-root span of the trace to the needle service; `failed` sets its status to error. */
function plantService(t: SpanRecord[], failed: boolean): void {
  const i = t.length > 1 && rootOf(t) === 0 ? 1 : 0;
  edit(t, i, (r) => ({ ...r, resource: NEEDLE_RESOURCE, span: { ...r.span, status: failed ? { code: 2, message: 'ledger mismatch' } : { code: 1, message: '' } } }));
}

async function buildNeedleDataset(ctx: ScenarioContext, dir: string, spans: number): Promise<NeedleDataset> {
  const t0 = performance.now();
  const store = new LocalStore({ path: dir });
  const start = DEFAULT_WORKLOAD_START_UNIX_NANO;
  const perBlock = Math.max(1, Math.ceil(spans / NEEDLE_BLOCKS));
  const traces = Math.max(1, Math.round(perBlock / SPANS_PER_TRACE));
  const step = ctx.progress.step(`generate and write ${NEEDLE_BLOCKS} compacted blocks with planted needles`, perBlock * NEEDLE_BLOCKS, ' spans');
  // Where each needle goes: a block and a trace in it, apart from one another.
  const at = (k: number) => ({ block: (3 + 2 * k) % NEEDLE_BLOCKS, trace: Math.floor(traces * (0.21 + 0.17 * k)) % traces });
  const plantAt = { user: at(0), spanName: at(1), path: at(2), service: at(3) };
  const needleTraces = { user: '', spanName: '', service: '', path: '' };
  const metas: BlockMeta[] = [];
  for (let b = 0; b < NEEDLE_BLOCKS; b++) {
    const blockStart = start + BigInt(b * BLOCK_SECONDS) * NS_PER_S;
    const seed = ctx.seed * 7919 + b + 1;
    let s = seed >>> 0;
    const random = () => {
      // mulberry32: ids only need to look random and be reproducible.
      s = (s + 0x6d2b79f5) | 0;
      let x = Math.imul(s ^ (s >>> 15), 1 | s);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const writer = createBlockWriter(store, { tenant: DATASET_TENANT, compactionLevel: 1, expectedTraces: traces });
    let i = 0;
    let written = 0;
    try {
      for (const trace of workloadTraces(seed, traces, (_i, rng) => blockStart + BigInt(Math.floor(rng.next() * BLOCK_SECONDS * 1e9)))) {
        const id = ascendingId(i, traces, random);
        // Every span of a generated trace shares one id array.
        trace[0].span.traceId.set(id);
        for (const [name, p] of Object.entries(plantAt) as [keyof typeof plantAt, { block: number; trace: number }][]) {
          if (p.block !== b) continue;
          if (name === 'service') {
            // The service shows up in a dozen traces of this block; the planted one failed.
            const every = Math.max(1, Math.floor(traces / 12));
            if (i % every === p.trace % every) plantService(trace, i === p.trace);
            if (i === p.trace) needleTraces.service = bytesToHex(id);
          } else if (i === p.trace) {
            PLANTS[name](trace);
            needleTraces[name] = bytesToHex(id);
          }
        }
        await writer.addTrace(trace);
        written += trace.length;
        if (++i % 2000 === 0) {
          step.tick(written);
          written = 0;
        }
      }
      metas.push(await writer.finish());
    } catch (err) {
      await writer.abort(err);
      throw err;
    }
    step.tick(written);
  }
  const total = metas.reduce((n, m) => n + m.spanCount, 0);
  step.done(`${total} spans, ${metas.length} blocks`);
  return {
    dir, tenant: DATASET_TENANT, metas,
    parquetFiles: metas.map((m) => join(dir, blockKey(DATASET_TENANT, m.blockID, BlockObjects.data))),
    spans: total, traces: metas.reduce((n, m) => n + m.totalObjects, 0),
    startUnixNano: start, endUnixNano: start + BigInt(NEEDLE_BLOCKS * BLOCK_SECONDS) * NS_PER_S,
    needleTraces,
    bytes: metas.reduce((n, m) => n + m.size, 0),
    allBytes: metas.reduce((n, m) => n + Object.values(m.checksums).reduce((a, c) => a + c.size, 0), 0),
    buildSeconds: (performance.now() - t0) / 1000,
  };
}
