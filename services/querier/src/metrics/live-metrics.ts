// Metrics over the ingester's memory: the traces not yet in blocks, so the newest step of a
// graph is current. The ingester evaluates them on its live-query worker.
import { stringify } from '@spanbase/traceql';
import type { LiveQueryService } from '../live-service.ts';
import type { MetricsSource } from '@spanbase/query';

/** A metrics source over an in-process ingester for one tenant. */
export function liveMetricsSource(live: Pick<LiveQueryService, 'metrics'>, tenant: string): MetricsSource {
  return {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    evaluate: (plan, signal) => live.metrics(tenant, stringify(plan.query), plan.request, signal),
  };
}
