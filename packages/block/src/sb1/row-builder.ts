// Turns traces into the column values of one row group (column-values.ts): typed arrays and
// dictionaries, no per-row objects. Resource and scope splits (dedicated values, the JSON cell and
// its dictionary code) are computed once per Resource/Scope object per row group: spans of one
// batch share those objects. The tags summary is fed from the same pass (row-group-tags.ts).
import type { AnyValue, KeyValue, Resource, Scope, SpanEvent, SpanLink, SpanRecord } from '@spanbase/model';
import type { IntBuffer } from './bytes.ts';
import type { ColumnData } from './column-chunk.ts';
import type { AnyValues, BoolValues, DictValues, F64Values, I64Values } from './column-values.ts';
import type { SpanColumns } from './span-columns.ts';
import { offsets, spanColumns, valuesFor } from './span-columns.ts';
import { fitsInt64 } from './attribute-split.ts';
import type { DedicatedColumn, DedicatedType } from './dedicated.ts';
import { anyValueToJson, eventsToJson, keyValuesToJson, linksToJson } from './otlp-json.ts';
import type { ColumnSpec } from './schema.ts';
import { ATTR_TYPES } from './schema.ts';
import { RowGroupTags } from './row-group-tags.ts';
import { indexAttributes } from './row-group-values.ts';
import type { ValueIndexBuilder } from './value-index.ts';
import type { TagsBuilder } from './tags.ts';
import { isRoot, nestedSets, traceIdsOf } from './trace-shape.ts';

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
  /** Its attributes as text: resources of equal content are counted together in the tags. */
  content: string;
  /** Spans of this row group that carry it. */
  spans: number;
}

/** A scope as its rows store it, for one row group. */
export interface ScopeSplit {
  /** The scope. */
  scope: Scope;
  /** Dictionary code of its `scope_attrs` JSON. */
  attrsCode: number;
  /** Dictionary code of its name in `scope_name`. */
  nameCode: number;
  /** Dictionary code of its version in `scope_version`. */
  versionCode: number;
  /** Name, version and attributes as text: scopes of equal content are counted together in the tags. */
  content: string;
  /** Spans of this row group that carry it. */
  spans: number;
}

/** Where a span attribute key has a dedicated column. */
export interface Slot {
  /** Index into `spanDedicated` (and `taken`). */
  slot: number;
  /** The column's value type: an attribute of another type stays generic. */
  type: DedicatedType;
}

/** Generic attribute lists of one value type: keys, values, and their shared row offsets. */
export interface TypedList {
  /** `span_<type>_keys`. */
  keys: DictValues;
  /** `span_<type>_values`. */
  values: AnyValues;
  /** Value offsets per row, shared by both. */
  offsets: IntBuffer;
}

// Converts a bigint start and end to 32-bit halves without allocating.
const HALF_BIG = new BigInt64Array(2);
const HALVES = new Int32Array(HALF_BIG.buffer);

