// Where each TraceQL field lives in an sb1 row group, and its value for one row, by the rules of
// FetchedSpan.value() (traceql/src/storage.ts; recordValue() in record-values.ts is the
// reference). An attribute is looked for in the order the block's own row decoder rebuilds a
// span's attribute list: dedicated column, then the generic lists by type (string, int, double,
// bool, other); a resource attribute in service_name, the dedicated resource columns, then
// resource_attrs. So the first occurrence wins, as findAttribute() does on the decoded span.
import type { KeyValue } from '@spanbase/model';
import { bytesToHex, findAttribute, isAllZero, traceIdToSearchHex } from '@spanbase/model';
import type { FieldRef, Scalar, Static } from '@spanbase/traceql';
import { FALSE, TRUE, staticFromAnyValue } from '@spanbase/traceql';
import type { DedicatedColumn } from './dedicated.ts';
import { WELL_KNOWN_DEDICATED, resolveDedicated } from './dedicated.ts';
import type { GroupData } from './fetch-group.ts';
import { CHILD_COLUMNS, bigintAt, findInListCode, jsonAt, listLength, locate, locateElement, locatedValues } from './fetch-group.ts';
import type { ColumnChunk, Values } from './fetch-pages.ts';
import { anyValueFromJson, eventsFromJson, keyValuesFromJson, linksFromJson } from './otlp-json.ts';
import type { Sb1Reader } from './reader.ts';
import type { AttrType } from './schema.ts';
import { ATTR_TYPES } from './schema.ts';

/** Reads one field of the spans of a row group. */
export interface FieldReader {
  /** Columns value() reads; load them first. */
  readonly columns: readonly string[];
  /** The field's value for the span in `row` (undefined when the span does not have it). */
  value(g: GroupData, row: number): Static | undefined;
  /**
   * When the value is the first defined one among these sources: condition tests remember
   * their outcome per dictionary entry (or page value) of each source.
   */
  readonly sources?: readonly AttrSource[];
  /** The sources that can give a value in row group `g` as loaded (see loadFields). */
  active?(g: GroupData): readonly AttrSource[];
  /** True when the value is the same for every span of a trace (condition tests remember it per trace). */
  readonly perTrace?: boolean;
}

const STATUS = ['unset', 'ok', 'error'] as const;
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

const str = (value: string): Static => ({ type: 'string', value });

/** Converts an attribute value kept as OTLP/JSON; bytes, kvlists and empty values count as absent. */
export function jsonAttr(json: unknown): Static | undefined {
  const s = staticFromAnyValue(anyValueFromJson(json));
  return s.type === 'nil' ? undefined : s;
}

function attrOf(list: readonly KeyValue[], key: string): Static | undefined {
  const v = findAttribute(list, key);
  if (v === undefined) return undefined;
  const s = staticFromAnyValue(v);
  return s.type === 'nil' ? undefined : s;
}

/** A typed value from a generic attribute list's values. */
function typedValue(t: AttrType, values: Values, i: number): Static | undefined {
  switch (t) {
    case 'str':
      return str(values.string(i));
    case 'int':
      return { type: 'int', value: values.bigint(i) };
    case 'double':
      return { type: 'float', value: values.number(i) };
    case 'bool':
      return values.bools![i] === 1 ? TRUE : FALSE;
    case 'other':
      return jsonAttr(values.json(i));
  }
}

/**
 * One place a field's value may be: a flat column, a dedicated column, one typed generic list,
 * a JSON column. find() locates the row's candidate value (see locatedValues()); convert() turns
 * it into the value, undefined when it is not there after all (a JSON list without the key, a
 * value that is not queryable).
 */
export interface AttrSource {
  /** Columns it reads. */
  readonly columns: readonly string[];
  /** When set, find() is locate() on this flat column, so callers may walk its pages instead. */
  readonly flat?: string;
  /** For a flat source: convert() gives a value for every non-null row, so later sources matter only where it is null. */
  readonly total?: boolean;
  /** For a generic list: its key column and the key looked for (the values column matters only when the key is there). */
  readonly list?: { readonly keys: string; readonly values: string; readonly key: string };
  /** Index into locatedValues() of the row's candidate value; -1 when the row has none here. */
  find(g: GroupData, row: number): number;
  /** The value at index i of `values`. */
  convert(values: Values, i: number): Static | undefined;
}

