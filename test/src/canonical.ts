// A canonical form of OTLP trace JSON, so what a client sent (OpenTelemetry's own JSON: hex ids,
// numeric enums, ints as numbers) and what Spanbase returns (Tempo's JSON: base64 ids, enum names,
// ints as strings, zero values omitted) can be compared field by field. Written independently of
// Spanbase's code on purpose: it is the test's oracle.

type J = Record<string, unknown>;

const KIND: Record<string, number> = { SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5 };
const STATUS: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** How ids are written in the JSON being canonicalised. */
export type IdEncoding = 'hex' | 'base64';

function id(v: unknown, enc: IdEncoding): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const hex = enc === 'hex' ? String(v).toLowerCase() : Buffer.from(String(v), 'base64').toString('hex');
  return hex === '' ? undefined : hex;
}

function int(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  return s === '0' ? undefined : s;
}

function num(v: unknown, names?: Record<string, number>): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && names ? names[v] : Number(v);
  return n === 0 ? undefined : n;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function clean<T extends J>(o: T): T {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete o[k];
  }
  return o;
}

function value(v: J | undefined): J {
  if (!v) return {};
  if ('stringValue' in v) return { s: String(v.stringValue) };
  if ('boolValue' in v) return { b: Boolean(v.boolValue) };
  if ('intValue' in v) return { i: String(int(v.intValue) ?? '0') };
  if ('doubleValue' in v) return { d: Number(v.doubleValue) };
  if ('bytesValue' in v) {
    const b = v.bytesValue;
    return { by: typeof b === 'string' ? b : Buffer.from(b as Uint8Array).toString('base64') };
  }
  if ('arrayValue' in v) return { a: (((v.arrayValue as J)?.values as J[]) ?? []).map(value) };
  if ('kvlistValue' in v) return { kv: attributes(((v.kvlistValue as J)?.values as J[]) ?? []) };
  return {};
}

function attributes(list: unknown): J[] {
  return ((list as J[]) ?? []).map((kv) => ({ key: String(kv.key), value: value(kv.value as J) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function span(s: J, enc: IdEncoding): J {
  const status = (s.status as J) ?? {};
  return clean({
    traceId: id(s.traceId, enc),
    spanId: id(s.spanId, enc),
    parentSpanId: id(s.parentSpanId, enc),
    traceState: str(s.traceState),
    flags: num(s.flags),
    name: str(s.name),
    kind: num(s.kind, KIND),
    startTimeUnixNano: int(s.startTimeUnixNano),
    endTimeUnixNano: int(s.endTimeUnixNano),
    attributes: attributes(s.attributes),
    droppedAttributesCount: num(s.droppedAttributesCount),
    events: ((s.events as J[]) ?? []).map((e) => clean({ timeUnixNano: int(e.timeUnixNano), name: str(e.name), attributes: attributes(e.attributes), droppedAttributesCount: num(e.droppedAttributesCount) })),
    droppedEventsCount: num(s.droppedEventsCount),
    links: ((s.links as J[]) ?? []).map((l) => clean({ traceId: id(l.traceId, enc), spanId: id(l.spanId, enc), traceState: str(l.traceState), flags: num(l.flags), attributes: attributes(l.attributes), droppedAttributesCount: num(l.droppedAttributesCount) })),
    droppedLinksCount: num(s.droppedLinksCount),
    status: Object.keys(clean({ code: num(status.code, STATUS), message: str(status.message) })).length > 0 ? clean({ code: num(status.code, STATUS), message: str(status.message) }) : undefined,
  });
}

/** One span with its resource and scope, canonical. */
export interface CanonicalSpan {
  resource: J;
  scope: J;
  span: J;
}

/**
 * Flattens `resourceSpans` (or Tempo's v1 `batches`) into canonical spans sorted by span id,
 * keeping only spans of `traceIdHex` when given.
 */
export function canonicalSpans(resourceSpans: unknown, enc: IdEncoding, traceIdHex?: string): CanonicalSpan[] {
  const out: CanonicalSpan[] = [];
  for (const rs of (resourceSpans as J[]) ?? []) {
    const resource = clean({ attributes: attributes((rs.resource as J)?.attributes), droppedAttributesCount: num((rs.resource as J)?.droppedAttributesCount), schemaUrl: str(rs.schemaUrl) });
    for (const ss of (rs.scopeSpans as J[]) ?? []) {
      const sc = (ss.scope as J) ?? {};
      const scope = clean({ name: str(sc.name), version: str(sc.version), attributes: attributes(sc.attributes), droppedAttributesCount: num(sc.droppedAttributesCount), schemaUrl: str(ss.schemaUrl) });
      for (const s of (ss.spans as J[]) ?? []) {
        const c = span(s, enc);
        if (traceIdHex === undefined || c.traceId === traceIdHex.toLowerCase()) out.push({ resource, scope, span: c });
      }
    }
  }
  return out.sort((a, b) => (String(a.span.spanId) < String(b.span.spanId) ? -1 : 1));
}
