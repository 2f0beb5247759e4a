// Search, metrics and tags over ingesters in other processes (--target=querier): each ingester
// evaluates the query over its memory and answers with its result (v8-serialized: bigints,
// Maps and typed arrays survive), which merges like any other source's.
import { deserialize } from 'node:v8';
import { revivePartial, stringify } from '@spanbase/traceql';
import type { MetricsPartial, SearchResult } from '@spanbase/traceql';
import { IngesterQueryFailed } from '../errors.ts';
import type { TagsSummary } from '@spanbase/block';
import type { MetricsSource } from '@spanbase/query';
import type { TagsSource } from '@spanbase/query';
import type { SearchSource } from '@spanbase/query';

function url(addr: string, path: string): string {
  return `${addr.includes('://') ? addr : `http://${addr}`}${path}`;
}

const json = (o: unknown) => JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

async function post(addr: string, path: string, tenant: string, body: unknown, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url(addr, path), { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': tenant }, body: json(body), signal });
  if (!res.ok) throw IngesterQueryFailed(`ingester ${addr} answered ${res.status}: ${(await res.text()).trim()}`);
  return deserialize(Buffer.from(await res.arrayBuffer()));
}

/** One search source per remote ingester. */
export function remoteSearchSources(addresses: readonly string[], tenant: string): SearchSource[] {
  return addresses.map((addr) => ({
    name: `ingester ${addr}`,
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    async search(query, o) {
      return (await post(addr, '/internal/search', tenant, { query: stringify(query), limit: o.limit, spansPerSpanset: o.spansPerSpanset, start: o.start, end: o.end, maxResultBytes: o.maxResultBytes ?? 0 }, o.signal)) as SearchResult;
    },
  }));
}

/** One tags source per remote ingester: the summary of its live data (cached there for 2 s). */
export function remoteTagsSources(addresses: readonly string[], tenant: string): TagsSource[] {
  return addresses.map((addr) => ({
    name: `ingester ${addr}`,
    timeRange: undefined,
    bytes: 0,
    async summary(signal) {
      return (await post(addr, '/internal/tags', tenant, {}, signal ?? AbortSignal.timeout(30_000))) as TagsSummary;
    },
  }));
}

/** One metrics source per remote ingester. */
export function remoteMetricsSources(addresses: readonly string[], tenant: string): MetricsSource[] {
  return addresses.map((addr) => ({
    name: `ingester ${addr}`,
    timeRange: undefined,
    bytes: 0,
    isBlock: false,
    async evaluate(plan, signal) {
      return revivePartial((await post(addr, '/internal/metrics', tenant, { query: stringify(plan.query), request: plan.request }, signal)) as MetricsPartial);
    },
  }));
}
