// GET /api/traces parameters as Jaeger's query service reads them: service (required unless
// traceID is given), operation, tags (a JSON object) and tag=key:value (repeated), minDuration and
// maxDuration (Go durations like 1.2s, 100ms, 50us), start and end (epoch microseconds), limit,
// lookback (when start is absent: 1h, 2d, ...), traceID (repeated: fetch those traces).
import { parseDurationText } from '@spanbase/traceql';
import { BadRequest } from '../errors.ts';
import { durationConds, quote, spanFilter, tagEquals } from '../compat/traceql-terms.ts';

/** A parsed Jaeger trace search. */
export interface JaegerSearch {
  /** Trace ids asked for by traceID (then nothing else applies). */
  traceIds: string[];
  /** TraceQL of the search. */
  query: string;
  limit: number;
  startSeconds: number;
  endSeconds: number;
}

type Query = Record<string, string | string[] | undefined>;

/** The last value of a parameter (Go's url.Values.Get takes the first; repeated ones are rare). */
export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

function all(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function duration(q: Query, name: string): bigint | undefined {
  const v = one(q, name);
  if (v === undefined || v === '') return undefined;
  const ns = parseDurationText(v);
  if (ns === undefined) throw BadRequest(`cannot parse ${name} "${v.slice(0, 40)}": expected a duration like 1.2s, 100ms or 50us`);
  return ns;
}

function micros(q: Query, name: string): bigint | undefined {
  const v = one(q, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,19}$/.test(v)) throw BadRequest(`cannot parse ${name} "${v.slice(0, 40)}": expected epoch microseconds`);
  return BigInt(v);
}

/** Tags from `tags` (JSON object) and `tag` (key:value, repeated). */
function tagPairs(q: Query): [string, string][] {
  const pairs: [string, string][] = [];
  for (const t of all(q, 'tag')) {
    const i = t.indexOf(':');
    if (i <= 0) throw BadRequest(`malformed 'tag' parameter "${t.slice(0, 60)}": expected key:value`);
    pairs.push([t.slice(0, i), t.slice(i + 1)]);
  }
  for (const text of all(q, 'tags')) {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      throw BadRequest(`malformed 'tags' parameter: expecting a JSON object like {"http.status_code":"500"}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw BadRequest(`malformed 'tags' parameter: expecting a JSON object like {"http.status_code":"500"}`);
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw BadRequest(`malformed 'tags' parameter: the value of "${k}" must be a string`);
      pairs.push([k, String(v)]);
    }
  }
  return pairs;
}

/** Parses a Jaeger trace search; `now` is epoch ms. */
export function parseJaegerSearch(q: Query, opts: { defaultLimit: number; now: number }): JaegerSearch {
  const traceIds = all(q, 'traceID').filter((t) => t !== '');
  for (const t of traceIds) if (!/^[0-9a-fA-F]{1,32}$/.test(t)) throw BadRequest(`malformed traceID "${t.slice(0, 40)}": expected 1 to 32 hex characters`);
  const service = one(q, 'service') ?? '';
  if (traceIds.length === 0 && service === '') throw BadRequest("parameter 'service' is required");
  const minNs = duration(q, 'minDuration');
  const maxNs = duration(q, 'maxDuration');
  if (minNs !== undefined && maxNs !== undefined && maxNs < minNs) throw BadRequest("'maxDuration' should be greater than 'minDuration'");
  const limitText = one(q, 'limit');
  if (limitText !== undefined && limitText !== '' && !/^\d{1,9}$/.test(limitText)) throw BadRequest(`cannot parse limit "${limitText.slice(0, 40)}": expected a positive integer`);
  const limit = limitText ? Number(limitText) || opts.defaultLimit : opts.defaultLimit;
  const endUs = micros(q, 'end') ?? BigInt(opts.now) * 1000n;
  let startUs = micros(q, 'start');
  if (startUs === undefined) {
    const lb = one(q, 'lookback');
    const lookbackNs = lb && lb !== 'custom' ? parseDurationText(lb) : 3_600_000_000_000n;
    if (lookbackNs === undefined) throw BadRequest(`cannot parse lookback "${lb!.slice(0, 40)}": expected a duration like 1h or 2d`);
    startUs = endUs - lookbackNs / 1000n;
  }
  if (endUs <= startUs) throw BadRequest(`'end' (${endUs}) must be after 'start' (${startUs})`);
  const conds: string[] = [];
  if (service) conds.push(`resource.service.name = ${quote(service)}`);
  const operation = one(q, 'operation');
  if (operation) conds.push(`name = ${quote(operation)}`);
  for (const [k, v] of tagPairs(q)) conds.push(k === 'error' && v === 'true' ? 'status = error' : tagEquals(k, v));
  conds.push(...durationConds(minNs, maxNs));
  const startSeconds = Number(startUs / 1_000_000n);
  const endSeconds = Number((endUs + 999_999n) / 1_000_000n);
  return { traceIds, query: spanFilter(conds), limit, startSeconds, endSeconds: endSeconds > startSeconds ? endSeconds : startSeconds + 1 };
}
