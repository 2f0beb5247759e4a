// Turns traces into the column arrays of one row group. Resource and scope attribute splits are
// computed once per Resource/Scope object per row group: spans of one batch share those objects.
import type { KeyValue, Resource, Scope, SpanRecord } from '@spanbase/model';
import { computeNestedSets, isAllZero } from '@spanbase/model';
import type { ColumnSource } from 'hyparquet-writer';
import type { DedicatedSlot, TypedAttrs } from './attribute-split.ts';
import { splitAttributes, typedAttributes } from './attribute-split.ts';
import type { DedicatedColumn } from './dedicated.ts';
import { eventsToJson, keyValuesToJson, linksToJson } from './otlp-json.ts';
import type { ColumnSpec } from './schema.ts';
import { ATTR_TYPES } from './schema.ts';

interface Split {
  /** Remaining attributes as OTLP/JSON (what the `resource_attrs` / `scope_attrs` cell holds). */
  json: unknown[];
  dedicated: (string | bigint | undefined)[];
}

const NONE: readonly never[] = [];
const TYPED_PARTS = ATTR_TYPES.flatMap((t) => [`${t}_keys`, `${t}_values`] as (keyof TypedAttrs)[]);

/** Summary of one trace as written, for the index, bloom and meta. */
export interface TraceSummary {
  /** Start of the earliest span. */
  start: bigint;
  /** End of the latest span. */
  end: bigint;
  /** Root span name ('' when the root is missing). */
  rootName: string;
  /** Root service name ('' when the root is missing or has none). */
  rootService: string;
}

/** Whether a span is a root (no parent id, or an all-zero one). */
export function isRoot(parent: Uint8Array): boolean {
  return parent.length === 0 || isAllZero(parent);
}

/** Sorts a trace's records by start time, then span id, so rows and nested sets are deterministic. */
export function sortTrace(records: SpanRecord[]): SpanRecord[] {
  return records.sort((a, b) => {
    const x = a.span.startTimeUnixNano;
    const y = b.span.startTimeUnixNano;
    if (x !== y) return x < y ? -1 : 1;
    const p = a.span.spanId;
    const q = b.span.spanId;
    for (let i = 0; i < p.length && i < q.length; i++) if (p[i] !== q[i]) return p[i] - q[i];
    return p.length - q.length;
  });
}

/** Builds column arrays for one row group. */
export class RowGroupBuilder {
  private readonly columns: readonly ColumnSpec[];
  private readonly data: unknown[][];
  /** The same arrays by column name, resolved once (a lookup per push showed in profiles). */
  private readonly c: Record<string, unknown[]>;
  private readonly typedCols: unknown[][];
  private readonly index = new Map<string, number>();
  private readonly spanSlots = new Map<string, DedicatedSlot>();
  private readonly resourceSlots = new Map<string, DedicatedSlot>();
  private readonly spanDedicatedCols: number[] = [];
  private readonly resourceDedicatedCols: number[] = [];
  private resources = new Map<Resource, Split>();
  private scopes = new Map<Scope, Split>();
  /** Rows added since the last reset. */
  rows = 0;
  /** Rough uncompressed size of the rows added, for row-group cutting. */
  estimatedBytes = 0;

  constructor(columns: readonly ColumnSpec[], dedicated: readonly DedicatedColumn[]) {
    this.columns = columns;
    this.data = columns.map(() => []);
    columns.forEach((c, i) => this.index.set(c.name, i));
    this.c = Object.fromEntries(columns.map((col, i) => [col.name, this.data[i]]));
    this.typedCols = TYPED_PARTS.map((p) => this.data[this.col(`span_${p}`)]);
    const resourceKeys: DedicatedColumn[] = [{ scope: 'resource', key: 'service.name', type: 'string', column: 'service_name' }, ...dedicated.filter((d) => d.scope === 'resource')];
    for (const d of dedicated.filter((x) => x.scope === 'span')) {
      this.spanSlots.set(d.key, { slot: this.spanDedicatedCols.length, type: d.type });
      this.spanDedicatedCols.push(this.col(d.column));
    }
    for (const d of resourceKeys) {
      this.resourceSlots.set(d.key, { slot: this.resourceDedicatedCols.length, type: d.type });
      this.resourceDedicatedCols.push(this.col(d.column));
    }
  }

