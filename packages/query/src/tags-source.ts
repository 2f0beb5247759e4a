// Where tag names and values come from: each block's stored tags summary, and the ingesters'
// summaries of live data.
import type { TagsSummary } from '@spanbase/block';

/** A summary provider: a block, a group of blocks, or live data. */
export interface TagsSource {
  /** For logs. */
  readonly name: string;
  /** The source's time span (unix ns); undefined for live data. */
  readonly timeRange: { readonly startNs: bigint; readonly endNs: bigint } | undefined;
  /** Bytes the summary covers, for metrics. */
  readonly bytes: number;
  /** The summary. */
  summary(signal?: AbortSignal): Promise<TagsSummary>;
}