/** The value a source gives for a row. */
export function sourceValue(s: AttrSource, g: GroupData, row: number): Static | undefined {
  const i = s.find(g, row);
  return i < 0 ? undefined : s.convert(locatedValues(), i);
}

function flatSource(column: string, convert: (values: Values, i: number) => Static | undefined, total = false): AttrSource {
  return { columns: [column], flat: column, total, find: (g, row) => locate(g.chunk(column), row), convert };
}

function dedicatedSource(d: DedicatedColumn): AttrSource {
  return flatSource(d.column, d.type === 'string' ? (values, i) => str(values.string(i)) : (values, i) => ({ type: 'int', value: values.bigint(i) }), true);
}

function listSource(t: AttrType, key: string): AttrSource {
  const keys = `span_${t}_keys`;
  const vals = `span_${t}_values`;
  // The key's code in the last keys chunk seen (-2: the chunk cannot hold the key).
  let seen: ColumnChunk | undefined;
  let code = -2;
  return {
    columns: [keys, vals],
    list: { keys, values: vals, key },
    find(g, row) {
      const c = g.chunk(keys);
      if (c !== seen) {
        seen = c;
        code = c.mayHold(key) ? c.codeOf(key) : -2;
      }
      if (code === -2) return -1;
      const k = findInListCode(c, row, key, code);
      return k < 0 ? -1 : locateElement(g.chunk(vals), row, k);
    },
    convert: (values, i) => typedValue(t, values, i),
  };
}

/** A source over a JSON column of attribute lists (resources, scopes); parses each entry once. */
function jsonListSource(column: string, key: string): AttrSource {
  let memoOf: Values | undefined;
  let memo: (Static | null | undefined)[] = [];
  return {
    columns: [column],
    flat: column,
    find: (g, row) => locate(g.chunk(column), row),
    convert(values, i) {
      if (values !== memoOf) {
        memoOf = values;
        memo = new Array(values.count);
      }
      let v = memo[i];
      if (v === undefined) v = memo[i] = attrOf(keyValuesFromJson(values.json(i)), key) ?? null;
      return v ?? undefined;
    },
  };
}

/** Whether a source can give a value in the row group as loaded: its columns read, and holding something. */
function possible(s: AttrSource, g: GroupData): boolean {
  if (s.list) {
    const keys = g.chunks.get(s.list.keys);
    return keys !== undefined && keys.mayHold(s.list.key) && g.chunks.has(s.list.values);
  }
  if (!s.columns.every((c) => g.chunks.has(c))) return false;
  return !s.flat || g.chunk(s.flat).valueCount > 0;
}

/** The reader of a value that is the first one among `sources`. */
export function fromSources(sources: readonly AttrSource[], more: readonly string[] = []): FieldReader {
  const byGroup = new WeakMap<GroupData, readonly AttrSource[]>();
  const active = (g: GroupData): readonly AttrSource[] => {
    let a = byGroup.get(g);
    if (!a) byGroup.set(g, (a = sources.filter((s) => possible(s, g))));
    return a;
  };
  return {
    columns: [...new Set([...sources.flatMap((s) => s.columns), ...more])],
    sources,
    active,
    value(g, row) {
      for (const s of active(g)) {
        const i = s.find(g, row);
        if (i < 0) continue;
        const v = s.convert(locatedValues(), i);
        if (v !== undefined) return v;
      }
      return undefined;
    },
  };
}

/**
 * Loads what the readers need in a row group, in two reads at most: first the trace columns
 * and `extra`, each reader's first source and every generic list's key column; then only the
 * sources a row can still reach: a list's values when its keys hold the key, later sources
 * when the earlier ones leave rows without a value. Columns a reader's sources do not need
 * are not read: active() leaves those sources out.
 */
