// Autocomplete, the search builder's pickers, template variables and ad-hoc filters: the browser
// asks, through the datasource proxy, for tag names (/api/v2/search/tags: limit 5000, start and
// end when a tag time range is configured) and values (/api/v2/search/tag/{tag}/values: the
// tag double-encoded, `q` = the query typed or built so far), older Grafana the v1 forms
// (public/app/plugins/datasource/tempo/language_provider.ts, datasource.ts getTagKeys).
import { expect } from 'vitest';
import type { Fixture } from './fixture.ts';
import { sentResourceSpans } from './fixture.ts';
import type { SentSpan } from './oracle.ts';
import type { ReplayedRequest } from './request-row.ts';
import { RANGE, proxyJson } from './request-row.ts';
import { K8S_APP_LABEL } from './shop.ts';

/** Values per key a tags summary keeps (packages/block sb1/tags.ts, topValues). */
const TAG_SUMMARY_VALUES = 50;

/** The scopes of a v2 tags answer, in Tempo's order. */
export const TAG_SCOPES = ['resource', 'span', 'intrinsic', 'event', 'link', 'instrumentation'] as const;
type TagScope = (typeof TAG_SCOPES)[number];

/** Intrinsics Grafana's editor offers (and its ad-hoc filters write bare). */
const EDITOR_INTRINSICS = ['duration', 'kind', 'name', 'status', 'statusMessage', 'rootName', 'rootServiceName', 'traceDuration', 'event:name', 'span:name', 'span:status', 'trace:rootService'];

type J = Record<string, unknown>;

