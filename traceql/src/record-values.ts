// The value of every TraceQL field on a span from the model (SpanRecord): the reference for what
// FetchedSpan.value() answers (see storage.ts). Storage implementations mirror these rules.
import type { KeyValue, NestedSet, SpanRecord } from '@spanbase/model';
import { bytesToHex, computeNestedSets, dedupeSpanRecords, findAttribute, idKey, isAllZero, serviceNameOf, traceIdToSearchHex } from '@spanbase/model';
import type { Scalar, Static } from './static.ts';
import { KIND_BY_CODE, STATUS_BY_CODE, TRUE, staticFromAnyValue } from './static.ts';
import type { FieldRef } from './storage.ts';

/** A trace prepared for queries: spans in start order, nested sets, child counts, root. */
export interface IndexedTrace {
  /** Trace id bytes. */
  readonly traceId: Uint8Array;
  /** Spans, deduplicated and ordered by start time. */
  readonly records: readonly SpanRecord[];
  /** Nested-set numbers per span (same order). */
  readonly nested: readonly NestedSet[];
  /** Number of children per span (same order). */
  readonly childCount: readonly number[];
  /** The root span (first without a parent), if any. */
  readonly root: SpanRecord | undefined;
  /** Earliest start, unix ns. */
  readonly start: bigint;
  /** Latest end, unix ns. */
  readonly end: bigint;
}

/**
 * A trace's records with what structural queries need (nested sets, child counts) computed on
 * first use: most queries (attribute filters, metrics by span) never ask, and on a large live
 * set those were a third of the cost of preparing a trace.
 */
class PreparedTrace implements IndexedTrace {
  readonly traceId: Uint8Array;
  readonly records: readonly SpanRecord[];
  readonly root: SpanRecord | undefined;
  readonly start: bigint;
  readonly end: bigint;
  private nestedSets: readonly NestedSet[] | undefined;
  private children: readonly number[] | undefined;

  constructor(records: readonly SpanRecord[]) {
    this.records = records;
    let root: SpanRecord | undefined;
    let start = records.length > 0 ? records[0].span.startTimeUnixNano : 0n;
    let end = 0n;
    for (const r of records) {
      const p = r.span.parentSpanId;
      if (p.length === 0 || isAllZero(p)) root ??= r;
      if (r.span.startTimeUnixNano < start) start = r.span.startTimeUnixNano;
      if (r.span.endTimeUnixNano > end) end = r.span.endTimeUnixNano;
    }
    this.root = root;
    this.start = start;
    this.end = end;
    this.traceId = records.length > 0 ? records[0].span.traceId : new Uint8Array(16);
  }

  get nested(): readonly NestedSet[] {
    return (this.nestedSets ??= computeNestedSets(this.records.map((r) => r.span)));
  }

  get childCount(): readonly number[] {
    if (this.children) return this.children;
    const byId = new Map<string, number>();
    this.records.forEach((r, i) => byId.set(idKey(r.span.spanId), i));
    const counts = new Array<number>(this.records.length).fill(0);
    for (const r of this.records) {
      const p = r.span.parentSpanId;
      if (p.length === 0 || isAllZero(p)) continue;
      const pi = byId.get(idKey(p));
      if (pi !== undefined) counts[pi]++;
    }
    return (this.children = counts);
  }
}

/** Prepares one trace's span records for querying. */
export function indexTrace(input: readonly SpanRecord[]): IndexedTrace {
  return new PreparedTrace(dedupeSpanRecords(input));
}

function attr(list: readonly KeyValue[], key: string): Static | undefined {
  const v = findAttribute(list, key);
  if (v === undefined) return undefined;
  const s = staticFromAnyValue(v);
  return s.type === 'nil' ? undefined : s;
}

/** Values of `key` across a list of attribute lists (events or links), flattened; undefined when none has it. */
function multi(lists: readonly { readonly attributes: readonly KeyValue[] }[], key: string): Static | undefined {
  const out: Scalar[] = [];
  for (const l of lists) {
    const v = attr(l.attributes, key);
    if (v === undefined) continue;
    if (v.type === 'array') out.push(...v.value);
    else out.push(v);
  }
  return out.length === 0 ? undefined : { type: 'array', value: out };
}

function array(values: Scalar[]): Static | undefined {
  return values.length === 0 ? undefined : { type: 'array', value: values };
}

