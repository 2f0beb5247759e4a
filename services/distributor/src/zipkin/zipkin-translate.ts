// Decoded Zipkin spans → the span model, the way the OpenTelemetry Collector's Zipkin receiver
// (its zipkinv2 translator, default settings) maps them, so spans sent to Spanbase and spans sent
// through a Collector look the same:
//   localEndpoint.serviceName → resource service.name (or the key in tag otlp.service.name.source);
//     tags named like resource attributes (service.*, host.*, telemetry.*, ...) → resource
//   localEndpoint ipv4/ipv6/port → net.host.ip / net.host.port
//   remoteEndpoint serviceName/ipv4/ipv6/port → peer.service / net.peer.ip / net.peer.port
//   kind → span kind (tag span.kind=internal makes a local span INTERNAL)
//   annotations → events (a value "name|{json attributes}|dropped" carries attributes)
//   tags otel.status_code / otel.status_description / error → status; otel.library.* → scope;
//     w3c.tracestate → trace state; otlp.link.N → links; the rest → string attributes (typed
//     when parseStringTags is on, as the Collector's parse_string_tags)
//   64-bit trace ids → 128 bits with zero high bits; no timestamp → start 0 and attribute
//     otel.zipkin.absentField.startTime = true
// Two things the Collector leaves as they are: a tag `error` with any value marks the span an
// error (Zipkin's convention; its value is the message), and a shared span (a server span that
// reuses its client's id) gets an id of its own under the client span, as Jaeger's query service
// does, because stored spans are told apart by trace id and span id.
import { createHash } from 'node:crypto';
import type { AnyValue, KeyValue, ResourceSpans, Span, SpanEvent, SpanLink, TracesData } from '@spanbase/model';
import { SpanKind, StatusCode, av } from '@spanbase/model';
import { ZipkinMalformed } from '../errors.ts';
import { parseHexId } from './zipkin-ids.ts';
import type { ZipkinKind, ZipkinSpan } from './zipkin-span.ts';

/** Options of the translation. */
export interface ZipkinTranslateOptions {
  /** Tag values that look like ints, floats or booleans become typed attributes. */
  parseStringTags: boolean;
}

/** Resource attribute namespaces of the OpenTelemetry semantic conventions. */
const RESOURCE_PREFIXES = ['service.', 'telemetry.', 'host.', 'os.', 'process.', 'container.', 'k8s.', 'cloud.', 'faas.', 'device.', 'browser.', 'webengine.', 'heroku.', 'aws.ecs.', 'aws.eks.', 'aws.log.', 'gcp.cloud_run.', 'gcp.gce.', 'deployment.'];
const SERVICE_NAME_SOURCE = 'otlp.service.name.source';
const LIBRARY_NAME = 'otel.library.name';
const LIBRARY_VERSION = 'otel.library.version';
/** Attributes the Collector drops from spans: OpenCensus leftovers that describe the process. */
const DROPPED = new Set([SERVICE_NAME_SOURCE, LIBRARY_NAME, LIBRARY_VERSION, 'opencensus.starttime', 'opencensus.exporterversion', 'opencensus.resourcetype']);
const START_TIME_ABSENT = 'otel.zipkin.absentField.startTime';

function isResourceKey(key: string): boolean {
  return RESOURCE_PREFIXES.some((p) => key.startsWith(p));
}

const KIND: Record<ZipkinKind, SpanKind> = { CLIENT: SpanKind.CLIENT, SERVER: SpanKind.SERVER, PRODUCER: SpanKind.PRODUCER, CONSUMER: SpanKind.CONSUMER };

/** The Collector's typed-tag rule: the first pattern a value matches picks its type. */
export function typedTagValue(v: string): AnyValue {
  if (/^-?\d+$/.test(v)) {
    const n = BigInt(v);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return av.int(n);
  }
  if (/^-?\d+\.\d+$/.test(v)) return av.double(Number(v));
  if (v === 'true' || v === 'false') return av.bool(v === 'true');
  return av.string(v);
}

