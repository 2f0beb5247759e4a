// The requests Grafana's Tempo datasource sends, one row per request, with the fields Grafana
// reads from each answer. A row without `expect` is pending: its endpoint is not built yet and
// the suite lists it as a todo with the exact request, so whoever builds the endpoint adds
// `expect` and the row runs. Placeholders `${name}` come from the fixture (fixture.ts `vars`).
//
// Sources (grafana/grafana): Save & test and init in public/app/plugins/datasource/tempo/
// datasource.ts; trace view in pkg/tsdb/tempo/trace.go; search in pkg/tsdb/tempo/search.go;
// autocomplete in public/app/plugins/datasource/tempo/language_provider.ts; metrics in
// pkg/tsdb/tempo/traceql_query.go; Drilldown in grafana/traces-drilldown src/components/Explore.
import { expect } from 'vitest';
import { BIG_TRACE_SPANS, MAX_BYTES_PER_TRACE } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { expectProtoJson, expectSameSpans, expectSubsetOfSpans, semverGte } from './checks.ts';
import { expectGrafanaSearchResponse, findTrace } from './search-checks.ts';
import type { BodyKind, Decoded, Sender } from './replay.ts';
import { encodedTraceSize } from './tempopb.ts';

/** The Grafana features the rows belong to. */
export type Feature =
  | 'Save & test'
  | 'Datasource init'
  | 'Trace view'
  | 'Partial trace warning'
  | 'Trace JSON'
  | 'TraceQL search'
  | 'Search builder'
  | 'Autocomplete'
  | 'TraceQL metrics'
  | 'Traces Drilldown';

/** One request Grafana sends, and what it needs back. */
export interface ReplayedRequest<K extends BodyKind = BodyKind> {
  feature: Feature;
  /** What the user does in Grafana (test title). */
  does: string;
  /** Which part of Grafana sends it (decides the headers). */
  sender: Sender;
  /** Path as Spanbase receives it, with `${name}` placeholders. */
  path: string;
  /** Query parameters in Grafana's order; values may hold placeholders. */
  query?: [string, string][];
  /** Accept header Grafana sets. */
  accept?: string;
  /** What Grafana needs back; absent while the endpoint is pending. */
  expect?: {
    status: number;
    /** How Grafana reads the body. */
    body: K;
    /** Checks of every field Grafana reads. */
    check: (body: Decoded<K>, fx: Fixture) => void;
  };
}

function row<K extends BodyKind>(r: ReplayedRequest<K>): ReplayedRequest {
  return r as unknown as ReplayedRequest;
}

const PROTOBUF = 'application/protobuf';
const JSON_ACCEPT = 'application/json';
const BROWSER_ACCEPT = 'application/json, text/plain, */*';
const RANGE: [string, string][] = [['start', '${start}'], ['end', '${end}']];

/** Grafana's trace view (trace.go): the trace must be present and hold every span sent. */
function fullTraceV2(body: Decoded<'protobuf:TraceByIDResponse'>, fx: Fixture): void {
  expect(body.trace, 'Grafana dereferences TraceByIDResponse.trace').toBeDefined();
  expectSameSpans(body.trace?.resourceSpans, fx.rich);
  expect(body.status).toBeUndefined();
  expect(body.message).toBeUndefined();
  expect(body.metrics?.inspectedBytes).toMatch(/^[1-9]\d*$/);
}

