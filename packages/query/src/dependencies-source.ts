// Where dependency edges come from: each block's stored `dependencies` summary, and the
// ingesters' live traces. A source answers with its edges in a range, already added up.
import type { DependencyEdge, DependencyRange } from '@spanbase/block';

/** An edge provider: a block, a group of blocks, or live data. */
export interface DependenciesSource {
  /** For logs and failures. */
  readonly name: string;
  /** The edges whose calls started in `range`. */
  edges(range: DependencyRange, signal?: AbortSignal): Promise<DependencyEdge[]>;
}
