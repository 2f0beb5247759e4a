// Turns traces into the column values of one row group (column-values.ts): typed arrays and
// dictionaries, no per-row objects. Resource and scope splits (dedicated values, the JSON cell and
// its dictionary code) are computed once per Resource/Scope object per row group: spans of one
// batch share those objects. The tags summary is fed from the same pass (row-group-tags.ts).
import type { AnyValue, KeyValue, Resource, Scope, SpanRecord } from '@spanbase/model';
import { IntBuffer } from './bytes.ts';
import type { ColumnData } from './column-chunk.ts';
import type { AnyValues } from './column-values.ts';
import { BoolValues, DictValues, F64Values, FixedValues, I32Values, I64Values } from './column-values.ts';
import { fitsInt64 } from './attribute-split.ts';
import type { DedicatedColumn, DedicatedType } from './dedicated.ts';
import { anyValueToJson, eventsToJson, keyValuesToJson, linksToJson } from './otlp-json.ts';
import type { ColumnSpec } from './schema.ts';
import { ATTR_TYPES } from './schema.ts';
import { RowGroupTags } from './row-group-tags.ts';
import type { TagsBuilder } from './tags.ts';
import { isRoot, nestedSets } from './trace-shape.ts';

export { isRoot, sortTrace } from './trace-shape.ts';

/** Summary of one trace as written, for the index, bloom and meta. */
export interface TraceSummary {
  /** Start of the earliest span. */
  start: bigint;
  /** End of the latest span. */
  end: bigint;
}

/** A resource as its rows store it, for one row group. */
export interface ResourceSplit {
  /** The resource. */
  resource: Resource;
  /** Dictionary code of its `resource_attrs` JSON. */
  attrsCode: number;
  /** Per dedicated resource column: the string's code, the int, or undefined (null). */
  dedicated: (number | bigint | undefined)[];
  /** `service.name` when it is a string ('' otherwise), for the trace's root service. */
  service: string | undefined;
  /** Spans of this row group that carry it. */
  spans: number;
}

/** A scope as its rows store it, for one row group. */
export interface ScopeSplit {
  /** The scope. */
  scope: Scope;
  /** Dictionary codes of `scope_attrs`, `scope_name`, `scope_version`. */
  attrsCode: number;
  nameCode: number;
  versionCode: number;
  /** Spans of this row group that carry it. */
  spans: number;
}

interface Slot {
  slot: number;
  type: DedicatedType;
}

/** Generic attribute lists of one value type: keys, values, and their shared row offsets. */
export interface TypedList {
  keys: DictValues;
  values: AnyValues;
  offsets: IntBuffer;
}

function valuesFor(spec: ColumnSpec): AnyValues {
  const nullable = spec.shape === 'flat' && spec.nullable;
  switch (spec.kind) {
    case 'int32': return new I32Values(nullable);
    case 'int64': return new I64Values(nullable);
    case 'double': return new F64Values(nullable);
    case 'bool': return new BoolValues(nullable);
    default: return spec.fixedLength && spec.encoding === 'PLAIN' ? new FixedValues(spec.fixedLength) : new DictValues(nullable, spec.fixedLength ?? 0);
  }
}

function offsets(): IntBuffer {
  const o = new IntBuffer(4096);
  o.push(0);
  return o;
}

/** Builds column values for one row group. */
export class RowGroupBuilder {
  /** Every column in schema order. */
  readonly columns: ColumnData[];
  /** Columns by name. */
  readonly byName = new Map<string, ColumnData>();
  /** Generic span attribute lists by type, in ATTR_TYPES order. */
  readonly typed: TypedList[];
  /** Resource splits of this row group. */
  resources = new Map<Resource, ResourceSplit>();
  /** Scope splits of this row group. */
  scopes = new Map<Scope, ScopeSplit>();
  /** Span dedicated columns, in slot order, with their attribute keys. */
  readonly spanDedicated: { key: string; values: DictValues | I64Values }[] = [];
  /** Rows added since the last reset. */
  rows = 0;
  /** Rough uncompressed size of the rows added, for row-group cutting. */
  estimatedBytes = 0;
  private readonly resourceDedicated: (DictValues | I64Values)[] = [];
  private readonly spanSlots = new Map<string, Slot>();
  private readonly resourceSlots = new Map<string, Slot>();
  private readonly taken: Uint8Array;
  private readonly eventOffsets: IntBuffer;
  private readonly linkOffsets: IntBuffer;
  private readonly tags: RowGroupTags;
  private readonly v: Record<string, AnyValues>;