export const REQUESTS: ReplayedRequest[] = [
  row({
    feature: 'Save & test', does: 'tests the connection', sender: 'proxy', path: '/api/echo', accept: BROWSER_ACCEPT,
    expect: { status: 200, body: 'text', check: (body) => expect(body).toBe('echo') },
  }),
  row({
    feature: 'Datasource init', does: 'reads the Tempo version to enable features', sender: 'proxy', path: '/api/status/buildinfo', accept: BROWSER_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body) => {
        const info = body as Record<string, unknown>;
        // featuresToTempoVersion: search streaming needs 2.2.0, metrics streaming 2.7.0.
        expect(semverGte(String(info.version), '2.7.0'), `version ${String(info.version)} enables Grafana's features`).toBe(true);
        for (const k of ['revision', 'branch', 'buildDate', 'buildUser', 'goVersion']) expect(typeof info[k]).toBe('string');
      },
    },
  }),

  row({
    feature: 'Trace view', does: 'opens a trace by id (time shift on: start/end)', sender: 'backend', path: '/api/v2/traces/${traceId}', query: RANGE, accept: PROTOBUF,
    expect: { status: 200, body: 'protobuf:TraceByIDResponse', check: fullTraceV2 },
  }),
  row({
    feature: 'Trace view', does: 'opens a trace by id (time shift off: no range)', sender: 'backend', path: '/api/v2/traces/${traceId}', accept: PROTOBUF,
    expect: { status: 200, body: 'protobuf:TraceByIDResponse', check: fullTraceV2 },
  }),
  row({
    feature: 'Trace view', does: 'follows a link from search results or an exemplar (id without leading zeros)', sender: 'backend', path: '/api/v2/traces/${traceIdTrimmed}', query: RANGE, accept: PROTOBUF,
    expect: { status: 200, body: 'protobuf:TraceByIDResponse', check: fullTraceV2 },
  }),
  row({
    feature: 'Trace view', does: 'opens an unknown trace id: an empty trace, shown as not found', sender: 'backend', path: '/api/v2/traces/${unknownTraceId}', query: RANGE, accept: PROTOBUF,
    expect: {
      status: 200, body: 'protobuf:TraceByIDResponse',
      check: (body) => {
        expect(body.trace, 'Grafana dereferences TraceByIDResponse.trace').toBeDefined();
        expect(body.trace?.resourceSpans ?? []).toEqual([]);
      },
    },
  }),
  row({
    feature: 'Trace view', does: 'falls back to v1 after a v2 404 (older servers)', sender: 'backend', path: '/api/traces/${traceId}', query: RANGE, accept: PROTOBUF,
    expect: { status: 200, body: 'protobuf:Trace', check: (body, fx) => expectSameSpans(body.resourceSpans, fx.rich) },
  }),
  row({
    feature: 'Trace view', does: 'falls back to v1 for an unknown trace: 404, shown as an error', sender: 'backend', path: '/api/traces/${unknownTraceId}', accept: PROTOBUF,
    expect: { status: 404, body: 'text', check: (body) => expect(body).toMatch(/trace not found/) },
  }),

  row({
    feature: 'Partial trace warning', does: 'opens a trace larger than --query.max-bytes-per-trace', sender: 'backend', path: '/api/v2/traces/${bigTraceId}', query: RANGE, accept: PROTOBUF,
    expect: {
      status: 200, body: 'protobuf:TraceByIDResponse',
      check: (body, fx) => {
        expect(body.status).toBe('PARTIAL');
        expect(body.message).toBe(`Trace exceeds maximum size of ${MAX_BYTES_PER_TRACE} bytes, a partial trace is returned`);
        const kept = expectSubsetOfSpans(body.trace?.resourceSpans, fx.big);
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(BIG_TRACE_SPANS);
        expect(encodedTraceSize(body.trace!)).toBeLessThanOrEqual(MAX_BYTES_PER_TRACE);
      },
    },
  }),
  row({
    feature: 'Partial trace warning', does: 'falls back to v1 for a trace over the limit: 422', sender: 'backend', path: '/api/traces/${bigTraceId}', accept: PROTOBUF,
    expect: { status: 422, body: 'text', check: (body) => expect(body).toMatch(new RegExp(`maximum size of ${MAX_BYTES_PER_TRACE} bytes`)) },
  }),

  row({
    feature: 'Trace JSON', does: 'downloads a trace as JSON (v1 batches, the shape JSON upload reads)', sender: 'proxy', path: '/api/traces/${traceId}', accept: BROWSER_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expect(Object.keys(body as object)).toEqual(['batches']);
        expectProtoJson(body);
        expectSameSpans((body as { batches: unknown }).batches, fx.rich);
      },
    },
  }),
  row({
    feature: 'Trace JSON', does: 'asks v2 for JSON', sender: 'backend', path: '/api/v2/traces/${traceId}', query: RANGE, accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectProtoJson(body);
        const v2 = body as { trace: { resourceSpans: unknown }; metrics: { inspectedBytes: string } };
        expectSameSpans(v2.trace.resourceSpans, fx.rich);
        expect(v2.metrics.inspectedBytes).toMatch(/^[1-9]\d*$/);
      },
    },
  }),
  row({
    feature: 'Trace JSON', does: 'asks v2 for JSON of a trace over the limit', sender: 'backend', path: '/api/v2/traces/${bigTraceId}', accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectProtoJson(body);
        const v2 = body as { trace: { resourceSpans: unknown }; status: string; message: string };
        expect(v2.status).toBe('PARTIAL');
        expect(v2.message).toMatch(/a partial trace is returned$/);
        expect(expectSubsetOfSpans(v2.trace.resourceSpans, fx.big)).toBeLessThan(BIG_TRACE_SPANS);
      },
    },
  }),

  row({
    feature: 'TraceQL search', does: 'runs a TraceQL search (non-streaming)', sender: 'backend', path: '/api/search',
    query: [['q', '{resource.service.name="${service}-big"}'], ['limit', '20'], ['spss', '3'], ...RANGE], accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectGrafanaSearchResponse(body);
        const t = findTrace(body, fx.vars.bigTraceId);
        expect(t.rootServiceName).toBe(`${fx.vars.service}-big`);
        expect(t.rootTraceName).toBe('GET /big');
        expect(t.spanSets?.[0].spans?.length).toBe(3);
        expect(t.spanSets?.[0].matched).toBe(BIG_TRACE_SPANS);
      },
    },
  }),
  row({
    feature: 'TraceQL search', does: 'lists a trace whose id has leading zeros (shown trimmed, as Tempo does)', sender: 'backend', path: '/api/search',
    query: [['q', '{resource.service.name="${service}" && status=error}'], ['limit', '20'], ['spss', '3'], ...RANGE], accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectGrafanaSearchResponse(body);
        const t = findTrace(body, fx.vars.traceId);
        expect(t.traceID).toBe(fx.vars.traceIdTrimmed);
        // The root has a remote parent, so this process never saw the trace's root span.
        expect(t.rootServiceName).toBe('<root span not yet received>');
      },
    },
  }),
  row({
    feature: 'Search builder', does: 'searches with the default filters (service name and span name)', sender: 'backend', path: '/api/search',
    query: [['q', '{resource.service.name="${service}-big" && name="step-7"}'], ['limit', '20'], ['spss', '3'], ...RANGE], accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectGrafanaSearchResponse(body);
        const spans = findTrace(body, fx.vars.bigTraceId).spanSets?.[0].spans ?? [];
        expect(spans.map((s) => s.name)).toEqual(['step-7']);
      },
    },
  }),

  // Pending: endpoints still being built. Each row is the exact request Grafana sends.
  row({ feature: 'Autocomplete', does: 'loads tag names of every scope', sender: 'proxy', path: '/api/v2/search/tags', query: [['limit', '5000'], ...RANGE], accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads resource tag names (builder scope picker)', sender: 'proxy', path: '/api/v2/search/tags', query: [['scope', 'resource'], ['limit', '5000'], ...RANGE], accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads span tag names (builder scope picker)', sender: 'proxy', path: '/api/v2/search/tags', query: [['scope', 'span'], ['limit', '5000'], ...RANGE], accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads tag names from an older Grafana (v1 fallback)', sender: 'proxy', path: '/api/search/tags', accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads values of resource.service.name', sender: 'proxy', path: '/api/v2/search/tag/resource.service.name/values', query: [['limit', '5000'], ...RANGE], accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads values filtered by the query typed so far', sender: 'proxy', path: '/api/v2/search/tag/name/values', query: [['q', '{resource.service.name="${service}"}'], ['limit', '5000'], ...RANGE], accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads values of a tag with a "/" (Grafana double-encodes; the proxy decodes once)', sender: 'proxy', path: '/api/v2/search/tag/span.http%2Froute/values', query: RANGE, accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads values of the status intrinsic (fixed keywords)', sender: 'proxy', path: '/api/v2/search/tag/status/values', accept: BROWSER_ACCEPT }),
  row({ feature: 'Autocomplete', does: 'loads values from an older Grafana (v1 fallback)', sender: 'proxy', path: '/api/search/tag/service.name/values', accept: BROWSER_ACCEPT }),
  row({ feature: 'TraceQL metrics', does: 'runs a metrics range query', sender: 'backend', path: '/api/metrics/query_range', query: [['q', '{resource.service.name="${service}"} | rate()'], ...RANGE, ['step', '60s']], accept: JSON_ACCEPT }),
  row({ feature: 'TraceQL metrics', does: 'runs a metrics range query with exemplars', sender: 'backend', path: '/api/metrics/query_range', query: [['q', '{} | quantile_over_time(duration, .5, .9, .99) by (resource.service.name)'], ...RANGE, ['step', '60s'], ['exemplars', '100']], accept: JSON_ACCEPT }),
  row({ feature: 'TraceQL metrics', does: 'runs an instant metrics query (metricsQueryType=instant)', sender: 'backend', path: '/api/metrics/query', query: [['q', '{} | count_over_time() by (resource.service.name)'], ...RANGE], accept: JSON_ACCEPT }),
  row({ feature: 'Traces Drilldown', does: 'draws the rate panel broken down by service', sender: 'backend', path: '/api/metrics/query_range', query: [['q', '{nestedSetParent<0} | rate() by(resource.service.name)'], ...RANGE, ['step', '60s'], ['exemplars', '100']], accept: JSON_ACCEPT }),
  row({ feature: 'Traces Drilldown', does: 'draws the errors panel', sender: 'backend', path: '/api/metrics/query_range', query: [['q', '{nestedSetParent<0 && status=error} | rate()'], ...RANGE, ['step', '60s']], accept: JSON_ACCEPT }),
  row({ feature: 'Traces Drilldown', does: 'draws the duration heatmap', sender: 'backend', path: '/api/metrics/query_range', query: [['q', '{nestedSetParent<0} | histogram_over_time(duration) with(sample=true)'], ...RANGE, ['step', '60s'], ['exemplars', '100']], accept: JSON_ACCEPT }),
  row({ feature: 'Traces Drilldown', does: 'compares a selection with the baseline', sender: 'backend', path: '/api/metrics/query_range', query: [['q', '{nestedSetParent<0} | compare({duration > 5ms}, 10)'], ...RANGE, ['step', '60s']], accept: JSON_ACCEPT }),
  row({ feature: 'Traces Drilldown', does: 'lists the slowest spans', sender: 'backend', path: '/api/search', query: [['q', '{nestedSetParent<0 && duration > 5ms} | select(resource.service.name, name, status, duration)'], ['limit', '200'], ['spss', '10'], ...RANGE], accept: JSON_ACCEPT }),
  row({
    feature: 'Traces Drilldown', does: 'shows the structure tab (nested-set numbers of root spans)', sender: 'backend', path: '/api/search',
    query: [['q', '({nestedSetParent<0 && resource.service.name="${service}-big"} &>> {status=error}) || ({nestedSetParent<0 && resource.service.name="${service}-big"}) | select(status, resource.service.name, name, nestedSetParent, nestedSetLeft, nestedSetRight)'], ['limit', '20'], ['spss', '20'], ...RANGE], accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectGrafanaSearchResponse(body);
        const root = findTrace(body, fx.vars.bigTraceId).spanSets?.[0].spans?.[0];
        const attr = (k: string) => root?.attributes?.find((a) => a.key === k)?.value;
        expect(attr('nestedSetParent')).toEqual({ intValue: '-1' });
        expect(attr('nestedSetLeft')).toEqual({ intValue: '1' });
        expect(attr('nestedSetRight')).toEqual({ intValue: String(2 * BIG_TRACE_SPANS) });
      },
    },
  }),
  row({ feature: 'Traces Drilldown', does: 'lists exceptions', sender: 'backend', path: '/api/search', query: [['q', '{status = error} | select(resource.service.name, event.exception.message, event.exception.stacktrace, event.exception.type) with(most_recent=true)'], ['limit', '20'], ['spss', '10'], ...RANGE], accept: JSON_ACCEPT }),
];

/** The request line a row sends, readable (placeholders kept, query not escaped). */
export function describeRequest(r: ReplayedRequest): string {
  const q = r.query && r.query.length > 0 ? '?' + r.query.map(([k, v]) => `${k}=${v}`).join('&') : '';
  return `GET ${r.path}${q}${r.accept ? ` (Accept: ${r.accept})` : ''}`;
}
