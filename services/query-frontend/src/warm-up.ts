// The query path warmed up after a start. The first search a process answers pays for compiling
// the code of every thread it crosses (the route and the planner and the block checks on the main
// thread, the live-query worker, the query workers' reading and decoding, the answer worker's
// JSON): on the needle bench a first search that reads nothing took 13-30 ms against a warm
// 3 ms. So once the block list is read and its metadata prefetched, the frontend sends itself
// what an incident's first minute sends (a search, a needle, a trace lookup, a metrics query,
// autocomplete) through the routes themselves, over the newest block and live data. Answers are
// thrown away; one that is not a 200 is counted and the next request sent, and a request that
// throws ends the warm-up (the first user queries then compile what it did not reach).
import { IncomingMessage } from 'node:http';
import { quoteString } from '@spanbase/traceql';
import type { TempoApi } from './compat/tempo-api.ts';

/** Header that marks a request the process sent itself to warm up. */
export const WARM_UP_HEADER = 'x-spanbase-warm-up';

/**
 * Whether a request is one of the warm-up's: marked, and sent in-process (not over a socket), so
 * a client cannot hide its requests from the metrics. Warm-up answers are left out of the request
 * latency and of the counts of sources a query left out; their jobs are counted.
 */
export function isWarmUpRequest(req: { headers: Record<string, unknown>; raw: unknown }): boolean {
  return req.headers[WARM_UP_HEADER] !== undefined && !(req.raw instanceof IncomingMessage);
}

/** What the warm-up reads over. */
export interface WarmUpTarget {
  tenant: string;
  /** Unix seconds. */
  start: number;
  /** Unix seconds. */
  end: number;
}

/** What the warm-up did. */
export interface WarmUpReport {
  requests: number;
  /** Requests that did not answer 200. */
  failed: number;
  ms: number;
}

interface SearchJson {
  traces?: { traceID?: string; rootServiceName?: string; rootTraceName?: string }[];
}

/**
 * Sends the warm-up requests, one at a time, through `api` (the process's own routes).
 * `stopped` is asked before each request, so a process that is stopping sends no more.
 */
export async function warmUpQueries(api: TempoApi, target: WarmUpTarget, multitenancy: boolean, stopped: () => boolean): Promise<WarmUpReport> {
  const t0 = performance.now();
  const headers: Record<string, string> = { [WARM_UP_HEADER]: '1', ...(multitenancy ? { 'x-scope-orgid': target.tenant } : {}) };
  const range = { start: String(target.start), end: String(target.end) };
  const report: WarmUpReport = { requests: 0, failed: 0, ms: 0 };
  const get = async (path: string, query: Record<string, string>): Promise<Buffer | undefined> => {
    if (stopped()) return undefined;
    report.requests++;
    // A process stopping meanwhile closes the routes under the request: that is no failure.
    const res = await api.get(path, query, headers).catch((err: unknown) => {
      if (stopped()) return undefined;
      throw err;
    });
    if (!res) return undefined;
    if (res.status === 200) return res.body;
    report.failed++;
    return undefined;
  };
  const search = async (q: string, limit: number): Promise<SearchJson> => {
    const body = await get('/api/search', { q, limit: String(limit), spss: '3', ...range });
    return body ? (JSON.parse(body.toString('utf8')) as SearchJson) : {};
  };
  // The newest trace: it gives a needle that exists, and an id to look up.
  const newest = (await search('{}', 1)).traces?.[0];
  const service = newest?.rootServiceName ?? 'spanbase-warm-up';
  const name = newest?.rootTraceName ?? 'spanbase-warm-up';
  // A needle that matches (bloom filters, dictionaries, a row group's trace and span columns).
  await search(`{ resource.service.name = ${quoteString(service)} && name = ${quoteString(name)} }`, 20);
  // Needles that match nothing: a generic attribute (the value index) and a pattern (dictionaries).
  await search('{ span.spanbase.warm-up = "none" }', 20);
  await search('{ name =~ ".*spanbase-warm-up.*" }', 20);
  // Statistics and pages: a status and a duration bound.
  await search('{ status = error && duration > 1s }', 20);
  if (newest?.traceID) await get(`/api/v2/traces/${newest.traceID}`, {});
  await get('/api/metrics/query_range', { q: '{ status = error } | rate() by (resource.service.name)', step: String(Math.max(1, Math.ceil((target.end - target.start) / 100))), ...range });
  await get('/api/v2/search/tags', { scope: 'resource', ...range });
  await get('/api/v2/search/tag/resource.service.name/values', range);
  report.ms = performance.now() - t0;
  return report;
}

/** A block as the warm-up needs it. */
interface BlockRange {
  tenantID: string;
  startUnixNano: string;
  endUnixNano: string;
}

/** Live data of the last minutes, when there is no block yet. */
const NO_BLOCK_LOOKBACK_S = 300;
const NS_PER_S = 1_000_000_000n;

/**
 * The newest block's tenant and time range (live data is asked whatever the range); without
 * blocks, the last five minutes of `tenant`, or nothing when there is no tenant to ask.
 */
export function warmUpTarget(blocks: Iterable<BlockRange>, nowMs: number, tenant: string | undefined): WarmUpTarget | undefined {
  let newest: BlockRange | undefined;
  for (const b of blocks) if (!newest || BigInt(b.endUnixNano) > BigInt(newest.endUnixNano)) newest = b;
  if (newest) return { tenant: newest.tenantID, start: Number(BigInt(newest.startUnixNano) / NS_PER_S), end: Number(BigInt(newest.endUnixNano) / NS_PER_S) + 1 };
  if (tenant === undefined) return undefined;
  const now = Math.ceil(nowMs / 1000);
  return { tenant, start: now - NO_BLOCK_LOOKBACK_S, end: now };
}
