// A trace as a flat list of spans, each with the resource and scope it came from. Storage and the
// query engine work on this flat form; OTLP's nesting (resource → scope → span) is rebuilt only
// at the edges (ingest decode, trace-by-id encode).
import { bytesToHex, compareIds, idKey } from './ids.ts';
import type { Resource, ResourceSpans, Scope, Span, TracesData } from './span.ts';

/** A span with the context it was sent in. */
export interface SpanRecord {
  /** The span itself. */
  readonly span: Span;
  /** Its resource (shared object across spans of one ResourceSpans). */
  readonly resource: Resource;
  /** Schema URL of its ResourceSpans. */
  readonly resourceSchemaUrl: string;
  /** Its instrumentation scope (shared object across spans of one ScopeSpans). */
  readonly scope: Scope;
  /** Schema URL of its ScopeSpans. */
  readonly scopeSchemaUrl: string;
}

const EMPTY_RESOURCE: Resource = { attributes: [], droppedAttributesCount: 0 };
const EMPTY_SCOPE: Scope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };

/** Flattens OTLP nesting into span records, keeping resource and scope objects shared. */
export function flattenTracesData(data: TracesData): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const rs of data.resourceSpans) {
    const resource = rs.resource ?? EMPTY_RESOURCE;
    for (const ss of rs.scopeSpans) {
      const scope = ss.scope ?? EMPTY_SCOPE;
      for (const span of ss.spans) {
        out.push({ span, resource, resourceSchemaUrl: rs.schemaUrl, scope, scopeSchemaUrl: ss.schemaUrl });
      }
    }
  }
  return out;
}

/**
 * Rebuilds OTLP nesting from span records: spans sharing a resource object (or an equal one)
 * and schema URL go under one ResourceSpans, and likewise for scopes.
 */
export function groupSpanRecords(records: readonly SpanRecord[]): TracesData {
  const byResource = new Map<string, { rs: ResourceSpans; scopes: Map<string, { scope: Scope; schemaUrl: string; spans: Span[] }> }>();
  const resourceKeys = new Map<Resource, string>();
  const scopeKeys = new Map<Scope, string>();
  for (const r of records) {
    let rk = resourceKeys.get(r.resource);
    if (rk === undefined) {
      rk = stableKey(r.resource);
      resourceKeys.set(r.resource, rk);
    }
    rk += '|' + r.resourceSchemaUrl;
    let entry = byResource.get(rk);
    if (!entry) {
      entry = { rs: { resource: r.resource, scopeSpans: [], schemaUrl: r.resourceSchemaUrl }, scopes: new Map() };
      byResource.set(rk, entry);
    }
    let sk = scopeKeys.get(r.scope);
    if (sk === undefined) {
      sk = stableKey(r.scope);
      scopeKeys.set(r.scope, sk);
    }
    sk += '|' + r.scopeSchemaUrl;
    let scope = entry.scopes.get(sk);
    if (!scope) {
      scope = { scope: r.scope, schemaUrl: r.scopeSchemaUrl, spans: [] };
      entry.scopes.set(sk, scope);
    }
    scope.spans.push(r.span);
  }
  const resourceSpans: ResourceSpans[] = [];
  for (const { rs, scopes } of byResource.values()) {
    resourceSpans.push({
      resource: rs.resource,
      schemaUrl: rs.schemaUrl,
      scopeSpans: [...scopes.values()].map((s) => ({ scope: s.scope, spans: s.spans, schemaUrl: s.schemaUrl })),
    });
  }
  return { resourceSpans };
}

function stableKey(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `b:${bytesToHex(v)}`;
    return v;
  });
}

/** Identity of a span within a trace for de-duplication: span id and kind, as Tempo does. */
export function spanIdentity(span: Span): string {
  return idKey(span.spanId) + String.fromCharCode(span.kind);
}

/**
 * Removes repeated spans (same span id and kind: a client retry, or the same span in a live
 * trace and a block), keeping the first seen, then orders spans by start time.
 */
export function dedupeSpanRecords(records: readonly SpanRecord[]): SpanRecord[] {
  const seen = new Set<string>();
  const out: SpanRecord[] = [];
  for (const r of records) {
    const id = spanIdentity(r.span);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(r);
  }
  out.sort((a, b) => (a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : a.span.startTimeUnixNano > b.span.startTimeUnixNano ? 1 : compareIds(a.span.spanId, b.span.spanId)));
  return out;
}
