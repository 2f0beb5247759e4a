// What the cluster scenario queries: a block store and needle searches over it, searches that
// match fewer traces than a search's limit, so no block can be skipped by an early stop and every
// block is read: the work that spreads over queriers. Any dataset that says where its blocks are
// and which needles it holds fits; today the hour dataset does (its needles are values of the
// high-cardinality attributes enduser.id and session.id of traces it sampled), and a dataset
// built for needle searches can stand in for it without changing the scenario.
import { LocalStore } from '@spanbase/backend';
import { openBlock } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { hexToBytes } from '@spanbase/model';
import type { HourDataset } from './hour-dataset.ts';

/** One needle search. */
export interface Needle {
  /** Row label. */
  label: string;
  /** TraceQL. */
  traceql: string;
}

/** A dataset of blocks with needles in it. */
export interface NeedleQueries {
  /** What the dataset is, for the report. */
  name: string;
  /** Directory of a local store holding the blocks (`<tenant>/<blockID>/...`). */
  dir: string;
  /** The tenant of the blocks. */
  tenant: string;
  /** Metas of the blocks. */
  metas: BlockMeta[];
  /** Spans in all blocks. */
  spans: number;
  /** data.parquet bytes of all blocks. */
  bytes: number;
  /** Time range covering every block, unix ns. */
  startUnixNano: bigint;
  endUnixNano: bigint;
  /** The needle searches. */
  needles: Needle[];
}

/** Attributes whose values are rare enough to be needles, rarest first. */
const NEEDLE_KEYS = ['session.id', 'enduser.id'];

/** Needles of the hour dataset: rare attribute values of some of its sampled traces. */
export async function hourNeedles(d: HourDataset, count = 6): Promise<NeedleQueries> {
  const store = new LocalStore({ path: d.dir });
  const needles: Needle[] = [];
  const seen = new Set<string>();
  for (const id of d.sampleTraceIds) {
    if (needles.length >= count) break;
    const traceId = hexToBytes(id)!;
    const meta = d.metas.find((m) => id >= m.minTraceID && id <= m.maxTraceID && BigInt(m.startUnixNano) <= d.endUnixNano);
    if (!meta) continue;
    const spans = (await openBlock(store, meta).findTrace(traceId)) ?? [];
    for (const r of spans) {
      const a = NEEDLE_KEYS.map((k) => r.span.attributes.find((kv) => kv.key === k && kv.value.type === 'string')).find((kv) => kv !== undefined);
      if (!a || a.value.type !== 'string') continue;
      const key = `${a.key}=${a.value.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      needles.push({ label: `${a.key} of one trace`, traceql: `{ span.${a.key} = ${JSON.stringify(a.value.value)} }` });
      break;
    }
  }
  return { name: 'the hour dataset', dir: d.dir, tenant: d.tenant, metas: d.metas, spans: d.spans, bytes: d.bytes, startUnixNano: d.startUnixNano, endUnixNano: d.endUnixNano, needles };
}