/** Builds column values for one row group. */
export class RowGroupBuilder {
  /** Every column in schema order. */
  readonly columns: ColumnData[];
  /** Columns by name. */
  readonly byName = new Map<string, ColumnData>();
  /** Generic span attribute lists by type, in ATTR_TYPES order. */
  readonly typed: TypedList[];
  /** Resource splits of this row group, by resource object. */
  resources = new Map<Resource, ResourceSplit>();
  /** Scope splits of this row group, by scope object. */
  scopes = new Map<Scope, ScopeSplit>();
  /** The distinct resource splits of this row group (resources of equal content share one). */
  resourcesByContent = new Map<string, ResourceSplit>();
  /** The distinct scope splits, likewise. */
  scopesByContent = new Map<string, ScopeSplit>();
  /** Span dedicated columns, in slot order, with their attribute keys. */
  readonly spanDedicated: { key: string; column: string; values: DictValues | I64Values }[] = [];
  /** The fixed columns. */
  readonly c: SpanColumns;
  /** Rows added since the last reset. */
  rows = 0;
  /** Rough uncompressed size of the rows added, for row-group cutting. */
  estimatedBytes = 0;
  private readonly resourceDedicated: (DictValues | I64Values)[] = [];
  /** Span dedicated columns by attribute key. */
  readonly spanSlots = new Map<string, Slot>();
  private readonly resourceSlots = new Map<string, Slot>();
  /** Per span dedicated column: 1 once the current span filled it. */
  readonly taken: Uint8Array;
  private readonly eventOffsets: IntBuffer;
  private readonly linkOffsets: IntBuffer;
  /** The tags side of this builder. */
  readonly tags: RowGroupTags;
  /** The attribute value index being built, when the block gets one (events and links feed it as they come). */
  valueIndex: ValueIndexBuilder | undefined;
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
    this.c = spanColumns(this.v);
    this.typed = ATTR_TYPES.map((t) => ({ keys: this.v[`span_${t}_keys`] as DictValues, values: this.v[`span_${t}_values`], offsets: this.byName.get(`span_${t}_keys`)!.offsets! }));
    const resourceKeys: DedicatedColumn[] = [{ scope: 'resource', key: 'service.name', type: 'string', column: 'service_name' }, ...dedicated.filter((d) => d.scope === 'resource')];
    for (const d of dedicated.filter((x) => x.scope === 'span')) {
      this.spanSlots.set(d.key, { slot: this.spanDedicated.length, type: d.type });
      this.spanDedicated.push({ key: d.key, column: d.column, values: this.v[d.column] as DictValues | I64Values });
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
  private readonly resourceParts = new WeakMap<Resource, { json: string; dedicated: (string | bigint | undefined)[]; content: string }>();
  /** What a scope stores, likewise. */
  private readonly scopeParts = new WeakMap<Scope, { json: string; content: string }>();

  /** The split of a resource for this row group (made on first use). */
  resourceSplit(r: Resource): ResourceSplit {
    let s = this.resources.get(r);
    if (s) return s;
    s = this.resourcesByContent.get(this.resourceContent(r).content) ?? this.newResourceSplit(r);
    this.resources.set(r, s);
    return s;
  }

  /** What a resource stores, computed once per resource object. */
  private resourceContent(r: Resource): { json: string; dedicated: (string | bigint | undefined)[]; content: string } {
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
      const json = JSON.stringify(keyValuesToJson(rest));
      // The cells it fills determine it (and its attributes, for the tags): they make the key.
      const content = JSON.stringify([r.droppedAttributesCount, dedicated.map((x) => (typeof x === 'bigint' ? { int: String(x) } : x ?? null))]) + json;
      parts = { json, dedicated, content };
      this.resourceParts.set(r, parts);
    }
    return parts;
  }

  /**
   * A row group's split of a resource. Resources of equal content (the same process's resource
   * in each of its requests) share one: it is made once per row group, not once per request.
   */
  private newResourceSplit(r: Resource): ResourceSplit {
    const parts = this.resourceContent(r);
    const dedicated = parts.dedicated.map((x, k) => (typeof x === 'string' ? (this.resourceDedicated[k] as DictValues).stringCode(x) : x));
    const service = parts.dedicated[0] as string | undefined;
    const s: ResourceSplit = { resource: r, attrsCode: this.c.resourceAttrs.stringCode(parts.json), dedicated, service, content: parts.content, spans: 0 };
    this.resourcesByContent.set(parts.content, s);
    this.estimatedBytes += 64 * r.attributes.length;
    return s;
  }

  /** The split of a scope for this row group (made on first use). */
  scopeSplit(sc: Scope): ScopeSplit {
    let s = this.scopes.get(sc);
    if (!s) {
      let parts = this.scopeParts.get(sc);
      if (!parts) {
        const attrs = keyValuesToJson(sc.attributes);
        parts = { json: JSON.stringify(attrs), content: JSON.stringify([sc.name, sc.version, sc.droppedAttributesCount, attrs]) };
        this.scopeParts.set(sc, parts);
      }
      s = this.scopesByContent.get(parts.content);
      if (s) {
        this.scopes.set(sc, s);
        return s;
      }
      s = {
        scope: sc,
        attrsCode: this.c.scopeAttrs.stringCode(parts.json),
        nameCode: this.c.scopeName.stringCode(sc.name),
        versionCode: this.c.scopeVersion.stringCode(sc.version),
        content: parts.content,
        spans: 0,
      };
      this.scopes.set(sc, s);
      this.scopesByContent.set(parts.content, s);
    }
    return s;
  }

