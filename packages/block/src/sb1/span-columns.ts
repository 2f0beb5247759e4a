// The column values of a row group by role: which collector each schema column gets
// (column-values.ts), and the fixed columns resolved once into a typed record.
import { IntBuffer } from './bytes.ts';
import type { AnyValues } from './column-values.ts';
import { BoolValues, DictValues, F64Values, FixedValues, I32Values, I64Values } from './column-values.ts';
import type { ColumnSpec } from './schema.ts';

/** The fixed columns by role, resolved once: a keyed lookup per value showed in profiles. */
export interface SpanColumns {
  /** `trace_id`. */
  traceId: DictValues;
  /** `trace_root_service_name`. */
  rootService: DictValues;
  /** `trace_root_span_name`. */
  rootName: DictValues;
  /** `trace_start_unix_nano`. */
  traceStart: I64Values;
  /** `trace_end_unix_nano`. */
  traceEnd: I64Values;
  /** `span_id`. */
  spanId: FixedValues;
  /** `parent_span_id`. */
  parentSpanId: DictValues;
  /** `name`. */
  name: DictValues;
  /** `kind`. */
  kind: I32Values;
  /** `start_unix_nano`. */
  start: I64Values;
  /** `duration_nano`. */
  duration: I64Values;
  /** `status_code`. */
  statusCode: I32Values;
  /** `status_message`. */
  statusMessage: DictValues;
  /** `trace_state`. */
  traceState: DictValues;
  /** `flags`. */
  flags: I64Values;
  /** `dropped_attributes_count`. */
  droppedAttributes: I64Values;
  /** `dropped_events_count`. */
  droppedEvents: I64Values;
  /** `dropped_links_count`. */
  droppedLinks: I64Values;
  /** `nested_left`. */
  nestedLeft: I32Values;
  /** `nested_right`. */
  nestedRight: I32Values;
  /** `nested_parent`. */
  nestedParent: I32Values;
  /** `resource_schema_url`. */
  resourceSchemaUrl: DictValues;
  /** `resource_dropped_attributes_count`. */
  resourceDropped: I64Values;
  /** `scope_name`. */
  scopeName: DictValues;
  /** `scope_version`. */
  scopeVersion: DictValues;
  /** `scope_schema_url`. */
  scopeSchemaUrl: DictValues;
  /** `scope_dropped_attributes_count`. */
  scopeDropped: I64Values;
  /** `resource_attrs`. */
  resourceAttrs: DictValues;
  /** `scope_attrs`. */
  scopeAttrs: DictValues;
  /** `events`. */
  events: DictValues;
  /** `event_names`. */
  eventNames: DictValues;
  /** `links`. */
  links: DictValues;
  /** `link_trace_ids`. */
  linkTraceIds: DictValues;
  /** `link_span_ids`. */
  linkSpanIds: DictValues;
}

export function spanColumns(v: Record<string, AnyValues>): SpanColumns {
  return {
    traceId: v.trace_id as DictValues,
    rootService: v.trace_root_service_name as DictValues,
    rootName: v.trace_root_span_name as DictValues,
    traceStart: v.trace_start_unix_nano as I64Values,
    traceEnd: v.trace_end_unix_nano as I64Values,
    spanId: v.span_id as FixedValues,
    parentSpanId: v.parent_span_id as DictValues,
    name: v.name as DictValues,
    kind: v.kind as I32Values,
    start: v.start_unix_nano as I64Values,
    duration: v.duration_nano as I64Values,
    statusCode: v.status_code as I32Values,
    statusMessage: v.status_message as DictValues,
    traceState: v.trace_state as DictValues,
    flags: v.flags as I64Values,
    droppedAttributes: v.dropped_attributes_count as I64Values,
    droppedEvents: v.dropped_events_count as I64Values,
    droppedLinks: v.dropped_links_count as I64Values,
    nestedLeft: v.nested_left as I32Values,
    nestedRight: v.nested_right as I32Values,
    nestedParent: v.nested_parent as I32Values,
    resourceSchemaUrl: v.resource_schema_url as DictValues,
    resourceDropped: v.resource_dropped_attributes_count as I64Values,
    scopeName: v.scope_name as DictValues,
    scopeVersion: v.scope_version as DictValues,
    scopeSchemaUrl: v.scope_schema_url as DictValues,
    scopeDropped: v.scope_dropped_attributes_count as I64Values,
    resourceAttrs: v.resource_attrs as DictValues,
    scopeAttrs: v.scope_attrs as DictValues,
    events: v.events as DictValues,
    eventNames: v.event_names as DictValues,
    links: v.links as DictValues,
    linkTraceIds: v.link_trace_ids as DictValues,
    linkSpanIds: v.link_span_ids as DictValues,
  };
}

export function valuesFor(spec: ColumnSpec): AnyValues {
  const nullable = spec.shape === 'flat' && spec.nullable;
  switch (spec.kind) {
    case 'int32': return new I32Values(nullable);
    case 'int64': return new I64Values(nullable);
    case 'double': return new F64Values(nullable);
    case 'bool': return new BoolValues(nullable);
    default: return spec.fixedLength && spec.encoding === 'PLAIN' ? new FixedValues(spec.fixedLength) : new DictValues(nullable, spec.fixedLength ?? 0);
  }
}

export function offsets(): IntBuffer {
  const o = new IntBuffer(4096);
  o.push(0);
  return o;
}
