// OTLP field names and wire types by field number, shared by the decoder and the scanner for
// strict wire-type checks and for the field paths in error messages.
import { malformed } from './errors.ts';
import type { ProtoReader } from './proto-reader.ts';
import { WireType } from './proto-reader.ts';

/** Field name and expected wire type, indexed by field number. */
export type Fields = readonly (readonly [string, WireType] | undefined)[];

const L = WireType.LEN;
const V = WireType.VARINT;
const I64 = WireType.I64;
const I32 = WireType.I32;

export const REQUEST_FIELDS: Fields = [undefined, ['resource_spans', L]];
export const RESOURCE_SPANS_FIELDS: Fields = [undefined, ['resource', L], ['scope_spans', L], ['schema_url', L]];
export const SCOPE_SPANS_FIELDS: Fields = [undefined, ['scope', L], ['spans', L], ['schema_url', L]];
export const RESOURCE_FIELDS: Fields = [undefined, ['attributes', L], ['dropped_attributes_count', V]];
export const SCOPE_FIELDS: Fields = [undefined, ['name', L], ['version', L], ['attributes', L], ['dropped_attributes_count', V]];
export const SPAN_FIELDS: Fields = [
  undefined, ['trace_id', L], ['span_id', L], ['trace_state', L], ['parent_span_id', L], ['name', L], ['kind', V],
  ['start_time_unix_nano', I64], ['end_time_unix_nano', I64], ['attributes', L], ['dropped_attributes_count', V],
  ['events', L], ['dropped_events_count', V], ['links', L], ['dropped_links_count', V], ['status', L], ['flags', I32],
];
export const EVENT_FIELDS: Fields = [undefined, ['time_unix_nano', I64], ['name', L], ['attributes', L], ['dropped_attributes_count', V]];
export const LINK_FIELDS: Fields = [
  undefined, ['trace_id', L], ['span_id', L], ['trace_state', L], ['attributes', L], ['dropped_attributes_count', V], ['flags', I32],
];
export const STATUS_FIELDS: Fields = [undefined, undefined, ['message', L], ['code', V]];
export const KEY_VALUE_FIELDS: Fields = [undefined, ['key', L], ['value', L]];
export const ANY_VALUE_FIELDS: Fields = [
  undefined, ['string_value', L], ['bool_value', V], ['int_value', V], ['double_value', I64], ['array_value', L], ['kvlist_value', L], ['bytes_value', L],
];
/** ArrayValue and KeyValueList: both hold `values` in field 1. */
export const VALUES_FIELDS: Fields = [undefined, ['values', L]];

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'wire type 6', 'wire type 7'];

/** Skips an unknown field, or throws when a known field arrived with the wrong wire type (as strict decoders do). */
export function checkOrSkip(r: ProtoReader, tag: number, fields: Fields): void {
  const f = fields[tag >>> 3];
  if (f !== undefined && (tag & 7) < 6) malformed(`${f[0]}: expected ${WIRE_NAMES[f[1]]}, got ${WIRE_NAMES[tag & 7]}`);
  r.skip(tag);
}

/** A path segment for an error inside field `field` (with its index for repeated fields); '' for none. */
export function fieldPath(fields: Fields, field: number, index: number): string {
  if (field === 0) return '';
  const name = fields[field]?.[0] ?? `field ${field}`;
  return index >= 0 ? `${name}[${index}]` : name;
}
