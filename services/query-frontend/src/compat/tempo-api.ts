// The Jaeger and Zipkin query APIs are translations onto Tempo's API, the way Grafana's
// tempo-query answers Jaeger's UI over Tempo's HTTP API: services are tag values, a trace search is
// a TraceQL search followed by trace-by-id, and every limit, admission queue and timeout of those
// routes applies unchanged. The calls go to the API app in this process (no socket).
import { decodeExportRequest } from '@spanbase/otlp';
import type { TracesData } from '@spanbase/model';
import { Internal, TenantInvalid, TenantMissing } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import type { ErrorFactory } from '@spanbase/model';
import { RpcFailed, RpcUnavailable } from '@spanbase/internal-api';
import { CALLER_HEADER, withCallerToken } from './caller-signal.ts';
import { BadRequest, QueryTimeout, ResponseTooLarge, TooManyQueries, TraceNotFound, TraceTooLarge } from '../errors.ts';

/** One call to Tempo's API. */
export interface TempoApi {
  /**
   * GETs `path` with `query`; resolves with the status and the body whatever the status. The
   * route's own query work stops when `signal` aborts.
   */
  get(path: string, query: Record<string, string>, headers: Record<string, string>, signal?: AbortSignal): Promise<TempoResponse>;
}

/** An answer of Tempo's API. */
export interface TempoResponse {
  status: number;
  body: Buffer;
  /** Seconds of a Retry-After header (429, 503), when there is one. */
  retryAfterSeconds?: number;
}

/** Tempo's API served by the app in this process. */
export function injectTempoApi(app: FastifyInstance): TempoApi {
  return {
    async get(path, query, headers, signal) {
      const call = (h: Record<string, string>) => app.inject({ method: 'GET', url: path, query, headers: h });
      const res = signal ? await withCallerToken(signal, (token) => call({ ...headers, [CALLER_HEADER]: token })) : await call(headers);
      const retry = Number(res.headers['retry-after']);
      return { status: res.statusCode, body: res.rawPayload, retryAfterSeconds: Number.isFinite(retry) && retry > 0 ? retry : undefined };
    },
  };
}

// The route's own error for each status it can answer, so the status (and Retry-After) pass through.
const BY_STATUS: Record<number, ErrorFactory> = { 400: BadRequest, 401: TenantMissing, 404: TraceNotFound, 422: ResponseTooLarge, 429: TooManyQueries, 502: RpcFailed, 503: RpcUnavailable, 504: QueryTimeout };

/** A failed call as the named error of its status, with Tempo's message. */
function failure(res: TempoResponse, path: string): Error {
  const { status } = res;
  const message = res.body.toString('utf8').trim();
  if (status === 400 && /tenant/i.test(message)) return TenantInvalid(message);
  if (status === 422 && path.startsWith('/api/traces/')) return TraceTooLarge(message);
  const factory = BY_STATUS[status] ?? Internal;
  return factory(factory === Internal ? `query failed with status ${status}: ${message}` : message, { retryAfterSeconds: res.retryAfterSeconds });
}

/** A caller of Tempo's API on behalf of one request (its tenant header travels along). */
export class TempoCalls {
  private readonly api: TempoApi;
  private readonly headers: Record<string, string>;
  private readonly signal: AbortSignal | undefined;

  /** `signal`: the outer client went away; calls not yet made are not made, running ones stop. */
  constructor(api: TempoApi, tenantHeader: string | string[] | undefined, signal?: AbortSignal) {
    this.api = api;
    this.signal = signal;
    const tenant = Array.isArray(tenantHeader) ? tenantHeader[0] : tenantHeader;
    this.headers = tenant === undefined ? {} : { 'x-scope-orgid': tenant };
  }

  private get(path: string, query: Record<string, string>, headers: Record<string, string>): Promise<TempoResponse> {
    this.signal?.throwIfAborted();
    return this.api.get(path, query, headers, this.signal);
  }

  /** GETs JSON; a failure is thrown as the named error of its status. */
  async json<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const res = await this.get(path, query, this.headers);
    if (res.status !== 200) throw failure(res, path);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** A trace by id (hex), or undefined when there is none. */
  async trace(idHex: string): Promise<TracesData | undefined> {
    const path = `/api/traces/${idHex}`;
    const res = await this.get(path, {}, { ...this.headers, accept: 'application/protobuf' });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw failure(res, path);
    return decodeExportRequest(res.body);
  }

  /** Values of a tag (TraceQL spelling), optionally among spans matching the filter `q`. */
  async tagValues(tag: string, q: string | undefined, range: { start?: string; end?: string } = {}): Promise<string[]> {
    const query: Record<string, string> = {};
    if (q) query.q = q;
    if (range.start && range.end) Object.assign(query, { start: range.start, end: range.end });
    const r = await this.json<{ tagValues?: { value: string }[] }>(`/api/v2/search/tag/${encodeURIComponent(tag)}/values`, query);
    return [...new Set((r.tagValues ?? []).map((v) => v.value))];
  }

  /** Ids (hex) of traces a TraceQL search finds, newest first. */
  async searchIds(q: string, limit: number, startSeconds: number, endSeconds: number): Promise<string[]> {
    const r = await this.json<{ traces?: { traceID: string }[] }>('/api/search', { q, limit: String(limit), start: String(startSeconds), end: String(endSeconds), spss: '1' });
    return (r.traces ?? []).map((t) => t.traceID);
  }

  /**
   * Distinct (span name, kind) pairs among spans matching `filter`, from one search over up to
   * `limit` traces (as Tempo's filtered tag values look at a sample, not at everything).
   */
  async namesAndKinds(filter: string, limit: number): Promise<{ name: string; kind: string }[]> {
    type Result = { traces?: { spanSets?: { spans?: { name?: string; attributes?: { key: string; value: { stringValue?: string } }[] }[] }[] }[] };
    const r = await this.json<Result>('/api/search', { q: `${filter} | select(kind)`, limit: String(limit), spss: '100' });
    const seen = new Map<string, { name: string; kind: string }>();
    for (const t of r.traces ?? []) {
      for (const ss of t.spanSets ?? []) {
        for (const s of ss.spans ?? []) {
          const name = s.name ?? '';
          const kind = s.attributes?.find((a) => a.key === 'kind')?.value.stringValue ?? 'unspecified';
          seen.set(`${name}\u0000${kind}`, { name, kind });
        }
      }
    }
    return [...seen.values()];
  }

  /** The traces with these ids that exist, fetched a few at a time, in the order asked. */
  async traces(ids: readonly string[], concurrency = 4): Promise<TracesData[]> {
    const out = new Array<TracesData | undefined>(ids.length);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const i = next++;
        out[i] = await this.trace(ids[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    return out.filter((t): t is TracesData => t !== undefined);
  }
}
