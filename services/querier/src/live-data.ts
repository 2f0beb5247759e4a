// The live data a querier's jobs read: the ingester in this process, or every ingester an address
// list names (remote-live.ts). Either way, sources of the usual kinds.
import type { DependenciesSource, MetricsSource, SearchSource, TagsSource, TraceSource } from '@spanbase/query';
import { liveDependenciesSource } from './dependencies/dependencies-source.ts';
import type { LiveQueryService } from './live-service.ts';
import { liveSource } from './live-source.ts';
import { liveMetricsSource } from './metrics/live-metrics.ts';
import type { RecentSink, RemoteLive } from './remote-live.ts';
import { liveSearchSource } from './search/live-search.ts';
import { liveTagsSource } from './tags/tags-source.ts';

/** Live data as sources; remote ones report blocks flushed recently to `onRecent`. */
export type LiveData = RemoteLive;
export type { RecentSink };

/** The ingester in this process (it flushes into the shared block list: nothing is recent). */
export function inProcessLive(live: LiveQueryService): LiveData {
  return {
    traceSources: (): TraceSource[] => [liveSource(live)],
    search: (tenant): SearchSource[] => [liveSearchSource(live, tenant)],
    metrics: (tenant): MetricsSource[] => [liveMetricsSource(live, tenant)],
    tags: (tenant): TagsSource[] => [liveTagsSource(live, tenant)],
    dependencies: (tenant): DependenciesSource[] => [liveDependenciesSource(live, tenant)],
  };
}
