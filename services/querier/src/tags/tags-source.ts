// Where tag names and values come from: each block's stored tags summary, and a summary of live
// data computed on demand (and reused for a couple of seconds, since autocomplete asks often).
import { TagsBuilder } from '@spanbase/block';
import type { BlockMeta, TagsSummary } from '@spanbase/block';
import type { LiveTraceSnapshot } from '../search/live-search.ts';

/** A summary provider: a block or live data. */
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

const LIVE_SUMMARY_TTL_MS = 2000;

/** Tags of the ingester's live data for one tenant. */
export function liveTagsSource(ingester: LiveTraceSnapshot, tenant: string, cache: Map<string, { at: number; summary: TagsSummary }>, now: () => number = Date.now): TagsSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    async summary() {
      const hit = cache.get(tenant);
      if (hit && now() - hit.at < LIVE_SUMMARY_TTL_MS) return hit.summary;
      const b = new TagsBuilder();
      for (const t of ingester.liveTraces(tenant)) b.addTrace(t);
      const summary = b.summary();
      cache.set(tenant, { at: now(), summary });
      return summary;
    },
  };
}

/** Tags of one block, from its stored `tags` object. */
export function blockTagsSource(meta: BlockMeta, reader: BlockReaderWithTags): TagsSource {
  return {
    name: `block ${meta.blockID}`,
    timeRange: { startNs: BigInt(meta.startUnixNano), endNs: BigInt(meta.endUnixNano) },
    bytes: meta.size,
    summary: (signal) => reader.tags({ signal }),
  };
}

/** A block reader that can read the tags summary (sb1 does). */
export interface BlockReaderWithTags {
  tags(opts?: { signal?: AbortSignal }): Promise<TagsSummary>;
}