  constructor(specs: readonly ColumnSpec[], dedicated: readonly DedicatedColumn[], tags: TagsBuilder) {
    const shared = new Map<string, IntBuffer>();
    this.columns = specs.map((spec) => {
      let o: IntBuffer | undefined;
      if (spec.shape === 'list') {
        // Keys and values of one type share their offsets, and so do the two link id lists.
        const group = spec.name.replace(/_(keys|values)$/, '').replace(/^link_(trace|span)_ids$/, 'links');
        o = shared.get(group) ?? offsets();
        shared.set(group, o);
      }
      const col: ColumnData = { spec, values: valuesFor(spec), offsets: o };
      this.byName.set(spec.name, col);
      return col;
    });
    this.v = Object.fromEntries(this.columns.map((c) => [c.spec.name, c.values]));
    this.typed = ATTR_TYPES.map((t) => ({ keys: this.v[`span_${t}_keys`] as DictValues, values: this.v[`span_${t}_values`], offsets: this.byName.get(`span_${t}_keys`)!.offsets! }));
    const resourceKeys: DedicatedColumn[] = [{ scope: 'resource', key: 'service.name', type: 'string', column: 'service_name' }, ...dedicated.filter((d) => d.scope === 'resource')];
    for (const d of dedicated.filter((x) => x.scope === 'span')) {
      this.spanSlots.set(d.key, { slot: this.spanDedicated.length, type: d.type });
      this.spanDedicated.push({ key: d.key, values: this.v[d.column] as DictValues | I64Values });
    }
    for (const d of resourceKeys) {
      this.resourceSlots.set(d.key, { slot: this.resourceDedicated.length, type: d.type });
      this.resourceDedicated.push(this.v[d.column] as DictValues | I64Values);
    }
    this.taken = new Uint8Array(this.spanDedicated.length);
    this.eventOffsets = this.byName.get('event_names')!.offsets!;
    this.linkOffsets = this.byName.get('link_trace_ids')!.offsets!;
    this.tags = new RowGroupTags(tags, this);
  }

  /** The values of column `name`. */
  values<T extends AnyValues>(name: string): T {
    return this.v[name] as T;
  }

  /** What a resource stores, by resource object, kept across row groups (a block's batches share them). */
  private readonly resourceParts = new WeakMap<Resource, { json: string; dedicated: (string | bigint | undefined)[] }>();

  private resourceSplit(r: Resource): ResourceSplit {
    let s = this.resources.get(r);
    if (s) return s;
    let parts = this.resourceParts.get(r);
    if (!parts) {
      const dedicated = new Array<string | bigint | undefined>(this.resourceDedicated.length).fill(undefined);
      const rest: KeyValue[] = [];
      for (const kv of r.attributes) {
        const slot = this.resourceSlots.get(kv.key);
        if (slot !== undefined && dedicated[slot.slot] === undefined) {
          if ((slot.type === 'string' && kv.value.type === 'string') || (slot.type === 'int' && kv.value.type === 'int' && fitsInt64(kv.value.value))) {
            dedicated[slot.slot] = kv.value.value;
            continue;
          }
        }
        rest.push(kv);
      }
      parts = { json: JSON.stringify(keyValuesToJson(rest)), dedicated };
      this.resourceParts.set(r, parts);
    }
    const dedicated = parts.dedicated.map((x, k) => (typeof x === 'string' ? (this.resourceDedicated[k] as DictValues).stringCode(x) : x));
    const service = parts.dedicated[0] as string | undefined;
    s = { resource: r, attrsCode: (this.v.resource_attrs as DictValues).stringCode(parts.json), dedicated, service, spans: 0 };
    this.resources.set(r, s);
    this.estimatedBytes += 64 * r.attributes.length;
    return s;
  }

