// Feeds the attribute value index (value-index.ts) from a finished row group: resources and
// scopes once per distinct content, dedicated span columns once per dictionary entry, the generic
// string lists once per distinct (key, value) pair of codes, and the string elements of array
// values from the `other` lists once per distinct pair. Events and links are fed as their spans
// are added (row-builder.ts), since their attributes exist only inside the JSON cells.
import type { AnyValue, KeyValue } from '@spanbase/model';
import type { DictValues } from './column-values.ts';
import type { RowGroupBuilder } from './row-builder.ts';
import type { ValueIndexBuilder, ValueScope } from './value-index.ts';

function indexValue(b: ValueIndexBuilder, scope: ValueScope, key: string, v: AnyValue): void {
  if (v.type === 'string') b.addString(scope, key, v.value);
  else if (v.type === 'array') for (const e of v.value) if (e.type === 'string') b.addString(scope, key, e.value);
}

/** Adds the string values (and string array elements) of `attrs`. */
export function indexAttributes(b: ValueIndexBuilder, scope: ValueScope, attrs: readonly KeyValue[]): void {
  for (const kv of attrs) indexValue(b, scope, kv.key, kv.value);
}

/** Distinct (key code, value code) pairs of a generic list pair, in first-seen order. */
function distinctPairs(keys: DictValues, values: DictValues): [number, number][] {
  const seen = new Set<number>();
  const out: [number, number][] = [];
  const kc = keys.codes.a;
  const vc = values.codes.a;
  const size = values.size;
  for (let i = 0; i < keys.count; i++) {
    const k = kc[i] * size + vc[i];
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([kc[i], vc[i]]);
  }
  return out;
}

/** String elements of an OTLP/JSON array value (what the `other` lists store). */
function arrayStrings(json: string): string[] {
  if (!json.startsWith('{"arrayValue"')) return [];
  const values = (JSON.parse(json) as { arrayValue?: { values?: { stringValue?: unknown }[] } }).arrayValue?.values ?? [];
  return values.flatMap((e) => (typeof e.stringValue === 'string' ? [e.stringValue] : []));
}

/** Adds everything a complete row group holds but events and links (added as they come). */
export function indexRowGroupValues(b: ValueIndexBuilder, rows: RowGroupBuilder): void {
  for (const r of rows.resourcesByContent.values()) if (r.spans > 0) b.addOnce('resource', r.content, () => indexAttributes(b, 'resource', r.resource.attributes));
  for (const s of rows.scopesByContent.values()) if (s.spans > 0) b.addOnce('instrumentation', s.content, () => indexAttributes(b, 'instrumentation', s.scope.attributes));
  for (const d of rows.spanDedicated) {
    if (d.values.kind !== 'dict') continue;
    const v = d.values;
    for (let c = 0; c < v.size; c++) b.addBytes('span', d.key, v.entries.buf, v.starts.a[c], v.starts.a[c + 1]);
  }
  const str = rows.typed[0];
  const strValues = str.values as DictValues;
  for (const [k, v] of distinctPairs(str.keys, strValues)) b.addBytes('span', str.keys.stringOf(k), strValues.entries.buf, strValues.starts.a[v], strValues.starts.a[v + 1]);
  const other = rows.typed[4];
  const otherValues = other.values as DictValues;
  for (const [k, v] of distinctPairs(other.keys, otherValues)) {
    const key = other.keys.stringOf(k);
    for (const s of arrayStrings(otherValues.stringOf(v))) b.addString('span', key, s);
  }
}
