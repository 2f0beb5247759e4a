// Everything a tenant holds in memory, as the live-query worker's reset event carries it: the
// span references of every generation (live and sealed), in the flush batch's packed form.
import { buildFlushBatch } from '../flush-batch.ts';
import type { LiveTrace } from '../live-trace.ts';
import type { LiveTenantState } from './live-protocol.ts';

/** The live state of one tenant from its generations (per trace, as TenantStore.generations yields them). */
export function liveTenantState(tenant: string, traces: Iterable<readonly LiveTrace[]>): LiveTenantState {
  const gens: LiveTrace[] = [];
  for (const list of traces) gens.push(...list);
  const b = buildFlushBatch(tenant, gens);
  return { tenant, chunks: b.chunks, genIds: Float64Array.from(gens, (g) => g.genId), refStarts: b.traceStarts, chunkOf: b.chunkOf, spanOf: b.spanOf };
}
