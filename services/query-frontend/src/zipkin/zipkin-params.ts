// GET /api/v2/traces parameters as Zipkin's v2 API defines them: serviceName, remoteServiceName,
// spanName, annotationQuery ("http.uri=/foo and retried": key=value matches a tag, a bare word an
// annotation or a tag key; all on the same span), minDuration and maxDuration (microseconds),
// endTs and lookback (epoch milliseconds; lookback defaults to a day), limit (default 10).
import { BadRequest } from '../errors.ts';
import { attr, durationConds, quote, spanFilter, tagEquals } from '../compat/traceql-terms.ts';

/** A parsed Zipkin trace search. */
export interface ZipkinSearch {
  query: string;
  limit: number;
  startSeconds: number;
  endSeconds: number;
}

type Query = Record<string, string | string[] | undefined>;

/** A single-valued parameter. */
export function param(q: Query, name: string): string | undefined {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === '' ? undefined : s;
}

function int(q: Query, name: string, what: string): bigint | undefined {
  const v = param(q, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,16}$/.test(v)) throw BadRequest(`invalid ${name} "${v.slice(0, 40)}": expected ${what}`);
  return BigInt(v);
}

const DAY_MS = 86_400_000n;

/** The conditions of an annotationQuery. */
export function annotationConds(text: string): string[] {
  return text.split(/\s+and\s+/i).map((t) => t.trim()).filter((t) => t !== '').map((term) => {
    const eq = term.indexOf('=');
    if (eq === 0) throw BadRequest(`invalid annotationQuery term "${term.slice(0, 60)}": a key is missing before =`);
    if (eq > 0) {
      const key = term.slice(0, eq);
      const value = term.slice(eq + 1);
      return key === 'error' ? 'status = error' : tagEquals(key, value);
    }
    return term === 'error' ? 'status = error' : `(event:name = ${quote(term)} || ${attr(term)} != nil)`;
  });
}

/** Parses a Zipkin trace search; `now` is epoch ms. */
export function parseZipkinSearch(q: Query, now: number): ZipkinSearch {
  const conds: string[] = [];
  const service = param(q, 'serviceName');
  if (service) conds.push(`resource.service.name = ${quote(service)}`);
  const remote = param(q, 'remoteServiceName');
  if (remote) conds.push(`span.peer.service = ${quote(remote)}`);
  const spanName = param(q, 'spanName');
  if (spanName && spanName !== 'all') conds.push(`name = ${quote(spanName)}`);
  const ann = param(q, 'annotationQuery');
  if (ann) conds.push(...annotationConds(ann));
  const minUs = int(q, 'minDuration', 'microseconds');
  const maxUs = int(q, 'maxDuration', 'microseconds');
  if (minUs !== undefined && maxUs !== undefined && maxUs < minUs) throw BadRequest('maxDuration must be greater than or equal to minDuration');
  conds.push(...durationConds(minUs === undefined ? undefined : minUs * 1000n, maxUs === undefined ? undefined : maxUs * 1000n));
  const endMs = int(q, 'endTs', 'epoch milliseconds') ?? BigInt(now);
  const lookback = int(q, 'lookback', 'milliseconds') ?? DAY_MS;
  const limit = int(q, 'limit', 'a positive integer') ?? 10n;
  if (limit === 0n) throw BadRequest('invalid limit: must be greater than 0');
  const startMs = endMs > lookback ? endMs - lookback : 0n;
  const startSeconds = Number(startMs / 1000n);
  const endSeconds = Math.max(startSeconds + 1, Number((endMs + 999n) / 1000n));
  return { query: spanFilter(conds), limit: Number(limit), startSeconds, endSeconds };
}
