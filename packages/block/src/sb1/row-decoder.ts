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

/** Rebuilds span records from decoded columns; one instance per decode (it caches resources). */
export class RowDecoder {
  private readonly spanDedicated: DedicatedColumn[];
  private readonly resourceDedicated: DedicatedColumn[];
  private readonly resources = new Map<unknown, Map<string, Resource>>();
  private readonly scopes = new Map<unknown, Map<string, Scope>>();

  constructor(extra: readonly DedicatedColumn[]) {
    const all = [...WELL_KNOWN_DEDICATED, ...extra];
    this.spanDedicated = all.filter((d) => d.scope === 'span');
    this.resourceDedicated = [{ scope: 'resource', key: 'service.name', type: 'string', column: 'service_name' }, ...all.filter((d) => d.scope === 'resource')];
  }

  private dedicatedAttrs(cols: DecodedColumns, i: number, list: readonly DedicatedColumn[], out: KeyValue[]): void {
    for (const d of list) {
      const v = cols[d.column]?.[i];
      if (v === null || v === undefined) continue;
      out.push({ key: d.key, value: d.type === 'int' ? { type: 'int', value: v as bigint } : { type: 'string', value: v as string } });
    }
  }

  private resource(cols: DecodedColumns, i: number): Resource {
    const json = cols.resource_attrs[i];
    let byRest = this.resources.get(json);
    if (!byRest) this.resources.set(json, (byRest = new Map()));
    let rest = String(cols.resource_dropped_attributes_count[i]);
    for (const d of this.resourceDedicated) {
      const v = cols[d.column][i];
      rest += v === null || v === undefined ? '\0-' : '\0=' + String(v);
    }
    let r = byRest.get(rest);
    if (!r) {
      const attributes: KeyValue[] = [];
      this.dedicatedAttrs(cols, i, this.resourceDedicated, attributes);
      attributes.push(...keyValuesFromJson(json));
      r = { attributes, droppedAttributesCount: Number(cols.resource_dropped_attributes_count[i]) };
      byRest.set(rest, r);
    }
    return r;
  }

  private scope(cols: DecodedColumns, i: number): Scope {
    const json = cols.scope_attrs[i];
    let byRest = this.scopes.get(json);
    if (!byRest) this.scopes.set(json, (byRest = new Map()));
    const name = cols.scope_name[i] as string;
    const version = cols.scope_version[i] as string;
    const dropped = Number(cols.scope_dropped_attributes_count[i]);
    const rest = `${name}\0${version}\0${dropped}`;
    let s = byRest.get(rest);
    if (!s) {
      s = { name, version, attributes: keyValuesFromJson(json), droppedAttributesCount: dropped };
      byRest.set(rest, s);
    }
    return s;
  }

  /** The record of row `i` of the decoded run. */
  record(cols: DecodedColumns, i: number): SpanRecord {
    const attributes: KeyValue[] = [];
    this.dedicatedAttrs(cols, i, this.spanDedicated, attributes);
    for (const t of ATTR_TYPES) {
      const keys = cols[`span_${t}_keys`][i] as string[];
      const values = cols[`span_${t}_values`][i] as unknown[];
      if (keys.length !== values.length) throw BlockFormat(`span_${t}_keys and span_${t}_values differ in length`);
      for (let k = 0; k < keys.length; k++) attributes.push({ key: keys[k], value: typedValue(t, values[k]) });
    }
    const start = BigInt.asUintN(64, cols.start_unix_nano[i] as bigint);
    const span: Span = {
      traceId: copy(cols.trace_id[i]),
      spanId: copy(cols.span_id[i]),
      parentSpanId: copy(cols.parent_span_id[i]),
      traceState: cols.trace_state[i] as string,
      flags: Number(cols.flags[i]),
      name: cols.name[i] as string,
      kind: cols.kind[i] as SpanKind,
      startTimeUnixNano: start,
      endTimeUnixNano: BigInt.asUintN(64, start + (cols.duration_nano[i] as bigint)),
      attributes,
      droppedAttributesCount: Number(cols.dropped_attributes_count[i]),
      events: cols.events[i] === null ? [] : eventsFromJson(cols.events[i]),
      droppedEventsCount: Number(cols.dropped_events_count[i]),
      links: cols.links[i] === null ? [] : linksFromJson(cols.links[i]),
      droppedLinksCount: Number(cols.dropped_links_count[i]),
      status: { code: cols.status_code[i] as StatusCode, message: cols.status_message[i] as string },
    };
    return {
      span,
      resource: this.resource(cols, i),
      resourceSchemaUrl: cols.resource_schema_url[i] as string,
      scope: this.scope(cols, i),
      scopeSchemaUrl: cols.scope_schema_url[i] as string,
    };
  }
}
