// GET /api/search parameters, as Tempo parses them: q (TraceQL) or the legacy tags (logfmt,
// substring match), minDuration/maxDuration, limit, start/end (unix seconds), spss.
import { parseDurationText } from '@spanbase/traceql';
import { BadRequest } from '../errors.ts';

/** A parsed search request. */
export interface SearchParams {
  /** The TraceQL to run (built from `tags` for legacy requests). */
  query: string;
  /** Most traces. */
  limit: number;
  /** Spans per spanset. */
  spss: number;
  /** Range, unix ns; 0n when open. */
  start: bigint;
  end: bigint;
  /** Trace duration bounds, ns; undefined when not given. */
  minDurationNs: bigint | undefined;
  maxDurationNs: bigint | undefined;
}

/** Limits on the parameters. */
export interface SearchParamLimits {
  defaultLimit: number;
  maxLimit: number;
  defaultSpss: number;
  maxSpss: number;
  /** Range used when start/end are absent, ms. */
  defaultLookbackMs: number;
  /**
   * --ingestion.time-range-slack, ms: without start/end the range ends this far past now. Spans
   * dated further ahead were stamped by a clock that is off; they would otherwise sort first and
   * crowd the newest real traces out of every answer. Absent: the end stays open.
   */
  timeRangeSlackMs?: number;
  maxQueryBytes: number;
  now: () => number;
}

function uint(name: string, v: string | undefined, def: number, max: number, flag: string): number {
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v)) throw BadRequest(`invalid ${name} "${v}": expected a positive integer`);
  const n = Number(v);
  if (n === 0) throw BadRequest(`invalid ${name}: must be greater than 0`);
  if (n > max) throw BadRequest(`${name} ${n} is over the maximum of ${max} (${flag})`);
  return n;
}

function duration(name: string, v: string | undefined): bigint | undefined {
  if (v === undefined || v === '') return undefined;
  const ns = parseDurationText(v);
  if (ns === undefined) throw BadRequest(`invalid ${name} "${v}": expected a duration like 100ms or 1.5s`);
  return ns;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Splits logfmt `k=v k2="v w"` into pairs. */
export function parseLogfmt(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    out.push([m[1], m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]]);
    at = re.lastIndex;
  }
  if (text.slice(at).trim() !== '') throw BadRequest(`invalid tags "${text}": expected logfmt like service.name=frontend http.status_code=500`);
  return out;
}

/**
 * The TraceQL equivalent of Tempo's legacy tag search: every tag must match a span or resource
 * attribute (case-insensitive substring); `name` and `status.code` mean the intrinsics.
 */
export function tagsToTraceql(pairs: readonly [string, string][]): string {
  if (pairs.length === 0) return '{}';
  const conds = pairs.map(([k, v]) => {
    if (k === 'name') return `name =~ ${quote(`(?i).*${escapeRegex(v)}.*`)}`;
    if (k === 'status.code' && /^(ok|error|unset)$/.test(v)) return `status = ${v}`;
    if (k === 'error' && v === 'true') return 'status = error';
    const ref = /^[A-Za-z0-9_.\-/]+$/.test(k) ? `.${k}` : `.${quote(k)}`;
    const sub = `${ref} =~ ${quote(`(?i).*${escapeRegex(v)}.*`)}`;
    return /^-?\d+$/.test(v) ? `(${sub} || ${ref} = ${v})` : /^(true|false)$/.test(v) ? `(${sub} || ${ref} = ${v})` : sub;
  });
  return `{ ${conds.join(' && ')} }`;
}

/** Parses and checks the parameters of GET /api/search. */
export function parseSearchParams(q: Record<string, string | undefined>, limits: SearchParamLimits): SearchParams {
  const hasQ = q.q !== undefined && q.q !== '';
  const hasTags = q.tags !== undefined && q.tags !== '';
  if (hasQ && hasTags) throw BadRequest('invalid request: give either q (TraceQL) or tags, not both');
  const query = hasQ ? q.q! : tagsToTraceql(hasTags ? parseLogfmt(q.tags!) : []);
  if (Buffer.byteLength(query) > limits.maxQueryBytes) throw BadRequest(`query is ${Buffer.byteLength(query)} bytes, over the limit of ${limits.maxQueryBytes}`);
  const minDurationNs = duration('minDuration', q.minDuration);
  const maxDurationNs = duration('maxDuration', q.maxDuration);
  if (minDurationNs !== undefined && maxDurationNs !== undefined && maxDurationNs < minDurationNs) throw BadRequest('invalid maxDuration: must be greater than or equal to minDuration');
  let start = 0n;
  let end = 0n;
  const hasStart = q.start !== undefined && q.start !== '' && q.start !== '0';
  const hasEnd = q.end !== undefined && q.end !== '' && q.end !== '0';
  if (hasStart || hasEnd) {
    if (!/^\d+$/.test(q.start ?? '') || !/^\d+$/.test(q.end ?? '')) throw BadRequest('start and end must both be given as unix seconds');
    start = BigInt(q.start!) * 1_000_000_000n;
    end = BigInt(q.end!) * 1_000_000_000n;
    if (end <= start) throw BadRequest(`invalid range: end (${q.end}) must be after start (${q.start})`);
  } else {
    // The last lookback window, up to the slack a clock running a little ahead is allowed.
    const now = BigInt(limits.now()) * 1_000_000n;
    start = now - BigInt(limits.defaultLookbackMs) * 1_000_000n;
    if (limits.timeRangeSlackMs !== undefined) end = now + BigInt(limits.timeRangeSlackMs) * 1_000_000n;
  }
  return {
    query,
    limit: uint('limit', q.limit, limits.defaultLimit, limits.maxLimit, '--query.max-limit'),
    spss: uint('spss', q.spss, limits.defaultSpss, limits.maxSpss, '--query.max-spans-per-spanset'),
    start,
    end,
    minDurationNs,
    maxDurationNs,
  };
}