export async function loadFields(g: GroupData, readers: readonly FieldReader[], extra: readonly string[], load: (names: readonly string[]) => Promise<void>): Promise<void> {
  const first = new Set(extra);
  for (const r of readers) {
    if (!r.sources) {
      for (const c of r.columns) first.add(c);
      continue;
    }
    r.sources.forEach((s, i) => {
      if (s.list) first.add(s.list.keys);
      else if (i === 0) for (const c of s.columns) first.add(c);
    });
  }
  await load([...first]);
  const second = new Set<string>();
  for (const r of readers) {
    for (const s of r.sources ?? []) {
      if (s.list) {
        if (g.chunk(s.list.keys).mayHold(s.list.key)) second.add(s.list.values);
        continue;
      }
      for (const c of s.columns) if (!g.chunks.has(c)) second.add(c);
      // Rows without a value here go on to the next source; none do when a total source has no nulls.
      if (s.total && s.flat && g.chunks.has(s.flat) && g.chunk(s.flat).nullCount === 0) break;
    }
  }
  if (second.size > 0) await load([...second]);
}

function eventsOf(g: GroupData, row: number) {
  const json = jsonAt(g.chunk('events'), row);
  return json === undefined || json === null ? [] : eventsFromJson(json);
}

function linksOf(g: GroupData, row: number) {
  const json = jsonAt(g.chunk('links'), row);
  return json === undefined || json === null ? [] : linksFromJson(json);
}

/** TRUE when an event (link) of the span lacks `key`; undefined when none does or there are none. */
function lacking(lists: readonly { readonly attributes: readonly KeyValue[] }[], key: string): Static | undefined {
  return lists.some((l) => attrOf(l.attributes, key) === undefined) ? TRUE : undefined;
}

/** Values of `key` over the events (links) of a span, flattened; undefined when none has it. */
function multi(lists: readonly { readonly attributes: readonly KeyValue[] }[], key: string): Static | undefined {
  const out: Scalar[] = [];
  for (const l of lists) {
    const v = attrOf(l.attributes, key);
    if (v === undefined) continue;
    if (v.type === 'array') out.push(...v.value);
    else out.push(v);
  }
  return out.length === 0 ? undefined : { type: 'array', value: out };
}

function listValues(column: string, convert: (bytes: Uint8Array, values: Values, i: number) => Scalar): FieldReader {
  return {
    columns: [column],
    value(g: GroupData, row: number): Static | undefined {
      const c = g.chunk(column);
      const n = listLength(c, row);
      if (n === 0) return undefined;
      const out: Scalar[] = [];
      for (let k = 0; k < n; k++) {
        const i = locateElement(c, row, k);
        const values = locatedValues();
        out.push(convert(values.buf ? values.bytes(i) : new Uint8Array(0), values, i));
      }
      return { type: 'array', value: out };
    },
  };
}

/** A flat column whose value is a function of the stored value alone. */
const single = (column: string, convert: (values: Values, i: number) => Static | undefined): FieldReader => fromSources([flatSource(column, convert)]);
/** A field computed from the row, not memoizable per stored value. */
const computed = (columns: readonly string[], value: (g: GroupData, row: number) => Static | undefined, perTrace = false): FieldReader => ({ columns, value, perTrace });

const int = (value: number): Static => ({ type: 'int', value: BigInt(value) });

/** Value types of the generic span lists a comparison with an operand of this type can match. */
export function listTypesFor(operand: Static['type'] | undefined): readonly AttrType[] {
  switch (operand) {
    case 'string':
      return ['str', 'other'];
    case 'int':
    case 'float':
    case 'duration':
      return ['int', 'double', 'other'];
    case 'status':
      return ['int', 'other'];
    case 'bool':
      return ['bool', 'other'];
    case 'kind':
      return [];
    default:
      return ATTR_TYPES;
  }
}

/** The sb1 layout of one block: dedicated columns by scope and key. */
export class BlockFields {
  /** Span attributes with a dedicated column. */
  readonly spanDedicated = new Map<string, DedicatedColumn>();
  /** Resource attributes with a dedicated column (service.name included). */
  readonly resourceDedicated = new Map<string, DedicatedColumn>();
  private readonly spanDedicatedSources: [string, AttrSource][];
  private readonly resourceDedicatedSources: [string, AttrSource][];