  /**
   * The trace-level columns of a trace's `n` rows: its id (16 bytes at idSrc[idFrom]), the codes
   * of its root service and root span name in their columns, its start and end as 32-bit halves.
   */
  addTraceColumns(n: number, idSrc: Uint8Array, idFrom: number, serviceCode: number, nameCode: number, startLo: number, startHi: number, endLo: number, endHi: number): void {
    const c = this.c;
    const traceId = c.traceId;
    const idCode = traceId.codeOf(idSrc, idFrom, idFrom + 16);
    const svc = c.rootService;
    const name = c.rootName;
    const start = c.traceStart;
    const end = c.traceEnd;
    for (let i = 0; i < n; i++) {
      traceId.addCode(idCode);
      svc.addCode(serviceCode);
      name.addCode(nameCode);
      start.addHalves(startLo, startHi);
      end.addHalves(endLo, endHi);
    }
    this.rows += n;
  }

  /** The columns a span takes from its resource and scope. */
  addContext(res: ResourceSplit, sc: ScopeSplit, resourceSchemaUrl: string, scopeSchemaUrl: string): void {
    const c = this.c;
    res.spans++;
    sc.spans++;
    c.resourceSchemaUrl.addString(resourceSchemaUrl);
    c.resourceDropped.addNum(res.resource.droppedAttributesCount);
    c.scopeName.addCode(sc.nameCode);
    c.scopeVersion.addCode(sc.versionCode);
    c.scopeSchemaUrl.addString(scopeSchemaUrl);
    c.scopeDropped.addNum(sc.scope.droppedAttributesCount);
    for (let k = 0; k < this.resourceDedicated.length; k++) {
      const col = this.resourceDedicated[k];
      const x = res.dedicated[k];
      if (x === undefined) col.addNull();
      else if (col.kind === 'dict') col.addCode(x as number);
      else col.addBig(x as bigint);
    }
    c.resourceAttrs.addCode(res.attrsCode);
    c.scopeAttrs.addCode(sc.attrsCode);
  }

  /** Closes a span's attributes: nulls in the dedicated columns it did not fill, list offsets. */
  endAttributes(): void {
    const taken = this.taken;
    for (let k = 0; k < taken.length; k++) {
      if (taken[k] === 0) this.spanDedicated[k].values.addNull();
      else taken[k] = 0;
    }
    for (let t = 0; t < this.typed.length; t++) this.typed[t].offsets.push(this.typed[t].keys.count);
  }

  /** The `events`, `event_names` cells of a span. */
  addEvents(events: readonly SpanEvent[]): void {
    const cell = this.c.events;
    const names = this.c.eventNames;
    if (events.length > 0) {
      cell.addString(JSON.stringify(eventsToJson(events)));
      for (const e of events) {
        names.addString(e.name);
        this.tags.addEvent(e.attributes);
        if (this.valueIndex) indexAttributes(this.valueIndex, 'event', e.attributes);
        this.estimatedBytes += 24 + e.name.length + estimateAttrs(e.attributes);
      }
    } else cell.addNull();
    this.eventOffsets.push(names.count);
  }

  /** The `links`, `link_trace_ids`, `link_span_ids` cells of a span. */
  addLinks(links: readonly SpanLink[]): void {
    const cell = this.c.links;
    const traceIds = this.c.linkTraceIds;
    if (links.length > 0) {
      cell.addString(JSON.stringify(linksToJson(links)));
      for (const l of links) {
        traceIds.addBytes(l.traceId);
        this.c.linkSpanIds.addBytes(l.spanId);
        this.tags.addLink(l.attributes);
        if (this.valueIndex) indexAttributes(this.valueIndex, 'link', l.attributes);
        this.estimatedBytes += 48 + estimateAttrs(l.attributes);
      }
    } else cell.addNull();
    this.linkOffsets.push(traceIds.count);
  }