/** Event or link attributes from the Collector's `{json}` annotation/link encoding. */
function jsonAttributes(text: string, at: string): KeyValue[] {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw ZipkinMalformed(`${at}: invalid JSON attributes "${text.slice(0, 60)}"`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw ZipkinMalformed(`${at}: attributes must be a JSON object`);
  const out: KeyValue[] = [];
  for (const [key, v] of Object.entries(o)) {
    if (typeof v === 'string') out.push({ key, value: av.string(v) });
    else if (typeof v === 'number') out.push({ key, value: Number.isInteger(v) ? av.int(BigInt(v)) : av.double(v) });
    else if (typeof v === 'boolean') out.push({ key, value: av.bool(v) });
  }
  return out;
}

function dropped(text: string, at: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw ZipkinMalformed(`${at}: invalid dropped attributes count "${text.slice(0, 20)}"`);
  return Number(text);
}

function events(z: ZipkinSpan, at: string): SpanEvent[] {
  return z.annotations.map((a, i) => {
    const parts = a.value.split('|');
    const base = { timeUnixNano: a.timestamp * 1000n, name: parts[0] };
    if (parts.length < 3) return { ...base, attributes: [], droppedAttributesCount: 0 };
    const json = parts.slice(1, -1).join('|');
    return { ...base, attributes: jsonAttributes(json, `${at}.annotations[${i}]`), droppedAttributesCount: dropped(parts[parts.length - 1], `${at}.annotations[${i}]`) };
  });
}

function links(tags: Map<string, string>, at: string): SpanLink[] {
  const out: SpanLink[] = [];
  for (let i = 0; i < 128; i++) {
    const key = `otlp.link.${i}`;
    const v = tags.get(key);
    if (v === undefined) break;
    tags.delete(key);
    const parts = v.split('|');
    if (parts.length < 5) continue;
    const traceId = parseHexId(parts[0], 16);
    const spanId = parseHexId(parts[1], 8);
    if (!traceId || !spanId || parts[0].length !== 32 || parts[1].length !== 16) throw ZipkinMalformed(`${at}.tags.${key}: invalid link ids`);
    out.push({ traceId, spanId, traceState: parts[2], attributes: jsonAttributes(parts.slice(3, -1).join('|'), `${at}.tags.${key}`), droppedAttributesCount: dropped(parts[parts.length - 1], `${at}.tags.${key}`), flags: 0 });
  }
  return out;
}

/** A shared span's own id: stable (a resent batch gets the same one), under its client's id. */
function sharedSpanId(z: ZipkinSpan): Uint8Array {
  const h = createHash('sha256').update(z.traceId).update(z.id).update('shared').digest();
  return new Uint8Array(h.subarray(0, 8));
}

const STATUS_CODES: Partial<Record<string, StatusCode>> = {
  STATUS_CODE_UNSET: StatusCode.UNSET, STATUS_CODE_OK: StatusCode.OK, STATUS_CODE_ERROR: StatusCode.ERROR,
  // OpenTelemetry's own Zipkin exporters write the short names.
  UNSET: StatusCode.UNSET, OK: StatusCode.OK, ERROR: StatusCode.ERROR,
};

interface Translated {
  service: string | undefined;
  resource: KeyValue[];
  scopeName: string;
  scopeVersion: string;
  span: Span;
}

function translate(z: ZipkinSpan, at: string, opts: ZipkinTranslateOptions): Translated {
  const tags = new Map(z.tags);
  const service = z.localEndpoint?.serviceName || undefined;
  const resource: KeyValue[] = [];
  if (service !== undefined) {
    resource.push({ key: tags.get(SERVICE_NAME_SOURCE) || 'service.name', value: av.string(service) });
    for (const [k, v] of tags) {
      if (!isResourceKey(k)) continue;
      const i = resource.findIndex((r) => r.key === k);
      if (i >= 0) resource[i] = { key: k, value: av.string(v) };
      else resource.push({ key: k, value: av.string(v) });
      tags.delete(k);
    }
  }
  const scopeName = tags.get(LIBRARY_NAME) ?? '';
  const scopeVersion = scopeName ? (tags.get(LIBRARY_VERSION) ?? '') : '';
  const traceState = tags.get('w3c.tracestate') ?? '';
  tags.delete('w3c.tracestate');
  let kind: SpanKind = z.kind ? KIND[z.kind] : SpanKind.UNSPECIFIED;
  if (!z.kind && tags.has('span.kind')) {
    if (tags.get('span.kind') === 'internal') kind = SpanKind.INTERNAL;
    tags.delete('span.kind');
  }
  let code: StatusCode = StatusCode.UNSET;
  let message = '';
  const sc = tags.get('otel.status_code');
  if (sc !== undefined) {
    code = STATUS_CODES[sc] ?? StatusCode.UNSET;
    tags.delete('otel.status_code');
    message = tags.get('otel.status_description') ?? '';
    tags.delete('otel.status_description');
  }
  const err = tags.get('error');
  if (err !== undefined && err !== 'false') {
    code = StatusCode.ERROR;
    if (err !== 'true' && err !== '' && message === '') message = err;
    tags.delete('error');
  }
  const spanLinks = links(tags, at);
  const attributes: KeyValue[] = [];
  for (const [key, v] of tags) {
    if (DROPPED.has(key) || isResourceKey(key)) continue;
    attributes.push({ key, value: opts.parseStringTags ? typedTagValue(v) : av.string(v) });
  }
  const put = (key: string, value: AnyValue) => {
    const i = attributes.findIndex((a) => a.key === key);
    if (i >= 0) attributes[i] = { key, value };
    else attributes.push({ key, value });
  };
  const local = z.localEndpoint;
  if (local) {
    if (local.ipv4) put('net.host.ip', av.string(local.ipv4));
    if (local.ipv6) put('net.host.ip', av.string(local.ipv6));
    if (local.port > 0) put('net.host.port', av.int(local.port));
  }
  const remote = z.remoteEndpoint;
  if (remote) {
    if (remote.serviceName) put('peer.service', av.string(remote.serviceName));
    if (remote.ipv4) put('net.peer.ip', av.string(remote.ipv4));
    if (remote.ipv6) put('net.peer.ip', av.string(remote.ipv6));
    if (remote.port > 0) put('net.peer.port', av.int(remote.port));
  }
  if (z.timestamp === undefined) put(START_TIME_ABSENT, av.bool(true));
  const start = (z.timestamp ?? 0n) * 1000n;
  let spanId = z.id;
  let parentSpanId = z.parentId && !equal(z.parentId, z.id) ? z.parentId : new Uint8Array(0);
  if (z.shared && z.kind === 'SERVER') {
    parentSpanId = z.id;
    spanId = sharedSpanId(z);
  }
  return {
    service,
    resource,
    scopeName,
    scopeVersion,
    span: {
      traceId: z.traceId,
      spanId,
      parentSpanId,
      traceState,
      flags: 0,
      name: z.name,
      kind,
      startTimeUnixNano: start,
      endTimeUnixNano: start + z.duration * 1000n,
      attributes,
      droppedAttributesCount: 0,
      events: events(z, at),
      droppedEventsCount: 0,
      links: spanLinks,
      droppedLinksCount: 0,
      status: { code, message },
    },
  };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function resourceKey(t: Translated): string {
  return JSON.stringify([t.service ?? null, t.resource.map((kv) => [kv.key, (kv.value as { value: string }).value])]);
}

/** Translates decoded Zipkin spans, grouped by resource (service) and scope (library). */
export function zipkinToTracesData(spans: readonly ZipkinSpan[], opts: ZipkinTranslateOptions): TracesData {
  const groups = new Map<string, { resource: KeyValue[]; hasResource: boolean; scopes: Map<string, { name: string; version: string; spans: Span[] }> }>();
  spans.forEach((z, i) => {
    const t = translate(z, `[${i}]`, opts);
    const rk = resourceKey(t);
    let g = groups.get(rk);
    if (!g) groups.set(rk, (g = { resource: t.resource, hasResource: t.service !== undefined, scopes: new Map() }));
    const sk = `${t.scopeName}\u0000${t.scopeVersion}`;
    let s = g.scopes.get(sk);
    if (!s) g.scopes.set(sk, (s = { name: t.scopeName, version: t.scopeVersion, spans: [] }));
    s.spans.push(t.span);
  });
  const resourceSpans: ResourceSpans[] = [...groups.values()].map((g) => ({
    resource: g.hasResource ? { attributes: g.resource, droppedAttributesCount: 0 } : undefined,
    scopeSpans: [...g.scopes.values()].map((s) => ({ scope: s.name ? { name: s.name, version: s.version, attributes: [], droppedAttributesCount: 0 } : undefined, spans: s.spans, schemaUrl: '' })),
    schemaUrl: '',
  }));
  return { resourceSpans };
}