  constructor(reader: Sb1Reader) {
    const all = [...WELL_KNOWN_DEDICATED, ...resolveDedicated(reader.meta.dedicatedColumns)];
    this.resourceDedicated.set('service.name', { scope: 'resource', key: 'service.name', type: 'string', column: 'service_name' });
    for (const d of all) (d.scope === 'span' ? this.spanDedicated : this.resourceDedicated).set(d.key, d);
    this.spanDedicatedSources = [...this.spanDedicated.values()].map((d) => [d.key, dedicatedSource(d)]);
    this.resourceDedicatedSources = [...this.resourceDedicated.values()].map((d) => [d.key, dedicatedSource(d)]);
  }

  /**
   * Where a span attribute may be, in lookup order. `types` narrows the generic lists (and the
   * dedicated column) to the value types a condition can match.
   */
  spanSources(key: string, types: readonly AttrType[] = ATTR_TYPES): AttrSource[] {
    const out: AttrSource[] = [];
    const d = this.spanDedicated.get(key);
    if (d && types.includes(d.type === 'string' ? 'str' : 'int')) out.push(dedicatedSource(d));
    for (const t of types) out.push(listSource(t, key));
    return out;
  }

  /** Where a resource attribute may be, in lookup order. */
  resourceSources(key: string): AttrSource[] {
    const out: AttrSource[] = [];
    const d = this.resourceDedicated.get(key);
    if (d) out.push(dedicatedSource(d));
    out.push(jsonListSource('resource_attrs', key));
    return out;
  }

  /**
   * The reader of a field. `types` narrows where span attributes are looked for, for condition
   * tests; the values read are then exact only for spans whose key is of those types (and for
   * unscoped attributes, only spans that have the key in the span at all).
   */
  reader(f: FieldRef, types: readonly AttrType[] = ATTR_TYPES): FieldReader {
    if (f.kind === 'missing') {
      const key = f.name;
      return f.scope === 'event' ? computed(['events'], (g, row) => lacking(eventsOf(g, row), key)) : computed(['links'], (g, row) => lacking(linksOf(g, row), key));
    }
    if (f.kind === 'attribute') {
      const key = f.name;
      switch (f.scope) {
        case 'span':
          return fromSources(this.spanSources(key, types));
        case 'resource':
          return fromSources(this.resourceSources(key));
        case 'none':
          return fromSources([...this.spanSources(key, types), ...this.resourceSources(key)]);
        case 'instrumentation':
          return fromSources([jsonListSource('scope_attrs', key)]);
        case 'event':
          return computed(['events'], (g, row) => multi(eventsOf(g, row), key));
        case 'link':
          return computed(['links'], (g, row) => multi(linksOf(g, row), key));
        default: {
          const never: never = f;
          return never;
        }
      }
    }
    switch (f.name) {
      case 'name':
        return single('name', (v, i) => str(v.string(i)));
      case 'status':
        return single('status_code', (v, i) => ({ type: 'status', value: STATUS[v.number(i)] ?? 'unset' }));
      case 'statusMessage':
        return single('status_message', (v, i) => str(v.string(i)));
      case 'kind':
        return single('kind', (v, i) => ({ type: 'kind', value: KINDS[v.number(i)] ?? 'unspecified' }));
      case 'duration':
        return single('duration_nano', (v, i) => ({ type: 'duration', value: v.bigint(i) }));
      case 'span:childCount':
        // Children are counted within the span's trace, so the trace bounds' columns are read too.
        return computed([...CHILD_COLUMNS, 'trace_start_unix_nano', 'trace_id'], (g, row) => int(g.childCount(row)));
      case 'span:traceState':
        return single('trace_state', (v, i) => str(v.string(i)));
      case 'span:id':
        return single('span_id', (v, i) => str(bytesToHex(v.bytes(i))));
      case 'span:parentID':
        return single('parent_span_id', (v, i) => {
          const p = v.bytes(i);
          return p.length === 0 || isAllZero(p) ? undefined : str(bytesToHex(p));
        });
      case 'nestedSetLeft':
        return single('nested_left', (v, i) => int(v.number(i)));
      case 'nestedSetRight':
        return single('nested_right', (v, i) => int(v.number(i)));
      case 'nestedSetParent':
        return single('nested_parent', (v, i) => int(v.number(i)));
      case 'traceDuration':
        return computed([], (g, row) => ({ type: 'duration', value: g.traceEnd(g.traceOf(row)) - g.traceStart(g.traceOf(row)) }), true);
      case 'rootName':
        return computed([], (g, row) => optStr(g.rootName(g.traceOf(row))), true);
      case 'rootServiceName':
        return computed([], (g, row) => optStr(g.rootService(g.traceOf(row))), true);
      case 'trace:id':
        return computed([], (g, row) => str(traceIdToSearchHex(g.traceId(g.traceOf(row)))), true);
      case 'event:name':
        return listValues('event_names', (_b, values, i) => ({ type: 'string', value: values.string(i) }));
      case 'event:timeSinceStart':
        return computed(['events', 'start_unix_nano'], (g, row) => {
          const events = eventsOf(g, row);
          if (events.length === 0) return undefined;
          const start = BigInt.asUintN(64, bigintAt(g.chunk('start_unix_nano'), row));
          return { type: 'array', value: events.map((e) => ({ type: 'duration', value: e.timeUnixNano - start })) };
        });
      case 'link:traceID':
        return listValues('link_trace_ids', (b) => ({ type: 'string', value: traceIdToSearchHex(b) }));
      case 'link:spanID':
        return listValues('link_span_ids', (b) => ({ type: 'string', value: bytesToHex(b) }));
      case 'instrumentation:name':
        return single('scope_name', (v, i) => optStr(v.string(i) || undefined));
      case 'instrumentation:version':
        return single('scope_version', (v, i) => optStr(v.string(i) || undefined));
      case 'parent':
        return computed([], () => undefined);
    }
  }

