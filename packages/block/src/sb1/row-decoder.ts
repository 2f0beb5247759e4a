// Decoded columns → span records. Attribute order on the way back: dedicated columns first (in
// schema order), then the generic ones grouped by type (string, int, double, bool, other), each
// group in ingest order. Spans of one resource (or scope) within a decode share one object.
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanKind, SpanRecord, StatusCode } from '@spanbase/model';
import { BlockFormat } from '../errors.ts';
import type { DedicatedColumn } from './dedicated.ts';
import { WELL_KNOWN_DEDICATED } from './dedicated.ts';
import { anyValueFromJson, eventsFromJson, keyValuesFromJson, linksFromJson } from './otlp-json.ts';
import { ATTR_TYPES } from './schema.ts';

/** Columns as decoded for a run of rows, by column name. */
export type DecodedColumns = Record<string, unknown[]>;

const copy = (b: unknown): Uint8Array => (b as Uint8Array).slice();

function typedValue(type: (typeof ATTR_TYPES)[number], v: unknown): AnyValue {
  switch (type) {
    case 'str':
      return { type: 'string', value: v as string };
    case 'int':
      return { type: 'int', value: v as bigint };
    case 'double':
      return { type: 'double', value: v as number };
    case 'bool':
      return { type: 'bool', value: v as boolean };
    case 'other':
      return anyValueFromJson(v);
  }
}

/** The columns of rows' resources, scopes and trace ids, resolved once per decoded run rather than by name per row. */
interface Bound {
  cols: DecodedColumns;
  resourceDedicated: unknown[][];
  traceId: unknown[];
  resourceAttrs: unknown[];
  resourceDropped: unknown[];
  resourceSchemaUrl: unknown[];
  scopeAttrs: unknown[];
  scopeName: unknown[];
  scopeVersion: unknown[];
  scopeDropped: unknown[];
  scopeSchemaUrl: unknown[];
  /**
   * The span columns, resolved on the first record(): the merge asks only for resources and
   * scopes of most runs, and reading a span string column it holds as cells makes its strings.
   */
  span?: SpanBound;
}

/** The span columns record() reads. */
interface SpanBound {
  keys: unknown[][];
  values: unknown[][];
  spanDedicated: { d: DedicatedColumn; v: unknown[] | undefined }[];
  spanId: unknown[];
  parentSpanId: unknown[];
  traceState: unknown[];
  flags: unknown[];
  name: unknown[];
  kind: unknown[];
  start: unknown[];
  duration: unknown[];
  droppedAttributes: unknown[];
  events: unknown[];
  droppedEvents: unknown[];
  links: unknown[];
  droppedLinks: unknown[];
  statusCode: unknown[];
  statusMessage: unknown[];
}

const KEY_COLUMNS = ATTR_TYPES.map((t) => `span_${t}_keys`);
const VALUE_COLUMNS = ATTR_TYPES.map((t) => `span_${t}_values`);

/** Rebuilds span records from decoded columns; one instance per decode (it caches resources). */
export class RowDecoder {
  private readonly spanDedicated: DedicatedColumn[];
  private readonly resourceDedicated: DedicatedColumn[];
  private readonly resources = new Map<unknown, Map<string, Resource>>();
  private readonly scopes = new Map<unknown, Map<string, Scope>>();
  private bound: Bound | undefined;
  /** The row whose resource, scope and trace id copy were made last, and those (rows of a run mostly repeat them). */
  private lastRow = -1;
  private lastResource: Resource | undefined;
  private lastScope: Scope | undefined;
  private lastTraceId: Uint8Array | undefined;
  /** Resources of the current run by attributes cell, with a row that holds each. */
  private runResources = new Map<unknown, { row: number; resource: Resource }[]>();

  constructor(extra: readonly DedicatedColumn[]) {
    const all = [...WELL_KNOWN_DEDICATED, ...extra];
    this.spanDedicated = all.filter((d) => d.scope === 'span');
    this.resourceDedicated = [{ scope: 'resource', key: 'service.name', type: 'string', column: 'service_name' }, ...all.filter((d) => d.scope === 'resource')];
  }

