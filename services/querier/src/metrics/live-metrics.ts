// Metrics over the ingester's memory: the traces not yet in blocks, so the newest step of a
// graph is current. The ingester evaluates them on its live-query worker, which can post the
// partial to the thread that merges it without passing through this one.
import { stringify } from '@spanbase/traceql';
import type { LiveQueryService } from '../live-service.ts';
import { withPartPort } from '@spanbase/query';
import type { MetricsSource } from '@spanbase/query';

/** A metrics source over an in-process ingester for one tenant. */
export function liveMetricsSource(live: Pick<LiveQueryService, 'metrics' | 'metricsData'>, tenant: string): MetricsSource {
  const source: MetricsSource = {
    name: 'live',
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    evaluate: (plan, signal) => live.metrics(tenant, stringify(plan.query), plan.request, signal),
  };
  const metricsData = live.metricsData?.bind(live);
  if (!metricsData) return source;
  // A series per span id over live data is tens of thousands of series: as data, or better
  // posted straight to the thread that merges, this thread never builds them.
  source.evaluateData = (plan, signal, channel) =>
    withPartPort(channel, async (port) => {
      const { data, sentSpans } = await metricsData(tenant, stringify(plan.query), plan.request, signal, port);
      return { parts: data ? [data] : [], sentSpans };
    });
  return source;
}
