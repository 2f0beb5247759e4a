// GET /api/metrics/query_range and /api/metrics/query parameters, as Tempo parses them:
// q (or query), start and end (unix seconds, unix nanoseconds, fractional seconds or RFC 3339),
// since (a duration back from end, default 1h), step (seconds or a duration; default dynamic),
// exemplars (how many; default the maximum).
import { parseDurationText } from '@spanbase/traceql';
import { BadRequest } from '../errors.ts';

/** A parsed metrics request. */
export interface MetricsParams {
  /** The TraceQL metrics query. */
  query: string;
  /** Range, unix ns. */
  start: bigint;
  /** See start. */
  end: bigint;
  /** Step, ns; undefined for the default. */
  step: bigint | undefined;
  /** Exemplars asked for; 0 for the default. */
  exemplars: number;
}

/** Limits on the parameters. */
export interface MetricsParamLimits {
  /** Longest range, ms (0 = no limit). */
  maxRangeMs: number;
  /** Longest query text, bytes. */
  maxQueryBytes: number;
  /** The clock, unix ms. */
  now: () => number;
}

const NS_PER_S = 1_000_000_000n;
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * A timestamp as Tempo reads one: with a dot, fractional unix seconds (to the millisecond); an
 * integer of at most 10 digits, unix seconds; one of 19 or more, unix nanoseconds; else RFC 3339.
 * Integers of 11 to 18 digits are refused: read as nanoseconds (Tempo's way) they fall before
 * 2001, so they are a unit mistake (13 digits are milliseconds, 11 seconds after 2286) that would
 * otherwise answer an empty 200.
 */
export function parseTimestamp(name: string, text: string): bigint {
  if (text.includes('.') && /^-?\d*\.\d*$/.test(text) && text !== '.') {
    const ms = Math.round(Number(text) * 1000);
    if (Number.isFinite(ms) && ms >= 0) return BigInt(ms) * 1_000_000n;
  }
  if (/^-?\d+$/.test(text)) {
    const digits = text.replace('-', '').length;
    if (text.startsWith('-')) throw BadRequest(`invalid '${name}' parameter "${text}": a time before 1970`);
    if (digits > 10 && digits < 19) {
      throw BadRequest(`invalid '${name}' parameter "${text}": ${digits} digits are neither unix seconds (at most 10 digits) nor unix nanoseconds (19 digits)${digits === 13 ? '; this looks like milliseconds' : ''}`);
    }
    const n = BigInt(text);
    return digits <= 10 ? n * NS_PER_S : n;
  }
  const m = RFC3339.exec(text);
  const ms = m ? Date.parse(`${m[1]}${m[3].toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms)) throw BadRequest(`could not parse '${name}' parameter "${text}": expected unix seconds or nanoseconds, or RFC 3339`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

function duration(name: string, text: string): bigint {
  const ns = parseDurationText(text);
  if (ns === undefined) throw BadRequest(`could not parse '${name}' parameter "${text}": expected a duration like 15m or 1h`);
  return ns;
}

/** Step as seconds (a number) or a duration (`30s`, `1m`). */
function parseStep(text: string): bigint {
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
    const ns = Number(text) * 1e9;
    if (!Number.isFinite(ns) || Math.abs(ns) > 9.2e18) throw BadRequest(`step "${text}" is out of range`);
    return BigInt(Math.round(ns));
  }
  return duration('step', text);
}

/** Parses and checks the parameters; `instant` ignores step. */
export function parseMetricsParams(q: Record<string, string | undefined>, limits: MetricsParamLimits, instant: boolean): MetricsParams {
  const query = q.q || q.query || '';
  if (query === '') throw BadRequest('missing q: a TraceQL metrics query, e.g. {} | rate()');
  if (Buffer.byteLength(query) > limits.maxQueryBytes) throw BadRequest(`query is ${Buffer.byteLength(query)} bytes, over the limit of ${limits.maxQueryBytes}`);
  const now = BigInt(limits.now()) * 1_000_000n;
  const since = q.since ? duration('since', q.since) : 3600n * NS_PER_S;
  const end = q.end ? parseTimestamp('end', q.end) : now;
  // A default start counts back from the end, or from now when the end is in the future.
  const start = q.start ? parseTimestamp('start', q.start) : (end < now ? end : now) - since;
  if (end <= start) throw BadRequest('end must be greater than start');
  if (limits.maxRangeMs > 0 && end - start > BigInt(limits.maxRangeMs) * 1_000_000n) {
    throw BadRequest(`range of ${(end - start) / NS_PER_S}s is over the limit of ${limits.maxRangeMs / 1000}s for metrics queries`);
  }
  let step: bigint | undefined;
  if (!instant && q.step) {
    step = parseStep(q.step);
    if (step < 0n) throw BadRequest(`step "${q.step}" must be positive`);
    if (step === 0n) step = undefined;
  }
  const exemplars = q.exemplars && /^\d+$/.test(q.exemplars) ? Number(q.exemplars) : 0;
  return { query, start, end, step, exemplars };
}
