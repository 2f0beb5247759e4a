// The sb1 Parquet schema: one row per span. Every column, its type and its encoding are argued
// for in docs/design/2026-11 Block format sb1.md; change them only with a new format version.
import type { Encoding, ParquetType, SchemaElement } from 'hyparquet';
import type { DedicatedColumn } from './dedicated.ts';
import { WELL_KNOWN_DEDICATED } from './dedicated.ts';

/** How a column's values are typed once decoded. */
export type ColumnValueKind = 'bytes' | 'string' | 'json' | 'int32' | 'int64' | 'double' | 'bool';

/** One top-level column of data.parquet. */
export interface ColumnSpec {
  /** Parquet column name. */
  name: string;
  /** `flat`: one value per row; `list`: a LIST of values per row. */
  shape: 'flat' | 'list';
  /** Decoded value kind. */
  kind: ColumnValueKind;
  /** Whether a value (flat) or a list element (list) may be null. */
  nullable: boolean;
  /** Forced Parquet encoding; undefined lets the writer pick (dictionary when it halves the size). */
  encoding?: Encoding;
  /** Byte length for FIXED_LEN_BYTE_ARRAY columns. */
  fixedLength?: number;
  /** Whether min/max statistics are written (only where a filter can use them to skip a row group). */
  stats: boolean;
}

/** Value types of the generic span attribute columns: `<type>_keys` and `<type>_values` each. */
export const ATTR_TYPES = ['str', 'int', 'double', 'bool', 'other'] as const;
/** One of {@link ATTR_TYPES}. */
export type AttrType = (typeof ATTR_TYPES)[number];

const flat = (name: string, kind: ColumnValueKind, nullable: boolean, encoding?: Encoding, fixedLength?: number): ColumnSpec => ({ name, shape: 'flat', kind, nullable, encoding, fixedLength, stats: STATS.has(name) });
const list = (name: string, kind: ColumnValueKind, nullable: boolean, encoding?: Encoding): ColumnSpec => ({ name, shape: 'list', kind, nullable, encoding, stats: false });

// Statistics cost footer bytes in every row group; they are written where a query filters.
const STATS = new Set(['trace_id', 'trace_root_service_name', 'trace_root_span_name', 'trace_start_unix_nano', 'trace_end_unix_nano', 'name', 'kind', 'start_unix_nano', 'duration_nano', 'status_code', 'service_name', 'scope_name']);

const DICT: Encoding = 'RLE_DICTIONARY';
const DELTA: Encoding = 'DELTA_BINARY_PACKED';

/** Columns before the dedicated ones, in file order. */
const LEADING: ColumnSpec[] = [
  flat('trace_id', 'bytes', false, DICT, 16),
  flat('trace_root_service_name', 'string', false, DICT),
  flat('trace_root_span_name', 'string', false, DICT),
  flat('trace_start_unix_nano', 'int64', false, DICT),
  flat('trace_end_unix_nano', 'int64', false, DICT),
  flat('span_id', 'bytes', false, 'PLAIN', 8),
  flat('parent_span_id', 'bytes', false),
  flat('name', 'string', false),
  flat('kind', 'int32', false),
  flat('start_unix_nano', 'int64', false, 'PLAIN'),
  flat('duration_nano', 'int64', false, DELTA),
  flat('status_code', 'int32', false),
  flat('status_message', 'string', false),
  flat('trace_state', 'string', false),
  flat('flags', 'int64', false),
  flat('dropped_attributes_count', 'int64', false),
  flat('dropped_events_count', 'int64', false),
  flat('dropped_links_count', 'int64', false),
  flat('nested_left', 'int32', false, 'PLAIN'),
  flat('nested_right', 'int32', false),
  flat('nested_parent', 'int32', false, 'PLAIN'),
  flat('service_name', 'string', true),
  flat('resource_schema_url', 'string', false),
  flat('resource_dropped_attributes_count', 'int64', false),
  flat('scope_name', 'string', false),
  flat('scope_version', 'string', false),
  flat('scope_schema_url', 'string', false),
  flat('scope_dropped_attributes_count', 'int64', false),
];

const VALUE_KIND: Record<AttrType, ColumnValueKind> = { str: 'string', int: 'int64', double: 'double', bool: 'bool', other: 'json' };

/** Columns after the dedicated ones, in file order. */
const TRAILING: ColumnSpec[] = [
  ...ATTR_TYPES.flatMap((t) => [list(`span_${t}_keys`, 'string', false), list(`span_${t}_values`, VALUE_KIND[t], false, undefined)]),
  flat('resource_attrs', 'json', false, DICT),
  flat('scope_attrs', 'json', false, DICT),
  flat('events', 'json', true),
  list('event_names', 'string', false),
  flat('links', 'json', true),
  list('link_trace_ids', 'bytes', false),
  list('link_span_ids', 'bytes', false),
];

/** The full column list of a block with the given extra dedicated columns. */
export function sb1Columns(extra: readonly DedicatedColumn[]): ColumnSpec[] {
  const dedicated = [...WELL_KNOWN_DEDICATED, ...extra].map((d): ColumnSpec => ({ ...flat(d.column, d.type === 'int' ? 'int64' : 'string', true), stats: true }));
  return [...LEADING, ...dedicated, ...TRAILING];
}

const PHYSICAL: Record<ColumnValueKind, ParquetType> = {
  bytes: 'BYTE_ARRAY',
  string: 'BYTE_ARRAY',
  json: 'BYTE_ARRAY',
  int32: 'INT32',
  int64: 'INT64',
  double: 'DOUBLE',
  bool: 'BOOLEAN',
};

function leaf(spec: ColumnSpec, name: string, repetition: 'REQUIRED' | 'OPTIONAL'): SchemaElement {
  const el: SchemaElement = { name, type: spec.fixedLength ? 'FIXED_LEN_BYTE_ARRAY' : PHYSICAL[spec.kind], repetition_type: repetition };
  if (spec.fixedLength) el.type_length = spec.fixedLength;
  if (spec.kind === 'string') el.converted_type = 'UTF8';
  if (spec.kind === 'json') el.converted_type = 'JSON';
  return el;
}

/** Parquet schema elements (depth-first, root first) for the columns. */
export function schemaElements(columns: readonly ColumnSpec[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'span', num_children: columns.length }];
  for (const c of columns) {
    const rep = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    if (c.shape === 'flat') {
      out.push(leaf(c, c.name, rep));
    } else {
      out.push({ name: c.name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      out.push(leaf(c, 'element', rep));
    }
  }
  return out;
}

/** Columns whose non-attribute names this set lists get no Parquet bloom filter although they are strings. */
const NO_BLOOM = new Set(['resource_schema_url']);

/**
 * Whether a column gets Parquet bloom filters: the flat string columns where a needle search
 * names one value among many (span name, service, status message, the dedicated attributes).
 * Root names and services, scopes and schema URLs are few per row group; statistics and
 * dictionaries serve them.
 */
export function hasColumnBloom(spec: ColumnSpec): boolean {
  if (spec.shape !== 'flat' || spec.kind !== 'string' || NO_BLOOM.has(spec.name)) return false;
  return spec.name === 'name' || spec.name === 'service_name' || spec.name === 'status_message' || /^(span|resource)_/.test(spec.name);
}