function str(s: string): Static {
  return { type: 'string', value: s };
}

/** TRUE when one of the lists (events or links) lacks `key`; undefined when none does or there are none. */
function lacking(lists: readonly { readonly attributes: readonly KeyValue[] }[], key: string): Static | undefined {
  return lists.some((l) => attr(l.attributes, key) === undefined) ? TRUE : undefined;
}

/** The value of `field` on span `i` of the trace; undefined when the span does not have it. */
export function recordValue(field: FieldRef, t: IndexedTrace, i: number): Static | undefined {
  const r = t.records[i];
  const span = r.span;
  if (field.kind === 'missing') return lacking(field.scope === 'event' ? span.events : span.links, field.name);
  if (field.kind === 'attribute') {
    switch (field.scope) {
      case 'none':
        return attr(span.attributes, field.name) ?? attr(r.resource.attributes, field.name);
      case 'span':
        return attr(span.attributes, field.name);
      case 'resource':
        return attr(r.resource.attributes, field.name);
      case 'instrumentation':
        return attr(r.scope.attributes, field.name);
      case 'event':
        return multi(span.events, field.name);
      case 'link':
        return multi(span.links, field.name);
      default: {
        const never: never = field;
        return never;
      }
    }
  }
  switch (field.name) {
    case 'name':
      return str(span.name);
    case 'status':
      return { type: 'status', value: STATUS_BY_CODE[span.status.code] ?? 'unset' };
    case 'statusMessage':
      return str(span.status.message);
    case 'kind':
      return { type: 'kind', value: KIND_BY_CODE[span.kind] ?? 'unspecified' };
    case 'duration':
      return { type: 'duration', value: span.endTimeUnixNano - span.startTimeUnixNano };
    case 'span:childCount':
      return { type: 'int', value: BigInt(t.childCount[i]) };
    case 'span:id':
      return str(bytesToHex(span.spanId));
    case 'span:traceState':
      return str(span.traceState);
    case 'span:parentID':
      return span.parentSpanId.length === 0 || isAllZero(span.parentSpanId) ? undefined : str(bytesToHex(span.parentSpanId));
    case 'nestedSetLeft':
      return { type: 'int', value: BigInt(t.nested[i].left) };
    case 'nestedSetRight':
      return { type: 'int', value: BigInt(t.nested[i].right) };
    case 'nestedSetParent':
      return { type: 'int', value: BigInt(t.nested[i].parent) };
    case 'traceDuration':
      return { type: 'duration', value: t.end - t.start };
    case 'rootName':
      return t.root ? str(t.root.span.name) : undefined;
    case 'rootServiceName': {
      const s = t.root ? serviceNameOf(t.root.resource) : undefined;
      return s === undefined ? undefined : str(s);
    }
    case 'trace:id':
      return str(traceIdToSearchHex(t.traceId));
    case 'event:name':
      return array(span.events.map((e) => ({ type: 'string', value: e.name })));
    case 'event:timeSinceStart':
      return array(span.events.map((e) => ({ type: 'duration', value: e.timeUnixNano - span.startTimeUnixNano })));
    case 'link:traceID':
      return array(span.links.map((l) => ({ type: 'string', value: traceIdToSearchHex(l.traceId) })));
    case 'link:spanID':
      return array(span.links.map((l) => ({ type: 'string', value: bytesToHex(l.spanId) })));
    case 'instrumentation:name':
      return r.scope.name === '' ? undefined : str(r.scope.name);
    case 'instrumentation:version':
      return r.scope.version === '' ? undefined : str(r.scope.version);
    case 'parent':
      return undefined;
  }
}

/** Every span and resource attribute of span `i` with its value (compare() counts them all). */
export function recordAttributes(t: IndexedTrace, i: number): (readonly [FieldRef, Static])[] {
  const r = t.records[i];
  const out: (readonly [FieldRef, Static])[] = [];
  for (const [scope, list] of [['span', r.span.attributes], ['resource', r.resource.attributes]] as const) {
    const seen = new Set<string>();
    for (const kv of list) {
      // A repeated key counts once, with its first value, as value() reads it.
      if (seen.has(kv.key)) continue;
      seen.add(kv.key);
      const v = staticFromAnyValue(kv.value);
      if (v.type !== 'nil') out.push([{ kind: 'attribute', scope, name: kv.key }, v]);
    }
  }
  return out;
}