  private scopeSplit(sc: Scope): ScopeSplit {
    let s = this.scopes.get(sc);
    if (!s) {
      s = {
        scope: sc,
        attrsCode: (this.v.scope_attrs as DictValues).stringCode(JSON.stringify(keyValuesToJson(sc.attributes))),
        nameCode: (this.v.scope_name as DictValues).stringCode(sc.name),
        versionCode: (this.v.scope_version as DictValues).stringCode(sc.version),
        spans: 0,
      };
      this.scopes.set(sc, s);
    }
    return s;
  }

  /** Appends one trace (records sorted with `sortTrace`); returns its summary. */
  addTrace(records: readonly SpanRecord[]): TraceSummary {
    const n = records.length;
    const spans = records.map((r) => r.span);
    const nested = nestedSets(spans);
    let start = spans[0].startTimeUnixNano;
    let end = spans[0].endTimeUnixNano;
    let root: SpanRecord | undefined;
    for (const r of records) {
      if (r.span.startTimeUnixNano < start) start = r.span.startTimeUnixNano;
      if (r.span.endTimeUnixNano > end) end = r.span.endTimeUnixNano;
      if (!root && isRoot(r.span.parentSpanId)) root = r;
    }
    const v = this.v;
    const rootService = root ? this.resourceSplit(root.resource).service : undefined;
    this.tags.addRoot(root?.span.name, rootService);
    const traceId = v.trace_id as DictValues;
    traceId.addBytes(spans[0].traceId);
    const idCode = traceId.codes.a[traceId.count - 1];
    const svcCode = (v.trace_root_service_name as DictValues).stringCode(rootService ?? '');
    const nameCode = (v.trace_root_span_name as DictValues).stringCode(root?.span.name ?? '');
    for (let i = 1; i < n; i++) traceId.addCode(idCode);
    for (let i = 0; i < n; i++) {
      (v.trace_root_service_name as DictValues).addCode(svcCode);
      (v.trace_root_span_name as DictValues).addCode(nameCode);
      (v.trace_start_unix_nano as I64Values).addBig(start);
      (v.trace_end_unix_nano as I64Values).addBig(end);
    }
    for (let i = 0; i < n; i++) this.addSpan(records[i], nested.left[i], nested.right[i], nested.parent[i]);
    this.rows += n;
    return { start, end };
  }

  private addSpan(r: SpanRecord, left: number, right: number, parent: number): void {
    const v = this.v;
    const s = r.span;
    (v.span_id as FixedValues).add(s.spanId);
    (v.parent_span_id as DictValues).addBytes(s.parentSpanId);
    (v.name as DictValues).addString(s.name);
    (v.kind as I32Values).add(s.kind);
    (v.start_unix_nano as I64Values).addBig(s.startTimeUnixNano);
    (v.duration_nano as I64Values).addDifference(s.startTimeUnixNano, s.endTimeUnixNano);
    (v.status_code as I32Values).add(s.status.code);
    (v.status_message as DictValues).addString(s.status.message);
    (v.trace_state as DictValues).addString(s.traceState);
    (v.flags as I64Values).addNum(s.flags);
    (v.dropped_attributes_count as I64Values).addNum(s.droppedAttributesCount);
    (v.dropped_events_count as I64Values).addNum(s.droppedEventsCount);
    (v.dropped_links_count as I64Values).addNum(s.droppedLinksCount);
    (v.nested_left as I32Values).add(left);
    (v.nested_right as I32Values).add(right);
    (v.nested_parent as I32Values).add(parent);
    const res = this.resourceSplit(r.resource);
    res.spans++;
    (v.resource_schema_url as DictValues).addString(r.resourceSchemaUrl);
    (v.resource_dropped_attributes_count as I64Values).addNum(r.resource.droppedAttributesCount);
    const sc = this.scopeSplit(r.scope);
    sc.spans++;
    (v.scope_name as DictValues).addCode(sc.nameCode);
    (v.scope_version as DictValues).addCode(sc.versionCode);
    (v.scope_schema_url as DictValues).addString(r.scopeSchemaUrl);
    (v.scope_dropped_attributes_count as I64Values).addNum(r.scope.droppedAttributesCount);
    for (let k = 0; k < this.resourceDedicated.length; k++) {
      const col = this.resourceDedicated[k];
      const x = res.dedicated[k];
      if (x === undefined) col.addNull();
      else if (col.kind === 'dict') col.addCode(x as number);
      else col.addBig(x as bigint);
    }
    this.estimatedBytes += 100 + s.name.length + s.status.message.length + s.traceState.length + this.addAttributes(s.attributes);
    (v.resource_attrs as DictValues).addCode(res.attrsCode);
    (v.scope_attrs as DictValues).addCode(sc.attrsCode);
    const events = v.events as DictValues;
    const eventNames = v.event_names as DictValues;
    if (s.events.length > 0) {
      events.addString(JSON.stringify(eventsToJson(s.events)));
      for (const e of s.events) {
        eventNames.addString(e.name);
        this.tags.addEvent(e.attributes);
        this.estimatedBytes += 24 + e.name.length + estimateAttrs(e.attributes);
      }
    } else events.addNull();
    this.eventOffsets.push(eventNames.count);
    const links = v.links as DictValues;
    const linkTraceIds = v.link_trace_ids as DictValues;
    if (s.links.length > 0) {
      links.addString(JSON.stringify(linksToJson(s.links)));
      for (const l of s.links) {
        linkTraceIds.addBytes(l.traceId);
        (v.link_span_ids as DictValues).addBytes(l.spanId);
        this.tags.addLink(l.attributes);
        this.estimatedBytes += 48 + estimateAttrs(l.attributes);
      }
    } else links.addNull();
    this.linkOffsets.push(linkTraceIds.count);
  }

