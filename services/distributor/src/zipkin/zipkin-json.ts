// Zipkin v2 JSON (a list of spans, as Zipkin's v2 API defines it) → decoded spans. Numbers that
// Zipkin types as strings (tag values) are taken as their text, as Zipkin's own reader does;
// anything else of the wrong shape is a 400 naming the span and field.
import { ZipkinMalformed } from '../errors.ts';
import { parseHexId } from './zipkin-ids.ts';
import { ZIPKIN_KINDS } from './zipkin-span.ts';
import type { ZipkinAnnotation, ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './zipkin-span.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Obj = Record<string, unknown>;

function fail(at: string, reason: string): never {
  throw ZipkinMalformed(`${at}: ${reason}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, at: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(at, `expected a string, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/**
 * A non-negative integer (epoch microseconds, a duration, a port). A fraction is rounded to the
 * nearest microsecond rather than refused: some tracers divide nanoseconds by 1000 and send what
 * they get (OpenTelemetry JS's exporter does so for a span's timestamp).
 */
function uint(v: unknown, at: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 2 ** 64) return BigInt(Math.round(v));
  if (typeof v === 'string' && /^\d{1,19}$/.test(v)) return BigInt(v);
  fail(at, `expected a non-negative integer, got ${JSON.stringify(v)?.slice(0, 40)}`);
}

function endpoint(v: unknown, at: string): ZipkinEndpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(at, 'expected an object');
  const port = uint(v.port, `${at}.port`) ?? 0n;
  if (port > 65535n) fail(`${at}.port`, `${port} is not a port`);
  return { serviceName: str(v.serviceName, `${at}.serviceName`), ipv4: str(v.ipv4, `${at}.ipv4`), ipv6: str(v.ipv6, `${at}.ipv6`), port: Number(port) };
}

function annotations(v: unknown, at: string): ZipkinAnnotation[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(at, 'expected an array');
  return v.map((a, i) => {
    if (!isObj(a)) fail(`${at}[${i}]`, 'expected an object');
    return { timestamp: uint(a.timestamp, `${at}[${i}].timestamp`) ?? 0n, value: str(a.value, `${at}[${i}].value`) };
  });
}

function tags(v: unknown, at: string): [string, string][] {
  if (v === undefined || v === null) return [];
  if (!isObj(v)) fail(at, 'expected an object of string values');
  const out: [string, string][] = [];
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out.push([k, x]);
    else if (typeof x === 'number' || typeof x === 'boolean') out.push([k, String(x)]);
    else if (x !== null) fail(`${at}.${k}`, 'expected a string');
  }
  return out;
}

function id(v: unknown, bytes: number, at: string, what: string): Uint8Array {
  if (typeof v !== 'string') fail(at, `${what} is required (${bytes * 2} hex characters)`);
  const b = parseHexId(v, bytes);
  if (!b) fail(at, `invalid ${what} "${v.slice(0, 40)}": expected 1 to ${bytes * 2} hex characters, not all zero`);
  return b;
}

function kind(v: unknown, at: string): ZipkinKind | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(ZIPKIN_KINDS as readonly string[]).includes(v)) fail(at, `invalid kind ${JSON.stringify(v)?.slice(0, 40)}: expected one of ${ZIPKIN_KINDS.join(', ')}`);
  return v as ZipkinKind;
}

function span(v: unknown, at: string): ZipkinSpan {
  if (!isObj(v)) fail(at, 'expected a span object');
  const parent = v.parentId === undefined || v.parentId === null || v.parentId === '' ? undefined : id(v.parentId, 8, `${at}.parentId`, 'parentId');
  return {
    traceId: id(v.traceId, 16, `${at}.traceId`, 'traceId'),
    id: id(v.id, 8, `${at}.id`, 'id'),
    parentId: parent,
    kind: kind(v.kind, `${at}.kind`),
    name: str(v.name, `${at}.name`),
    timestamp: uint(v.timestamp, `${at}.timestamp`) || undefined,
    duration: uint(v.duration, `${at}.duration`) ?? 0n,
    localEndpoint: endpoint(v.localEndpoint, `${at}.localEndpoint`),
    remoteEndpoint: endpoint(v.remoteEndpoint, `${at}.remoteEndpoint`),
    annotations: annotations(v.annotations, `${at}.annotations`),
    tags: tags(v.tags, `${at}.tags`),
    debug: v.debug === true,
    shared: v.shared === true,
  };
}

/** Parses a body that must be a JSON array (both Zipkin JSON versions are lists of spans). */
export function parseJsonArray(body: Uint8Array): unknown[] {
  let root: unknown;
  try {
    root = JSON.parse(utf8.decode(body));
  } catch (err) {
    throw ZipkinMalformed(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(root)) fail('body', 'expected a JSON array of spans');
  return root;
}

/** Decodes a Zipkin v2 JSON body: an array of spans. */
export function decodeZipkinJson(body: Uint8Array): ZipkinSpan[] {
  return parseJsonArray(body).map((s, i) => span(s, `[${i}]`));
}
