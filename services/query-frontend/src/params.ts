// Parsing of query-API parameters, with 400s that name the parameter.
import { parseTraceIdParam } from '@spanbase/model';
import { BadRequest } from './errors.ts';
import type { TimeRange } from '@spanbase/query';

/** The trace id of a URL, left-padded to 16 bytes. */
export function traceIdParam(text: string): Uint8Array {
  const id = parseTraceIdParam(text);
  if (!id) throw BadRequest(`invalid trace id "${text.length > 64 ? text.slice(0, 64) + '…' : text}": expected 1 to 32 hex characters`);
  return id;
}

/** Optional `start`/`end` in unix seconds: both or neither, end after start. */
export function timeRangeParams(query: Record<string, unknown>): TimeRange | undefined {
  const start = query.start;
  const end = query.end;
  if ((start === undefined || start === '') && (end === undefined || end === '')) return undefined;
  const s = Number(start);
  const e = Number(end);
  if (start === undefined || end === undefined || !Number.isFinite(s) || !Number.isFinite(e) || !/^\d+$/.test(String(start)) || !/^\d+$/.test(String(end))) {
    throw BadRequest('start and end must both be given as unix seconds');
  }
  if (s === 0 && e === 0) return undefined;
  if (e <= s) throw BadRequest(`end (${e}) must be after start (${s})`);
  return { startSeconds: s, endSeconds: e };
}
