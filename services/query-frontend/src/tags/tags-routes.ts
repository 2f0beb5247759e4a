// Tempo's tag APIs, served from tags summaries (blocks and live data) so a tenant with hundreds
// of thousands of distinct values answers in milliseconds, most frequent first:
//   GET /api/search/tags                      {"tagNames":[...]}
//   GET /api/v2/search/tags                   {"scopes":[{"name","tags"}...]}   scope, q, start, end, limit
//   GET /api/search/tag/{tag}/values          {"tagValues":["..."]}
//   GET /api/v2/search/tag/{tag}/values       {"tagValues":[{"type","value"}]}  q, start, end, limit
// A `q` filter on values runs the filter as a search with select(tag) and counts what it finds.
import type { TagScope } from '@spanbase/block';
import { TqlResultTooLarge, parse, parseOrThrow } from '@spanbase/traceql';
import type { Scalar } from '@spanbase/traceql';
import { tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import { BadRequest, ResponseTooLarge } from '../errors.ts';
import { isSpanbaseError } from '@spanbase/model';
import { spansetsOf } from '@spanbase/internal-api';
import { querySignal } from '../query-signal.ts';
import type { QueryAdmission } from '../admission.ts';
import { executeSearchOver } from '@spanbase/query';
import { startSearch } from '@spanbase/query';
import type { SearchSources } from '@spanbase/query';
import { parseTagName, tagText } from './tag-name.ts';
import type { TagRef } from './tag-name.ts';
import { mergeSummaries, topIntrinsicValues, topKeys, topValues } from '@spanbase/query';
import type { MergedValue } from '@spanbase/query';
import type { TagsSource } from '@spanbase/query';

/** The intrinsics Grafana offers in autocomplete (Tempo's list). */
export const INTRINSIC_TAGS = [
  'duration', 'event:name', 'event:timeSinceStart', 'instrumentation:name', 'instrumentation:version', 'kind', 'name',
  'rootName', 'rootServiceName', 'span:duration', 'span:kind', 'span:name', 'span:status', 'span:statusMessage',
  'status', 'statusMessage', 'trace:duration', 'trace:rootName', 'trace:rootService', 'traceDuration',
];

const SCOPE_ORDER = ['resource', 'span', 'intrinsic', 'event', 'link', 'instrumentation'] as const;
type ApiScope = (typeof SCOPE_ORDER)[number];

const FIXED_KEYWORDS: Partial<Record<string, string[]>> = {
  status: ['error', 'ok', 'unset'],
  kind: ['client', 'consumer', 'internal', 'producer', 'server', 'unspecified'],
};
const NO_VALUES = new Set(['duration', 'traceDuration', 'event:timeSinceStart', 'span:id', 'trace:id', 'span:parentID', 'link:traceID', 'link:spanID', 'nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'span:childCount']);

/** What the tag routes need. */
export interface TagsRoutesOptions {
  tagsSources: (tenant: string, range: Range) => Promise<readonly TagsSource[]>;
  /** Where a `q` filter on values runs, as a search. */
  searchSources: SearchSources;
  /** Admission of `q`-filtered value lookups, which are searches. */
  admission: QueryAdmission;
  /** Sources a filtered lookup searches at once (the queriers' job slots). */
  parallelism: () => number;
  /** --query.max-response-bytes: bound on the search behind a filtered lookup. */
  maxResponseBytes: number;
  multitenancy: boolean;
  defaultLookbackMs: number;
  timeoutMs: number;
  now: () => number;
}

/** A lookup's time range, unix ns (0n = open). */
export interface Range {
  start: bigint;
  end: bigint;
}

function range(q: Record<string, string | undefined>, lookbackMs: number, now: () => number): Range {
  const s = q.start;
  const e = q.end;
  if ((s && s !== '0') || (e && e !== '0')) {
    if (!/^\d+$/.test(s ?? '') || !/^\d+$/.test(e ?? '')) throw BadRequest('start and end must both be given as unix seconds');
    const r = { start: BigInt(s!) * 1_000_000_000n, end: BigInt(e!) * 1_000_000_000n };
    if (r.end <= r.start) throw BadRequest(`invalid range: end (${e}) must be after start (${s})`);
    return r;
  }
  return { start: (BigInt(now()) - BigInt(lookbackMs)) * 1_000_000n, end: 0n };
}

function limitParam(v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  if (!/^\d+$/.test(v)) throw BadRequest(`invalid limit "${v}": expected a positive integer`);
  return Number(v);
}

function inRange(src: TagsSource, r: Range): boolean {
  if (!src.timeRange) return true;
  return !(r.start !== 0n && src.timeRange.endNs < r.start) && !(r.end !== 0n && src.timeRange.startNs > r.end);
}

const INTRINSIC_SUMMARY: Partial<Record<string, string>> = {
  name: 'name',
  statusMessage: 'statusMessage',
  rootName: 'rootName',
  rootServiceName: 'rootServiceName',
  'event:name': 'event:name',
  'instrumentation:name': 'instrumentation:name',
  'instrumentation:version': 'instrumentation:version',
};

function scopesOf(ref: Extract<TagRef, { kind: 'attribute' }>): TagScope[] {
  return ref.scope === 'none' ? ['span', 'resource'] : [ref.scope as TagScope];
}

const V2_TYPE: Record<MergedValue['type'], string> = { string: 'string', int: 'int', double: 'float', bool: 'bool' };

/** A value as the v2 API types it. */
interface TypedValue {
  type: string;
  value: string;
}

function typed(list: readonly MergedValue[]): TypedValue[] {
  return list.map((v) => ({ type: V2_TYPE[v.type], value: v.value }));
}

/** Registers the four tag routes. */
export function registerTagsRoutes(app: FastifyInstance, opts: TagsRoutesOptions): void {
  const summaries = async (tenant: string, r: Range, signal: AbortSignal) => {
    const sources = (await opts.tagsSources(tenant, r)).filter((s) => inRange(s, r));
    const got = await Promise.all(sources.map((s) => s.summary(signal).catch(() => undefined)));
    const ok = got.filter((s) => s !== undefined);
    const bytes = sources.reduce((a, s) => a + s.bytes, 0);
    return { merged: mergeSummaries(ok), metrics: { inspectedBytes: String(bytes), totalBlocks: sources.filter((s) => s.timeRange).length } };
  };

  /** Values of `ref` among spans matching the filter `q`, by running the filter as a search. */
  const filteredValues = async (tenant: string, ref: TagRef, q: string, r: Range, limit: number, signal: AbortSignal): Promise<MergedValue[]> => {
    const query = parseOrThrow(`${q} | select(${tagText(ref)})`);
    const o = { limit: 1000, spansPerSpanset: 100, start: r.start, end: r.end, maxResultBytes: opts.maxResponseBytes, signal };
    const run = await opts.admission.run(tenant, () => executeSearchOver(startSearch(opts.searchSources, tenant, query, o), query, { ...o, concurrency: opts.parallelism() }), signal).catch((err: unknown) => {
      if (!isSpanbaseError(err, TqlResultTooLarge)) throw err;
      throw ResponseTooLarge(`the spans matching the filter would carry more than --query.max-response-bytes=${opts.maxResponseBytes} bytes of values: narrow the filter or the time range`, { cause: err });
    });
    const counts = new Map<string, MergedValue>();
    const count = (v: Scalar) => {
      if (v.type === 'nil') return;
      const type: MergedValue['type'] = v.type === 'int' ? 'int' : v.type === 'float' ? 'double' : v.type === 'bool' ? 'bool' : 'string';
      const value = typeof v.value === 'bigint' ? v.value.toString() : String(v.value);
      const k = `${type}:${value}`;
      const e = counts.get(k);
      if (e) e.count++;
      else counts.set(k, { type, value, count: 1 });
    };
    for (const t of run.result.traces) {
      for (const ss of spansetsOf(t)) {
        for (const s of ss.spans) {
          // Search results carry a span's name in its own field, not among the attributes.
          if (ref.kind === 'intrinsic' && ref.name === 'name') {
            if (s.name !== undefined) count({ type: 'string', value: s.name });
            continue;
          }
          for (const a of s.attributes) {
            if (a.key !== ref.name) continue;
            if (a.value.type === 'array') a.value.value.forEach(count);
            else count(a.value);
          }
        }
      }
    }
    const sorted = [...counts.values()].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    return limit > 0 ? sorted.slice(0, limit) : sorted;
  };

  const values = async (tenant: string, ref: TagRef, q: Record<string, string | undefined>, signal: AbortSignal): Promise<{ values: TypedValue[]; metrics: object }> => {
    const r = range(q, opts.defaultLookbackMs, opts.now);
    const limit = limitParam(q.limit);
    if (ref.kind === 'intrinsic' && FIXED_KEYWORDS[ref.name]) return { values: FIXED_KEYWORDS[ref.name]!.map((value) => ({ type: 'keyword', value })), metrics: {} };
    if (ref.kind === 'intrinsic' && NO_VALUES.has(ref.name)) return { values: [], metrics: {} };
    const filter = q.q?.trim();
    // An empty or match-all filter, or one that does not parse, leaves the list unfiltered (as Tempo does).
    if (filter && filter !== '{}' && parse(filter).errors.length === 0 && parse(`${filter} | select(${tagText(ref)})`).errors.length === 0) {
      return { values: typed(await filteredValues(tenant, ref, filter, r, limit, signal)), metrics: {} };
    }
    const { merged, metrics } = await summaries(tenant, r, signal);
    if (ref.kind === 'intrinsic') {
      const key = INTRINSIC_SUMMARY[ref.name];
      return { values: key ? typed(topIntrinsicValues(merged, key, limit)) : [], metrics };
    }
    return { values: typed(topValues(merged, scopesOf(ref), ref.name, limit)), metrics };
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/v2/search/tags', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const scope = req.query.scope ?? '';
    if (scope !== '' && scope !== 'none' && scope !== 'all' && !(SCOPE_ORDER as readonly string[]).includes(scope)) {
      throw BadRequest(`invalid scope "${scope}": expected one of ${SCOPE_ORDER.join(', ')}, or none`);
    }
    const limit = limitParam(req.query.limit);
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      const { merged, metrics } = await summaries(tenant, range(req.query, opts.defaultLookbackMs, opts.now), signal);
      const wanted: ApiScope[] = scope === '' || scope === 'none' || scope === 'all' ? [...SCOPE_ORDER] : [scope as ApiScope];
      return {
        scopes: wanted.map((name) => ({ name, tags: name === 'intrinsic' ? (limit > 0 ? INTRINSIC_TAGS.slice(0, limit) : INTRINSIC_TAGS) : topKeys(merged, name, limit) })),
        metrics,
      };
    } finally {
      done();
    }
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/search/tags', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const limit = limitParam(req.query.limit);
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      const { merged, metrics } = await summaries(tenant, range(req.query, opts.defaultLookbackMs, opts.now), signal);
      const names = [...new Set([...topKeys(merged, 'span', 0), ...topKeys(merged, 'resource', 0)])];
      return { tagNames: limit > 0 ? names.slice(0, limit) : names, metrics };
    } finally {
      done();
    }
  });

  app.get<{ Params: { tag: string }; Querystring: Record<string, string | undefined> }>('/api/v2/search/tag/:tag/values', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const ref = parseTagName(decodeTag(req.params.tag));
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      const r = await values(tenant, ref, req.query, signal);
      return { tagValues: r.values, metrics: r.metrics };
    } finally {
      done();
    }
  });

  app.get<{ Params: { tag: string }; Querystring: Record<string, string | undefined> }>('/api/search/tag/:tag/values', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const tag = decodeTag(req.params.tag);
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      if (tag === 'status.code') return { tagValues: ['unset', 'ok', 'error'], metrics: {} };
      if (tag === 'error') return { tagValues: ['true'], metrics: {} };
      const ref: TagRef = { kind: 'attribute', scope: 'none', name: tag };
      const r = await values(tenant, ref, { ...req.query, q: undefined }, signal);
      return { tagValues: [...new Set(r.values.map((v) => v.value))], metrics: r.metrics };
    } finally {
      done();
    }
  });
}

/** Grafana double-encodes tag names in the path; the router decodes once, we decode the rest. */
function decodeTag(raw: string): string {
  let t = raw;
  for (let i = 0; i < 2 && /%[0-9a-fA-F]{2}/.test(t); i++) {
    try {
      t = decodeURIComponent(t);
    } catch {
      break;
    }
  }
  return t;
}
