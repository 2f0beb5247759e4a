// Metrics over the ingester's memory: the traces not yet in blocks, so the newest step of a
// graph is current. They are served through both fetch paths of the in-memory column fetcher.
import { MemoryColumnFetcher, evaluateMetrics } from '@spanbase/traceql';
import type { LiveTraceSnapshot } from '../search/live-search.ts';
import type { MetricsSource } from './metrics-source.ts';

/** A metrics source over an in-process ingester for one tenant. */
export function liveMetricsSource(ingester: LiveTraceSnapshot, tenant: string): MetricsSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    async evaluate(plan, signal) {
      const traces = ingester.liveTraces(tenant, Number(plan.grid.start), Number(plan.grid.end));
      return evaluateMetrics(plan, new MemoryColumnFetcher(traces), signal);
    },
  };
}