  private bind(cols: DecodedColumns): Bound {
    if (this.bound?.cols === cols) return this.bound;
    this.lastRow = -1;
    this.runResources = new Map();
    this.bound = {
      cols,
      resourceDedicated: this.resourceDedicated.map((d) => cols[d.column]),
      traceId: cols.trace_id,
      resourceAttrs: cols.resource_attrs,
      resourceDropped: cols.resource_dropped_attributes_count,
      resourceSchemaUrl: cols.resource_schema_url,
      scopeAttrs: cols.scope_attrs,
      scopeName: cols.scope_name,
      scopeVersion: cols.scope_version,
      scopeDropped: cols.scope_dropped_attributes_count,
      scopeSchemaUrl: cols.scope_schema_url,
    };
    return this.bound;
  }

  /** Whether rows i and j hold the same resource cells (dictionary values decode to shared objects). */
  private sameResource(b: Bound, i: number, j: number): boolean {
    if (b.resourceAttrs[i] !== b.resourceAttrs[j] || b.resourceDropped[i] !== b.resourceDropped[j]) return false;
    for (const col of b.resourceDedicated) if (col[i] !== col[j]) return false;
    return true;
  }

  /**
   * The resource of row i, found among the run's earlier rows of the same attributes cell by
   * comparing cells (a run holds few resources); built or looked up by content otherwise.
   */
  private runResource(b: Bound, i: number): Resource {
    const json = b.resourceAttrs[i];
    let seen = this.runResources.get(json);
    if (!seen) this.runResources.set(json, (seen = []));
    for (const x of seen) if (this.sameResource(b, i, x.row)) return x.resource;
    const resource = this.resource(b, i);
    seen.push({ row: i, resource });
    return resource;
  }

  private resource(b: Bound, i: number): Resource {
    const json = b.resourceAttrs[i];
    let byRest = this.resources.get(json);
    if (!byRest) this.resources.set(json, (byRest = new Map()));
    let rest = String(b.resourceDropped[i]);
    for (const col of b.resourceDedicated) {
      const v = col[i];
      rest += v === null || v === undefined ? '\0-' : '\0=' + String(v);
    }
    let r = byRest.get(rest);
    if (!r) {
      const attributes: KeyValue[] = [];
      for (let k = 0; k < this.resourceDedicated.length; k++) {
        const v = b.resourceDedicated[k][i];
        const d = this.resourceDedicated[k];
        if (v === null || v === undefined) continue;
        attributes.push({ key: d.key, value: d.type === 'int' ? { type: 'int', value: v as bigint } : { type: 'string', value: v as string } });
      }
      attributes.push(...keyValuesFromJson(json));
      r = { attributes, droppedAttributesCount: Number(b.resourceDropped[i]) };
      byRest.set(rest, r);
    }
    return r;
  }

  private scope(b: Bound, i: number): Scope {
    const json = b.scopeAttrs[i];
    let byRest = this.scopes.get(json);
    if (!byRest) this.scopes.set(json, (byRest = new Map()));
    const name = b.scopeName[i] as string;
    const version = b.scopeVersion[i] as string;
    const dropped = Number(b.scopeDropped[i]);
    const rest = `${name}\0${version}\0${dropped}`;
    let s = byRest.get(rest);
    if (!s) {
      s = { name, version, attributes: keyValuesFromJson(json), droppedAttributesCount: dropped };
      byRest.set(rest, s);
    }
    return s;
  }

  /** Makes row i's resource, scope and trace id copy the last ones (rows of a run mostly share them with the row before). */
  private context(b: Bound, i: number): void {
    const last = this.lastRow;
    if (last === i) return;
    const prev = last >= 0;
    if (!(prev && this.sameResource(b, i, last))) this.lastResource = this.runResource(b, i);
    if (!(prev && b.scopeAttrs[i] === b.scopeAttrs[last] && b.scopeName[i] === b.scopeName[last] && b.scopeVersion[i] === b.scopeVersion[last] && b.scopeDropped[i] === b.scopeDropped[last])) this.lastScope = this.scope(b, i);
    // One copy of a trace id for the spans of a trace (its dictionary value is one object).
    if (!(prev && b.traceId[i] === b.traceId[last])) this.lastTraceId = copy(b.traceId[i]);
    this.lastRow = i;
  }