  /** Appends one trace (records sorted with `sortTrace`); returns its summary. */
  addTrace(records: readonly SpanRecord[]): TraceSummary {
    const n = records.length;
    const spans = records.map((r) => r.span);
    const nested = nestedSets(traceIdsOf(spans));
    let start = spans[0].startTimeUnixNano;
    let end = spans[0].endTimeUnixNano;
    let root: SpanRecord | undefined;
    for (const r of records) {
      if (r.span.startTimeUnixNano < start) start = r.span.startTimeUnixNano;
      if (r.span.endTimeUnixNano > end) end = r.span.endTimeUnixNano;
      if (!root && isRoot(r.span.parentSpanId)) root = r;
    }
    const rootService = root ? this.resourceSplit(root.resource).service : undefined;
    this.tags.addRoot(root?.span.name, rootService);
    const svcCode = this.c.rootService.stringCode(rootService ?? '');
    const nameCode = this.c.rootName.stringCode(root?.span.name ?? '');
    HALF_BIG[0] = start;
    HALF_BIG[1] = end;
    this.addTraceColumns(n, spans[0].traceId, 0, svcCode, nameCode, HALVES[0], HALVES[1], HALVES[2], HALVES[3]);
    for (let i = 0; i < n; i++) this.addSpan(records[i], nested.left[i], nested.right[i], nested.parent[i]);
    return { start, end };
  }

  private addSpan(r: SpanRecord, left: number, right: number, parent: number): void {
    const c = this.c;
    const s = r.span;
    c.spanId.add(s.spanId, 0);
    c.parentSpanId.addBytes(s.parentSpanId);
    c.name.addString(s.name);
    c.kind.add(s.kind);
    c.start.addBig(s.startTimeUnixNano);
    c.duration.addDifference(s.startTimeUnixNano, s.endTimeUnixNano);
    c.statusCode.add(s.status.code);
    c.statusMessage.addString(s.status.message);
    c.traceState.addString(s.traceState);
    c.flags.addNum(s.flags);
    c.droppedAttributes.addNum(s.droppedAttributesCount);
    c.droppedEvents.addNum(s.droppedEventsCount);
    c.droppedLinks.addNum(s.droppedLinksCount);
    c.nestedLeft.add(left);
    c.nestedRight.add(right);
    c.nestedParent.add(parent);
    this.addContext(this.resourceSplit(r.resource), this.scopeSplit(r.scope), r.resourceSchemaUrl, r.scopeSchemaUrl);
    this.estimatedBytes += 100 + s.name.length + s.status.message.length + s.traceState.length + this.addAttributes(s.attributes);
    this.addEvents(s.events);
    this.addLinks(s.links);
  }

  /** Splits span attributes into dedicated and typed generic columns; returns their estimated size. */
  private addAttributes(attrs: readonly KeyValue[]): number {
    const taken = this.taken;
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
    this.endAttributes();
    return bytes;
  }

  /** Appends an attribute to the generic lists of its type. */
  addGeneric(key: string, value: AnyValue): void {
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
    this.addOther(key, value);
  }

  /** Appends an attribute to the `other` lists (bytes, arrays, kvlists, empty values) as OTLP/JSON. */
  addOther(key: string, value: AnyValue): void {
    this.typed[4].keys.addString(key);
    (this.typed[4].values as DictValues).addString(JSON.stringify(anyValueToJson(value)));
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
    this.resourcesByContent = new Map();
    this.scopesByContent = new Map();
    this.rows = 0;
    this.estimatedBytes = 0;
  }
}

function estimateAttrs(attrs: readonly KeyValue[]): number {
  let n = 0;
  for (const a of attrs) n += a.key.length + (a.value.type === 'string' ? a.value.value.length : 12);
  return n;
}
