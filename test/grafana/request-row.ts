// The shape of one replayed request: what Grafana sends and what it needs back. The rows live in
// requests*.ts, one file per group of Grafana features.
import type { Fixture } from './fixture.ts';
import type { BodyKind, Decoded, Sender } from './replay.ts';

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

/** A row, typed by how its body is read. */
export function row<K extends BodyKind>(r: ReplayedRequest<K>): ReplayedRequest {
  return r as unknown as ReplayedRequest;
}

/** A request from Grafana's Go backend (`Accept: application/json`) that must answer 200 with JSON. */
export function backendJson(feature: Feature, does: string, path: string, query: [string, string][], check: (body: unknown, fx: Fixture) => void): ReplayedRequest {
  return row({ feature, does, sender: 'backend', path, query, accept: JSON_ACCEPT, expect: { status: 200, body: 'json', check } });
}

/** A request the browser sends through the datasource proxy that must answer 200 with JSON. */
export function proxyJson(feature: Feature, does: string, path: string, query: [string, string][], check: (body: unknown, fx: Fixture) => void): ReplayedRequest {
  return row({ feature, does, sender: 'proxy', path, query, accept: BROWSER_ACCEPT, expect: { status: 200, body: 'json', check } });
}

/** Accept of Grafana's trace-by-id requests. */
export const PROTOBUF = 'application/protobuf';
/** Accept of requests from Grafana's Go backend (search, metrics). */
export const JSON_ACCEPT = 'application/json';
/** Accept of requests the browser sends through the datasource proxy. */
export const BROWSER_ACCEPT = 'application/json, text/plain, */*';
/** The query's time range, unix seconds. */
export const RANGE: [string, string][] = [['start', '${start}'], ['end', '${end}']];

/**
 * Query parameters as Grafana's Go backend sends them: it builds query strings with Go's
 * url.Values.Encode, which sorts the keys.
 */
export function goParams(params: Record<string, string>): [string, string][] {
  return Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The request line a row sends, readable (placeholders kept, query not escaped). */
export function describeRequest(r: ReplayedRequest): string {
  const q = r.query && r.query.length > 0 ? '?' + r.query.map(([k, v]) => `${k}=${v}`).join('&') : '';
  return `GET ${r.path}${q}${r.accept ? ` (Accept: ${r.accept})` : ''}`;
}
