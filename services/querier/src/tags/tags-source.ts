// Where tag names and values come from: each block's stored tags summary, and the ingester's
// summary of live data (it reuses one for a couple of seconds, since autocomplete asks often).
import type { BlockMeta, TagsSummary } from '@spanbase/block';
import type { TagsSource } from '@spanbase/query';
import type { LiveQueryService } from '../live-service.ts';


/** Tags of the ingester's live data for one tenant. */
export function liveTagsSource(live: Pick<LiveQueryService, 'tagsSummary'>, tenant: string): TagsSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    summary: (signal) => live.tagsSummary(tenant, signal),
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
