// The requests Grafana's Tempo datasource sends, one row per request, with the fields Grafana
// reads from each answer. A row without `expect` is pending: its endpoint is not built yet and
// the suite lists it as a todo with the exact request, so whoever builds the endpoint adds
// `expect` and the row runs. Placeholders `${name}` come from the fixture (fixture.ts `vars`).
// This file holds Save & test, the trace view and search; the other features have their own.
//
// Sources (grafana/grafana): Save & test and init in public/app/plugins/datasource/tempo/
// datasource.ts; trace view in pkg/tsdb/tempo/trace.go; search in pkg/tsdb/tempo/search.go;
// autocomplete in public/app/plugins/datasource/tempo/language_provider.ts; metrics in
// pkg/tsdb/tempo/traceql_query.go; Drilldown in grafana/traces-drilldown src/components/Explore.
import { expect } from 'vitest';
import { BIG_TRACE_SPANS, MAX_BYTES_PER_TRACE } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { expectProtoJson, expectSameSpans, expectSubsetOfSpans, semverGte } from './checks.ts';
import type { Decoded } from './replay.ts';
import type { ReplayedRequest } from './request-row.ts';
import { BROWSER_ACCEPT, JSON_ACCEPT, PROTOBUF, RANGE, goParams, row } from './request-row.ts';
import { AUTOCOMPLETE_REQUESTS } from './requests-autocomplete.ts';
import { DRILLDOWN_REQUESTS } from './requests-drilldown.ts';
import { METRICS_REQUESTS } from './requests-metrics.ts';
import { expectGrafanaSearchResponse, findTrace } from './search-checks.ts';
import { encodedTraceSize } from './tempopb.ts';

/** Grafana's trace view (trace.go): the trace must be present and hold every span sent. */
function fullTraceV2(body: Decoded<'protobuf:TraceByIDResponse'>, fx: Fixture): void {
  expect(body.trace, 'Grafana dereferences TraceByIDResponse.trace').toBeDefined();
  expectSameSpans(body.trace?.resourceSpans, fx.rich);
  expect(body.status).toBeUndefined();
  expect(body.message).toBeUndefined();
  expect(body.metrics?.inspectedBytes).toMatch(/^[1-9]\d*$/);
}

const CORE_REQUESTS: ReplayedRequest[] = [
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
    query: goParams({ q: '{resource.service.name="${service}-big"}', limit: '20', spss: '3', start: '${start}', end: '${end}' }), accept: JSON_ACCEPT,
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
    query: goParams({ q: '{resource.service.name="${service}" && status=error}', limit: '20', spss: '3', start: '${start}', end: '${end}' }), accept: JSON_ACCEPT,
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
    query: goParams({ q: '{resource.service.name="${service}-big" && name="step-7"}', limit: '20', spss: '3', start: '${start}', end: '${end}' }), accept: JSON_ACCEPT,
    expect: {
      status: 200, body: 'json',
      check: (body, fx) => {
        expectGrafanaSearchResponse(body);
        const spans = findTrace(body, fx.vars.bigTraceId).spanSets?.[0].spans ?? [];
        expect(spans.map((s) => s.name)).toEqual(['step-7']);
      },
    },
  }),
];

/** Every request the suite replays, in the order docs/grafana.md lists them. */
export const REQUESTS: ReplayedRequest[] = [...CORE_REQUESTS, ...AUTOCOMPLETE_REQUESTS, ...METRICS_REQUESTS, ...DRILLDOWN_REQUESTS];