  /** Splits span attributes into dedicated and typed generic columns; returns their estimated size. */
  private addAttributes(attrs: readonly KeyValue[]): number {
    const taken = this.taken;
    const typed = this.typed;
    let bytes = 0;
    for (let i = 0; i < attrs.length; i++) {
      const { key, value } = attrs[i];
      bytes += key.length + (value.type === 'string' ? value.value.length : 12);
      const slot = this.spanSlots.get(key);
      if (slot !== undefined && taken[slot.slot] === 0) {
        const col = this.spanDedicated[slot.slot].values;
        if (slot.type === 'string' && value.type === 'string') {
          (col as DictValues).addString(value.value);
          taken[slot.slot] = 1;
          continue;
        }
        if (slot.type === 'int' && value.type === 'int' && fitsInt64(value.value)) {
          (col as I64Values).addBig(value.value);
          taken[slot.slot] = 1;
          continue;
        }
      }
      this.addGeneric(key, value);
    }
    for (let k = 0; k < taken.length; k++) {
      if (taken[k] === 0) this.spanDedicated[k].values.addNull();
      else taken[k] = 0;
    }
    for (let t = 0; t < typed.length; t++) typed[t].offsets.push(typed[t].keys.count);
    return bytes;
  }

  private addGeneric(key: string, value: AnyValue): void {
    const typed = this.typed;
    switch (value.type) {
      case 'string':
        typed[0].keys.addString(key);
        (typed[0].values as DictValues).addString(value.value);
        return;
      case 'int':
        if (fitsInt64(value.value)) {
          typed[1].keys.addString(key);
          (typed[1].values as I64Values).addBig(value.value);
          return;
        }
        break;
      case 'double':
        typed[2].keys.addString(key);
        (typed[2].values as F64Values).add(value.value);
        return;
      case 'bool':
        typed[3].keys.addString(key);
        (typed[3].values as BoolValues).add(value.value);
        return;
    }
    typed[4].keys.addString(key);
    (typed[4].values as DictValues).addString(JSON.stringify(anyValueToJson(value)));
    this.tags.addOther(key, value);
  }

  /** Feeds the row group's counts to the tags summary; call once the row group is complete. */
  countTags(): void {
    this.tags.addRowGroup();
  }

  /** Forgets the rows (and the per-row-group resource and scope splits). */
  reset(): void {
    for (const c of this.columns) {
      c.values.clear();
      if (c.offsets && c.offsets.length > 1) {
        c.offsets.clear();
        c.offsets.push(0);
      }
    }
    this.resources = new Map();
    this.scopes = new Map();
    this.rows = 0;
    this.estimatedBytes = 0;
  }
}

function estimateAttrs(attrs: readonly KeyValue[]): number {
  let n = 0;
  for (const a of attrs) n += a.key.length + (a.value.type === 'string' ? a.value.value.length : 12);
  return n;
}
