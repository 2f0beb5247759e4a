// Sends one replayed request the way Grafana does (its headers, the datasource's custom headers)
// and decodes the answer the way Grafana reads it.
import type { DecodedTrace, DecodedTraceByIdResponse } from './tempopb.ts';
import { decodeTrace, decodeTraceByIdResponse } from './tempopb.ts';
import type { Fixture } from './fixture.ts';

/** Grafana's version in the User-Agent of its requests (the version the requests were read from). */
export const GRAFANA_USER_AGENT = 'Grafana/12.2.0';

/** How Grafana reads a body. */
export type BodyKind = 'text' | 'json' | 'protobuf:Trace' | 'protobuf:TraceByIDResponse';

/** Which part of Grafana sends the request; it decides the headers. */
export type Sender =
  /** The browser through the datasource proxy (/api/datasources/proxy/uid/...). */
  | 'proxy'
  /** The Go backend of the Tempo datasource (pkg/tsdb/tempo). */
  | 'backend';

/** The decoded body, by kind. */
export type Decoded<K extends BodyKind> = K extends 'text' ? string : K extends 'json' ? unknown : K extends 'protobuf:Trace' ? DecodedTrace : DecodedTraceByIdResponse;

/** A response as the suite sees it. */
export interface Replayed {
  status: number;
  contentType: string;
  /** Raw body. */
  bytes: Uint8Array;
  /** The URL sent, for messages. */
  url: string;
}

/** Fills `${name}` placeholders from the fixture's values; an unknown name is an error. */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`no value for \${${name}} in "${template}"`);
    return vars[name];
  });
}

/** Headers Grafana puts on a request from `sender` with optional Accept. */
export function grafanaHeaders(sender: Sender, accept: string | undefined, customHeaders: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { 'User-Agent': GRAFANA_USER_AGENT };
  if (sender === 'backend') h['Accept-Encoding'] = 'gzip'; // Go's transport adds it
  else h['X-Grafana-Org-Id'] = '1';
  if (accept) h.Accept = accept;
  return { ...h, ...customHeaders };
}

/** Encodes a query string as Go's url.QueryEscape does (what Grafana's backend sends). */
export function goQueryString(query: [string, string][]): string {
  return query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&');
}

/** Sends `GET path?query` as Grafana would, placeholders filled from the fixture. */
export async function replay(fx: Fixture, sender: Sender, pathTemplate: string, accept?: string, query: [string, string][] = []): Promise<Replayed> {
  const filled = query.map(([k, v]): [string, string] => [k, fillTemplate(v, fx.vars)]);
  const url = fx.sb.api + fillTemplate(pathTemplate, fx.vars) + (filled.length > 0 ? `?${goQueryString(filled)}` : '');
  const r = await fetch(url, { headers: grafanaHeaders(sender, accept, fx.setup.customHeaders) });
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', bytes: new Uint8Array(await r.arrayBuffer()), url };
}

/** Decodes a body as Grafana reads it. */
export function decodeBody<K extends BodyKind>(kind: K, bytes: Uint8Array): Decoded<K> {
  switch (kind) {
    case 'text':
      return new TextDecoder().decode(bytes) as Decoded<K>;
    case 'json':
      return JSON.parse(new TextDecoder().decode(bytes)) as Decoded<K>;
    case 'protobuf:Trace':
      return decodeTrace(bytes) as Decoded<K>;
    case 'protobuf:TraceByIDResponse':
      return decodeTraceByIdResponse(bytes) as Decoded<K>;
  }
  throw new Error(`unknown body kind ${kind as string}`);
}

/** Content type a body kind must come with. */
export function contentTypeOf(kind: BodyKind): RegExp {
  if (kind === 'text') return /^text\/plain/;
  if (kind === 'json') return /^application\/json/;
  return /^application\/protobuf$/;
}
