// What the cluster scenario queries: a block store and needle searches over it. Needle searches
// match fewer traces than a search's limit, so no early stop spares a block: every block is
// looked at, which is the work that spreads over queriers. The needle dataset (the `needle`
// scenario's planted values in realistic traces) provides them; any dataset that says where its
// blocks are and which needles it holds fits the same interface.
import type { BlockMeta } from '@spanbase/block';
import { needleQueries } from '../scenarios/needle.ts';
import type { NeedleDataset } from './needle-dataset.ts';

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

/** The needle dataset's searches (the `needle` scenario's queries). */
export function datasetNeedles(d: NeedleDataset): NeedleQueries {
  const needles = needleQueries(d).map((q) => ({ label: q.label, traceql: q.traceql }));
  return { name: 'the needle dataset', dir: d.dir, tenant: d.tenant, metas: d.metas, spans: d.spans, bytes: d.bytes, startUnixNano: d.startUnixNano, endUnixNano: d.endUnixNano, needles };
}