  /**
   * Every span and resource attribute of a span (first occurrence of each key), for
   * FetchedSpan.attributes(). Needs allAttributeColumns().
   */
  attributes(g: GroupData, row: number): (readonly [FieldRef, Static])[] {
    const out: (readonly [FieldRef, Static])[] = [];
    const seen = new Set<string>();
    const add = (scope: 'span' | 'resource', key: string, v: Static | undefined) => {
      if (seen.has(key)) return;
      seen.add(key);
      if (v !== undefined) out.push([{ kind: 'attribute', scope, name: key }, v]);
    };
    for (const [key, source] of this.spanDedicatedSources) {
      const v = sourceValue(source, g, row);
      if (v !== undefined) add('span', key, v);
    }
    for (const t of ATTR_TYPES) {
      const keys = g.chunk(`span_${t}_keys`);
      const vals = g.chunk(`span_${t}_values`);
      const n = listLength(keys, row);
      for (let k = 0; k < n; k++) {
        const ki = locateElement(keys, row, k);
        const key = locatedValues().string(ki);
        if (seen.has(key)) continue;
        const i = locateElement(vals, row, k);
        add('span', key, typedValue(t, locatedValues(), i));
      }
    }
    seen.clear();
    for (const [key, source] of this.resourceDedicatedSources) {
      const v = sourceValue(source, g, row);
      if (v !== undefined) add('resource', key, v);
    }
    for (const kv of keyValuesFromJson(jsonAt(g.chunk('resource_attrs'), row))) {
      if (seen.has(kv.key)) continue;
      const s = staticFromAnyValue(kv.value);
      add('resource', kv.key, s.type === 'nil' ? undefined : s);
    }
    return out;
  }

  /** Columns attributes() reads. */
  allAttributeColumns(): string[] {
    return [...[...this.spanDedicated.values(), ...this.resourceDedicated.values()].map((d) => d.column), ...ATTR_TYPES.flatMap((t) => [`span_${t}_keys`, `span_${t}_values`]), 'resource_attrs'];
  }
}

function optStr(s: string | undefined): Static | undefined {
  return s === undefined ? undefined : str(s);
}
