// Zipkin v1 JSON → the v2 model, as Zipkin's own V1SpanConverter reads it: the core annotations
// (cs/cr, sr/ss, ms, mr) give the kind, timestamp, duration and local endpoint; the address
// annotations (sa, ca, ma) give the remote endpoint; other annotations stay annotations and
// binary annotations become tags. A v1 span holding both the client and the server side becomes
// two v2 spans, the server one shared (as Zipkin does).
import { ZipkinMalformed } from '../errors.ts';
import { parseHexId } from './zipkin-ids.ts';
import { parseJsonArray } from './zipkin-json.ts';
import type { ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './zipkin-span.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function micros(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,19}$/.test(v) && v !== '0') return BigInt(v);
  return undefined;
}

function endpoint(v: unknown): ZipkinEndpoint | undefined {
  if (!isObj(v)) return undefined;
  const port = typeof v.port === 'number' && v.port > 0 && v.port <= 65535 ? v.port : 0;
  return { serviceName: typeof v.serviceName === 'string' ? v.serviceName : '', ipv4: typeof v.ipv4 === 'string' ? v.ipv4 : '', ipv6: typeof v.ipv6 === 'string' ? v.ipv6 : '', port };
}

function id(v: unknown, bytes: number, at: string): Uint8Array {
  const b = typeof v === 'string' ? parseHexId(v, bytes) : undefined;
  if (!b) throw ZipkinMalformed(`${at}: missing or invalid (expected 1 to ${bytes * 2} hex characters, not all zero)`);
  return b;
}

const CORE = new Set(['cs', 'cr', 'sr', 'ss', 'ms', 'mr', 'ws', 'wr']);

function convert(v: unknown, at: string): ZipkinSpan[] {
  if (!isObj(v)) throw ZipkinMalformed(`${at}: expected a span object`);
  const traceId = id(v.traceId, 16, `${at}.traceId`);
  const spanId = id(v.id, 8, `${at}.id`);
  const parentId = v.parentId === undefined || v.parentId === null || v.parentId === '' ? undefined : id(v.parentId, 8, `${at}.parentId`);
  const anns = Array.isArray(v.annotations) ? v.annotations.filter(isObj) : [];
  const bins = Array.isArray(v.binaryAnnotations) ? v.binaryAnnotations.filter(isObj) : [];
  const core = new Map<string, { ts: bigint; ep: ZipkinEndpoint | undefined }>();
  const others: { timestamp: bigint; value: string }[] = [];
  let anyEndpoint: ZipkinEndpoint | undefined;
  for (const a of anns) {
    const value = typeof a.value === 'string' ? a.value : '';
    const ts = micros(a.timestamp) ?? 0n;
    const ep = endpoint(a.endpoint);
    anyEndpoint ??= ep;
    if (CORE.has(value) && !core.has(value)) core.set(value, { ts, ep });
    else others.push({ timestamp: ts, value });
  }
  const tags: [string, string][] = [];
  const addr = new Map<string, ZipkinEndpoint | undefined>();
  for (const b of bins) {
    const key = typeof b.key === 'string' ? b.key : '';
    if ((key === 'sa' || key === 'ca' || key === 'ma') && (b.value === true || b.value === 1 || b.value === '1' || b.value === 'true')) {
      addr.set(key, endpoint(b.endpoint));
      continue;
    }
    anyEndpoint ??= endpoint(b.endpoint);
    if (typeof b.value === 'string' || typeof b.value === 'number' || typeof b.value === 'boolean') tags.push([key, String(b.value)]);
  }
  const base = { traceId, id: spanId, parentId, name: typeof v.name === 'string' ? v.name : '', annotations: [] as { timestamp: bigint; value: string }[], tags: [] as [string, string][], debug: v.debug === true, shared: false };
  const side = (kind: ZipkinKind, begin: string, end: string, remote: string) => {
    const b = core.get(begin);
    const e = core.get(end);
    if (!b && !e) return undefined;
    const ts = b?.ts;
    return { ...base, kind, timestamp: ts, duration: b && e && e.ts > b.ts ? e.ts - b.ts : 0n, localEndpoint: b?.ep ?? e?.ep, remoteEndpoint: addr.get(remote) };
  };
  const out: ZipkinSpan[] = [];
  const client = side('CLIENT', 'cs', 'cr', 'sa');
  const server = side('SERVER', 'sr', 'ss', 'ca');
  const producer = side('PRODUCER', 'ms', 'ms', 'ma');
  const consumer = side('CONSUMER', 'mr', 'mr', 'ma');
  for (const s of [client, server, producer, consumer]) if (s) out.push(s);
  if (out.length === 0) out.push({ ...base, kind: undefined, timestamp: undefined, duration: 0n, localEndpoint: anyEndpoint, remoteEndpoint: undefined });
  if (client && server) server.shared = true;
  // The span's own timestamp and duration, when given, are the first side's (Zipkin's rule).
  const first = out[0];
  first.timestamp = micros(v.timestamp) ?? first.timestamp;
  first.duration = micros(v.duration) ?? first.duration;
  first.annotations = others;
  first.tags = tags;
  first.localEndpoint ??= anyEndpoint;
  return out;
}

/** Decodes a Zipkin v1 JSON body: an array of v1 spans. */
export function decodeZipkinV1Json(body: Uint8Array): ZipkinSpan[] {
  return parseJsonArray(body).flatMap((s, i) => convert(s, `[${i}]`));
}
