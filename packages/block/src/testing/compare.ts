// Comparing traces as a block returns them with what was written: spans as a set, and span and
// resource attributes as multisets (formats may reorder them; sb1 documents how). Everything else
// must match exactly: value types, int64 beyond 2^53, NaN and -0, bytes, event and link order.
import type { AnyValue, KeyValue, SpanRecord } from '@spanbase/model';
import { bytesToHex } from '@spanbase/model';

function value(v: AnyValue): unknown {
  switch (v.type) {
    case 'int':
      return ['int', v.value.toString()];
    case 'double':
      return ['double', Object.is(v.value, -0) ? '-0' : String(v.value)];
    case 'bytes':
      return ['bytes', bytesToHex(v.value)];
    case 'array':
      return ['array', v.value.map(value)];
    case 'kvlist':
      return ['kvlist', v.value.map((kv) => [kv.key, value(kv.value)])];
    case 'empty':
      return ['empty'];
    default:
      return [v.type, v.value];
  }
}

function attrs(list: readonly KeyValue[], sorted: boolean): string[] {
  const out = list.map((kv) => JSON.stringify([kv.key, value(kv.value)]));
  return sorted ? out.sort() : out;
}

/** A canonical text of one record: equal texts mean equal records (up to attribute order). */
export function canonicalRecord(r: SpanRecord): string {
  const s = r.span;
  return JSON.stringify({
    traceId: bytesToHex(s.traceId),
    spanId: bytesToHex(s.spanId),
    parent: bytesToHex(s.parentSpanId),
    traceState: s.traceState,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    start: s.startTimeUnixNano.toString(),
    end: s.endTimeUnixNano.toString(),
    attributes: attrs(s.attributes, true),
    dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
    events: s.events.map((e) => [e.timeUnixNano.toString(), e.name, attrs(e.attributes, false), e.droppedAttributesCount]),
    links: s.links.map((l) => [bytesToHex(l.traceId), bytesToHex(l.spanId), l.traceState, attrs(l.attributes, false), l.droppedAttributesCount, l.flags]),
    status: [s.status.code, s.status.message],
    resource: [attrs(r.resource.attributes, true), r.resource.droppedAttributesCount, r.resourceSchemaUrl],
    scope: [r.scope.name, r.scope.version, attrs(r.scope.attributes, false), r.scope.droppedAttributesCount, r.scopeSchemaUrl],
  });
}

/** Canonical texts of a trace's records, sorted: compare two traces with toEqual. */
export function canonicalTrace(records: readonly SpanRecord[]): string[] {
  return records.map(canonicalRecord).sort();
}