  private col(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`sb1 schema has no column ${name}`);
    return i;
  }

  private resourceSplit(r: Resource): Split {
    let s = this.resources.get(r);
    if (!s) {
      const dedicated = new Array<string | bigint | undefined>(this.resourceDedicatedCols.length).fill(undefined);
      s = { json: keyValuesToJson(splitAttributes(r.attributes, this.resourceSlots, dedicated)), dedicated };
      this.resources.set(r, s);
      this.estimatedBytes += 64 * r.attributes.length;
    }
    return s;
  }

  private scopeSplit(sc: Scope): Split {
    let s = this.scopes.get(sc);
    if (!s) {
      s = { json: keyValuesToJson(sc.attributes), dedicated: [] };
      this.scopes.set(sc, s);
    }
    return s;
  }

  /** Appends one trace (records sorted with {@link sortTrace}); returns its summary. */
  addTrace(records: readonly SpanRecord[]): TraceSummary {
    const spans = records.map((r) => r.span);
    const nested = computeNestedSets(spans);
    let start = spans[0].startTimeUnixNano;
    let end = spans[0].endTimeUnixNano;
    let root: SpanRecord | undefined;
    for (const r of records) {
      if (r.span.startTimeUnixNano < start) start = r.span.startTimeUnixNano;
      if (r.span.endTimeUnixNano > end) end = r.span.endTimeUnixNano;
      if (!root && isRoot(r.span.parentSpanId)) root = r;
    }
    const rootService = root ? (this.resourceSplit(root.resource).dedicated[0] as string | undefined) ?? '' : '';
    const summary: TraceSummary = { start, end, rootName: root?.span.name ?? '', rootService };
    const d = this.data;
    const c = this.c;
    const traceCols = [c.trace_id, c.trace_root_service_name, c.trace_root_span_name, c.trace_start_unix_nano, c.trace_end_unix_nano];
    const traceVals = [spans[0].traceId, summary.rootService, summary.rootName, BigInt.asIntN(64, start), BigInt.asIntN(64, end)];
    const typedCols = this.typedCols;
    for (let i = 0; i < records.length; i++) {
      const { span, resource, scope } = records[i];
      for (let k = 0; k < traceCols.length; k++) traceCols[k].push(traceVals[k]);
      c.span_id.push(span.spanId);
      c.parent_span_id.push(span.parentSpanId);
      c.name.push(span.name);
      c.kind.push(span.kind);
      c.start_unix_nano.push(BigInt.asIntN(64, span.startTimeUnixNano));
      c.duration_nano.push(BigInt.asIntN(64, span.endTimeUnixNano - span.startTimeUnixNano));
      c.status_code.push(span.status.code);
      c.status_message.push(span.status.message);
      c.trace_state.push(span.traceState);
      c.flags.push(BigInt(span.flags));
      c.dropped_attributes_count.push(BigInt(span.droppedAttributesCount));
      c.dropped_events_count.push(BigInt(span.droppedEventsCount));
      c.dropped_links_count.push(BigInt(span.droppedLinksCount));
      c.nested_left.push(nested[i].left);
      c.nested_right.push(nested[i].right);
      c.nested_parent.push(nested[i].parent);
      c.resource_schema_url.push(records[i].resourceSchemaUrl);
      c.resource_dropped_attributes_count.push(BigInt(resource.droppedAttributesCount));
      c.scope_name.push(scope.name);
      c.scope_version.push(scope.version);
      c.scope_schema_url.push(records[i].scopeSchemaUrl);
      c.scope_dropped_attributes_count.push(BigInt(scope.droppedAttributesCount));
      const res = this.resourceSplit(resource);
      for (let k = 0; k < this.resourceDedicatedCols.length; k++) d[this.resourceDedicatedCols[k]].push(res.dedicated[k] ?? null);
      const spanDedicated = new Array<string | bigint | undefined>(this.spanDedicatedCols.length).fill(undefined);
      const typed = typedAttributes(splitAttributes(span.attributes, this.spanSlots, spanDedicated));
      for (let k = 0; k < this.spanDedicatedCols.length; k++) d[this.spanDedicatedCols[k]].push(spanDedicated[k] ?? null);
      for (let k = 0; k < TYPED_PARTS.length; k++) typedCols[k].push(typed[TYPED_PARTS[k]]);
      c.resource_attrs.push(res.json);
      c.scope_attrs.push(this.scopeSplit(scope).json);
      c.events.push(span.events.length ? eventsToJson(span.events) : null);
      c.event_names.push(span.events.length ? span.events.map((e) => e.name) : NONE);
      c.links.push(span.links.length ? linksToJson(span.links) : null);
      c.link_trace_ids.push(span.links.length ? span.links.map((l) => l.traceId) : NONE);
      c.link_span_ids.push(span.links.length ? span.links.map((l) => l.spanId) : NONE);
      this.estimatedBytes += estimateSpan(records[i]);
    }
    this.rows += records.length;
    return summary;
  }

  /** Column sources for hyparquet-writer, in schema order. */
  columnSources(): ColumnSource[] {
    return this.columns.map((c, i) => {
      const src: ColumnSource = { name: c.name, data: this.data[i] as ColumnSource['data'], statistics: c.stats };
      if (c.encoding) src.encoding = c.encoding;
      src.offsetIndex = false;
      return src;
    });
  }

  /** Forgets the rows (and the per-row-group resource cache). */
  reset(): void {
    for (const a of this.data) a.length = 0;
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

function estimateSpan(r: SpanRecord): number {
  const s = r.span;
  let n = 100 + s.name.length + s.status.message.length + s.traceState.length + estimateAttrs(s.attributes);
  for (const e of s.events) n += 24 + e.name.length + estimateAttrs(e.attributes);
  for (const l of s.links) n += 48 + estimateAttrs(l.attributes);
  return n;
}
