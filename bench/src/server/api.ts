// Timed requests to the server's Tempo-compatible HTTP API, the way Grafana makes them: the clock
// stops when the whole body has arrived (parsing it is the client's business, not timed).

/** A finished GET. */
export interface TimedResponse {
  /** HTTP status. */
  status: number;
  /** The body as text. */
  body: string;
  /** From sending the request to the last byte of the body, ms. */
  ms: number;
}

/** GETs `url` and times it. A failed connection names the path and undici's cause. */
export async function timedGet(url: string): Promise<TimedResponse> {
  const t0 = performance.now();
  try {
    const res = await fetch(url);
    const body = await res.text();
    return { status: res.status, body, ms: performance.now() - t0 };
  } catch (err) {
    const cause = (err as Error).cause as (Error & { code?: string }) | undefined;
    const why = cause ? `: ${cause.code ?? cause.name} ${cause.message}` : '';
    throw new Error(`GET ${new URL(url).pathname} failed after ${Math.round(performance.now() - t0)} ms${why}`, { cause: err });
  }
}

/** Unix seconds (rounded down) of unix nanoseconds. */
function seconds(ns: bigint): string {
  return String(ns / 1_000_000_000n);
}

/** `/api/search` for a TraceQL query; `start`/`end` in unix ns (rounded to seconds outward). */
export function searchUrl(api: string, q: string, opts: { limit: number; start?: bigint; end?: bigint }): string {
  const p = new URLSearchParams({ q, limit: String(opts.limit) });
  if (opts.start !== undefined && opts.end !== undefined) {
    p.set('start', seconds(opts.start));
    p.set('end', String(opts.end / 1_000_000_000n + 1n));
  }
  return `${api}/api/search?${p}`;
}

/** `/api/metrics/query_range`; range in unix ns, step in seconds. */
export function queryRangeUrl(api: string, q: string, opts: { start: bigint; end: bigint; stepSeconds: number }): string {
  const p = new URLSearchParams({ q, start: seconds(opts.start), end: seconds(opts.end), step: `${opts.stepSeconds}s` });
  return `${api}/api/metrics/query_range?${p}`;
}

/** A trace in a search answer (the fields the bench reads). */
export interface SearchTraceJson {
  /** Hex, leading zeros dropped. */
  traceID: string;
  /** Unix ns as a string. */
  startTimeUnixNano?: string;
}

/** The trace ids of a search answer, as DuckDB would print them (32 hex digits, lowercase). */
export function searchTraceIds(body: string): string[] {
  const json = JSON.parse(body) as { traces?: SearchTraceJson[] };
  return (json.traces ?? []).map((t) => t.traceID.toLowerCase().padStart(32, '0'));
}

/** Throws unless the response is 200. */
export function expectOk(r: TimedResponse, what: string): void {
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
}