  /** The resource of row i (the object record() gives it). */
  resourceOf(cols: DecodedColumns, i: number): Resource {
    this.context(this.bind(cols), i);
    return this.lastResource!;
  }

  /** The scope of row i (the object record() gives it). */
  scopeOf(cols: DecodedColumns, i: number): Scope {
    this.context(this.bind(cols), i);
    return this.lastScope!;
  }

  private bindSpans(cols: DecodedColumns): SpanBound {
    return {
      keys: KEY_COLUMNS.map((k) => cols[k]),
      values: VALUE_COLUMNS.map((k) => cols[k]),
      spanDedicated: this.spanDedicated.map((d) => ({ d, v: cols[d.column] })),
      spanId: cols.span_id,
      parentSpanId: cols.parent_span_id,
      traceState: cols.trace_state,
      flags: cols.flags,
      name: cols.name,
      kind: cols.kind,
      start: cols.start_unix_nano,
      duration: cols.duration_nano,
      droppedAttributes: cols.dropped_attributes_count,
      events: cols.events,
      droppedEvents: cols.dropped_events_count,
      links: cols.links,
      droppedLinks: cols.dropped_links_count,
      statusCode: cols.status_code,
      statusMessage: cols.status_message,
    };
  }

  /** The record of row `i` of the decoded run. */
  record(cols: DecodedColumns, i: number): SpanRecord {
    const c = this.bind(cols);
    const b = (c.span ??= this.bindSpans(cols));
    const attributes: KeyValue[] = [];
    for (const { d, v: col } of b.spanDedicated) {
      const v = col?.[i];
      if (v === null || v === undefined) continue;
      attributes.push({ key: d.key, value: d.type === 'int' ? { type: 'int', value: v as bigint } : { type: 'string', value: v as string } });
    }
    for (let t = 0; t < ATTR_TYPES.length; t++) {
      const keys = b.keys[t][i] as string[];
      if (keys.length === 0 && (b.values[t][i] as unknown[]).length === 0) continue;
      const values = b.values[t][i] as unknown[];
      if (keys.length !== values.length) throw BlockFormat(`span_${ATTR_TYPES[t]}_keys and span_${ATTR_TYPES[t]}_values differ in length`);
      for (let k = 0; k < keys.length; k++) attributes.push({ key: keys[k], value: typedValue(ATTR_TYPES[t], values[k]) });
    }
    this.context(c, i);
    const traceId = this.lastTraceId!;
    const start = BigInt.asUintN(64, b.start[i] as bigint);
    const span: Span = {
      traceId,
      spanId: copy(b.spanId[i]),
      parentSpanId: copy(b.parentSpanId[i]),
      traceState: b.traceState[i] as string,
      flags: Number(b.flags[i]),
      name: b.name[i] as string,
      kind: b.kind[i] as SpanKind,
      startTimeUnixNano: start,
      endTimeUnixNano: BigInt.asUintN(64, start + (b.duration[i] as bigint)),
      attributes,
      droppedAttributesCount: Number(b.droppedAttributes[i]),
      events: b.events[i] === null ? [] : eventsFromJson(b.events[i]),
      droppedEventsCount: Number(b.droppedEvents[i]),
      links: b.links[i] === null ? [] : linksFromJson(b.links[i]),
      droppedLinksCount: Number(b.droppedLinks[i]),
      status: { code: b.statusCode[i] as StatusCode, message: b.statusMessage[i] as string },
    };
    return {
      span,
      resource: this.lastResource!,
      resourceSchemaUrl: c.resourceSchemaUrl[i] as string,
      scope: this.lastScope!,
      scopeSchemaUrl: c.scopeSchemaUrl[i] as string,
    };
  }
}
