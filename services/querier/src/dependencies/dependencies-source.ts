// Dependency edges of the ingester in this process and of one block (its stored summary, parsed
// once per reader and kept with it, so a repeated range query reads nothing).
import type { BlockMeta, BlockReader } from '@spanbase/block';
import { DependencyGraph } from '@spanbase/block';
import type { DependenciesSource } from '@spanbase/query';
import type { LiveQueryService } from '../live-service.ts';

/** Edges of the ingester's live traces for one tenant. */
export function liveDependenciesSource(live: Pick<LiveQueryService, 'dependencies'>, tenant: string): DependenciesSource {
  return {
    name: 'live',
    async edges(range, signal) {
      const g = new DependencyGraph();
      g.addSummary(await live.dependencies(tenant, signal), range);
      return g.edges();
    },
  };
}

/** Edges of one block, from its stored `dependencies` object. */
export function blockDependenciesSource(meta: BlockMeta, reader: Pick<BlockReader, 'dependencies'>): DependenciesSource {
  return {
    name: `block ${meta.blockID}`,
    async edges(range, signal) {
      const g = new DependencyGraph();
      g.addSummary(await reader.dependencies({ signal }), range);
      return g.edges();
    },
  };
}