/** Attribute keys the client sent, per scope (read from the exporter's own OTLP JSON). */
function sentKeys(fx: Fixture): Record<Exclude<TagScope, 'intrinsic'>, string[]> {
  const keys = { resource: new Set<string>(), span: new Set<string>(), event: new Set<string>(), link: new Set<string>(), instrumentation: new Set<string>() };
  const add = (set: Set<string>, attrs: unknown) => ((attrs as J[] | undefined) ?? []).forEach((a) => set.add(String(a.key)));
  for (const rs of sentResourceSpans(fx.all) as J[]) {
    add(keys.resource, (rs.resource as J | undefined)?.attributes);
    for (const ss of (rs.scopeSpans as J[]) ?? []) {
      add(keys.instrumentation, (ss.scope as J | undefined)?.attributes);
      for (const s of (ss.spans as J[]) ?? []) {
        add(keys.span, s.attributes);
        for (const e of (s.events as J[]) ?? []) add(keys.event, e.attributes);
        for (const l of (s.links as J[]) ?? []) add(keys.link, l.attributes);
      }
    }
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { resource: sorted(keys.resource), span: sorted(keys.span), event: sorted(keys.event), link: sorted(keys.link), instrumentation: sorted(keys.instrumentation) };
}

/** Asserts a v2 tags answer as the language provider keeps it: scopes of names and tag lists. */
function expectScopes(body: unknown, fx: Fixture, wanted: readonly TagScope[]): Map<string, string[]> {
  const b = body as { scopes?: J[] };
  expect(Object.keys(b).sort()).toEqual(['metrics', 'scopes']);
  const scopes = new Map<string, string[]>();
  for (const s of b.scopes ?? []) {
    expect(Object.keys(s).sort(), 'a scope is a name and its tags').toEqual(['name', 'tags']);
    // Grafana maps over `tags` without checking it is there: an empty scope must still list [].
    expect(Array.isArray(s.tags), `scope ${String(s.name)} has a tags array`).toBe(true);
    const tags = s.tags as unknown[];
    for (const t of tags) expect(typeof t).toBe('string');
    expect(new Set(tags).size, `no repeated tag in ${String(s.name)}`).toBe(tags.length);
    scopes.set(String(s.name), tags as string[]);
  }
  expect([...scopes.keys()]).toEqual([...wanted]);
  const sent = sentKeys(fx);
  for (const scope of wanted) {
    if (scope === 'intrinsic') expect(scopes.get(scope)).toEqual(expect.arrayContaining(EDITOR_INTRINSICS));
    else expect([...scopes.get(scope)!].sort(), `${scope} tags are the keys the client sent`).toEqual(sent[scope]);
  }
  return scopes;
}

/** The attribute list Grafana's getTagKeys (ad-hoc filters, Drilldown's pickers) builds from it. */
export function grafanaTagKeys(scopes: Map<string, string[]>): string[] {
  return [...scopes].flatMap(([name, tags]) => tags.map((t) => (name === 'intrinsic' ? t : `${name}.${t}`)));
}

/** Asserts a v2 tag-values answer Grafana turns into options; returns `type:value` strings. */
export function expectTypedValues(body: unknown): string[] {
  const b = body as { tagValues?: J[] };
  expect(Object.keys(b).sort()).toEqual(['metrics', 'tagValues']);
  return (b.tagValues ?? []).map((v) => {
    expect(Object.keys(v).sort(), 'a value is a type and a value').toEqual(['type', 'value']);
    expect(v.type).toMatch(/^(string|int|float|bool|duration|keyword)$/);
    // Grafana drops options whose value is empty.
    expect(typeof v.value === 'string' && v.value !== '', `value ${JSON.stringify(v.value)}`).toBe(true);
    return `${String(v.type)}:${String(v.value)}`;
  });
}

/** `type:value` strings for the distinct values of `read` among `spans`. */
function distinct(spans: readonly SentSpan[], type: string, read: (s: SentSpan) => unknown): string[] {
  return [...new Set(spans.map(read).filter((v) => v !== undefined).map((v) => `${type}:${String(v)}`))].sort();
}

/**
 * Tags summaries keep the most frequent values of each key (TAG_SUMMARY_VALUES per summary),
 * so a key with more distinct values answers with a most-frequent subset: every value seen more
 * than once, at least TAG_SUMMARY_VALUES in all, nothing that was not sent.
 */
function expectMostFrequent(got: string[], spans: readonly SentSpan[], type: string, read: (s: SentSpan) => unknown): void {
  const counts = new Map<string, number>();
  for (const s of spans) {
    const v = read(s);
    if (v !== undefined) counts.set(`${type}:${String(v)}`, (counts.get(`${type}:${String(v)}`) ?? 0) + 1);
  }
  expect(counts.size, 'more distinct values than a summary keeps').toBeGreaterThan(TAG_SUMMARY_VALUES);
  expect(new Set(got).size).toBe(got.length);
  for (const v of got) expect(counts.has(v), `${v} was sent`).toBe(true);
  expect(got).toEqual(expect.arrayContaining([...counts].filter(([, n]) => n > 1).map(([v]) => v)));
  expect(got.length).toBeGreaterThanOrEqual(TAG_SUMMARY_VALUES);
}

function tagsRow(does: string, scope: TagScope | undefined): ReplayedRequest {
  const query: [string, string][] = [...(scope ? [['scope', scope] as [string, string]] : []), ['limit', '5000'], ...RANGE];
  return proxyJson('Autocomplete', does, '/api/v2/search/tags', query, (body, fx) => void expectScopes(body, fx, scope ? [scope] : TAG_SCOPES));
}

/** A v2 tag-values request answered with exactly the typed values `want` computes. */
function valuesRow(does: string, tag: string, query: [string, string][], want: (fx: Fixture) => string[]): ReplayedRequest {
  return proxyJson('Autocomplete', does, `/api/v2/search/tag/${tag}/values`, query, (body, fx) => expect(expectTypedValues(body).sort()).toEqual(want(fx)));
}

/** A v1 answer: `key` lists exactly `want` (in any order), beside `metrics`. */
function expectV1List(body: unknown, key: string, want: string[]): void {
  const b = body as Record<string, unknown>;
  expect(Object.keys(b).sort()).toEqual(['metrics', key].sort());
  expect([...(b[key] as string[])].sort()).toEqual([...new Set(want)].sort());
}

const LIMIT: [string, string][] = [['limit', '5000']];

export const AUTOCOMPLETE_REQUESTS: ReplayedRequest[] = [
  proxyJson('Autocomplete', 'loads tag names of every scope (tag time range configured: start/end)', '/api/v2/search/tags', [...LIMIT, ...RANGE], (body, fx) => {
    const keys = grafanaTagKeys(expectScopes(body, fx, TAG_SCOPES));
    expect(keys).toEqual(expect.arrayContaining(['resource.service.name', `resource.${K8S_APP_LABEL}`, 'span.http.route', 'event.exception.message', 'link.link.reason', 'instrumentation.shop.module', 'name', 'status']));
  }),
  tagsRow('loads resource tag names (scope picker)', 'resource'),
  tagsRow('loads span tag names (scope picker)', 'span'),
  tagsRow('loads intrinsic tag names (scope picker)', 'intrinsic'),
  tagsRow('loads event tag names (scope picker)', 'event'),
  tagsRow('loads link tag names (scope picker)', 'link'),
  tagsRow('loads instrumentation-scope tag names (scope picker)', 'instrumentation'),
  proxyJson('Autocomplete', 'loads tag names from an older Grafana (v1 fallback)', '/api/search/tags', [], (body, fx) => {
    const sent = sentKeys(fx);
    expectV1List(body, 'tagNames', [...sent.span, ...sent.resource]);
  }),
  valuesRow('loads values of resource.service.name', 'resource.service.name', [...LIMIT, ...RANGE], (fx) => distinct(fx.sent, 'string', (s) => s.service)),
  valuesRow('loads span names for the builder once a service is picked (q = the other filters)', 'name', [...LIMIT, ['q', '{resource.service.name="${service}-frontend"}'], ...RANGE],
    (fx) => distinct(fx.sent.filter((s) => s.service === `${fx.vars.service}-frontend`), 'string', (s) => s.name)),
  valuesRow('loads values of a tag with a "/" (Grafana double-encodes; the proxy decodes once)', `resource.${K8S_APP_LABEL.replace('/', '%2F')}`, [...LIMIT, ...RANGE], (fx) => distinct(fx.sent, 'string', (s) => s.resource[K8S_APP_LABEL])),
  proxyJson('Autocomplete', 'loads values of a scoped intrinsic with many values (span:name; the ":" arrives percent-encoded)', '/api/v2/search/tag/span%3Aname/values', [...LIMIT, ...RANGE],
    (body, fx) => expectMostFrequent(expectTypedValues(body), fx.sent, 'string', (s) => s.name)),
  valuesRow('loads values of an int attribute (typed int, so the builder writes them unquoted)', 'span.http.status_code', [...LIMIT, ...RANGE], (fx) => distinct(fx.sent, 'int', (s) => s.attributes['http.status_code'])),
  valuesRow('loads values of the status intrinsic (fixed keywords)', 'status', LIMIT, () => ['keyword:error', 'keyword:ok', 'keyword:unset']),
  proxyJson('Autocomplete', 'loads values from an older Grafana (v1 fallback)', '/api/search/tag/service.name/values', [], (body, fx) => expectV1List(body, 'tagValues', fx.sent.map((s) => s.service))),
];
