// Feeds the tags summary from a finished row group's column values instead of from span objects:
// attribute keys and values are tallied by dictionary code (an integer map per key), intrinsics by
// code counts, resources and scopes once per object weighted by their spans. The per-span cost
// is a few typed-array reads; map lookups by string happen once per distinct value per row group.
// Events, links and attributes of unusual types are rare and counted as they come.
import type { AnyValue, KeyValue } from '@spanbase/model';
import type { AnyValues, DictValues, I32Values, I64Values } from './column-values.ts';
import type { RowGroupBuilder } from './row-builder.ts';
import type { TagsBuilder } from './tags.ts';
import { kindName, statusName } from './tags.ts';

const TWO32 = 4294967296;

/** Occurrences per dictionary code of `v`'s values [0, count). */
function codeCounts(v: DictValues): Int32Array {
  const counts = new Int32Array(v.size);
  const codes = v.codes.a;
  for (let i = 0; i < v.count; i++) counts[codes[i]]++;
  return counts;
}

/** A map key for INT64 value i: the number when exact, else hi:lo. */
function i64Key(h: Int32Array, i: number): number | string {
  const hi = h[2 * i + 1];
  return hi < 1 << 20 && hi >= -(1 << 20) ? hi * TWO32 + (h[2 * i] >>> 0) : `${hi}:${h[2 * i]}`;
}

/** Decimal text of an {@link i64Key}. */
function i64Text(k: number | string): string {
  if (typeof k === 'number') return String(k);
  const [hi, lo] = k.split(':').map(Number);
  return ((BigInt(hi) << 32n) + BigInt(lo >>> 0)).toString();
}

/** Occurrences by value. */
class Tally<K> {
  readonly counts = new Map<K, number>();
  total = 0;

  add(k: K): void {
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    this.total++;
  }
}

/** The tags side of a row group builder. */
export class RowGroupTags {
  private readonly tags: TagsBuilder;
  private readonly rows: RowGroupBuilder;

  constructor(tags: TagsBuilder, rows: RowGroupBuilder) {
    this.tags = tags;
    this.rows = rows;
  }

  /** Counts a trace's root span name and root service (undefined: no root / no string service.name). */
  addRoot(name: string | undefined, service: string | undefined): void {
    if (name !== undefined) this.tags.intrinsic('rootName', name);
    if (service !== undefined) this.tags.intrinsic('rootServiceName', service);
  }

  /** Counts one event's attributes. */
  addEvent(attrs: readonly KeyValue[]): void {
    if (attrs.length) this.tags.addAttrs('event', attrs, 1);
  }

  /** Counts one link's attributes. */
  addLink(attrs: readonly KeyValue[]): void {
    if (attrs.length) this.tags.addAttrs('link', attrs, 1);
  }

  /** Counts a span attribute stored in the `other` lists (bytes, arrays, kvlists, empty, oversized ints). */
  addOther(key: string, value: AnyValue): void {
    this.tags.addAttrs('span', [{ key, value }], 1);
  }

  /** Counts everything the row group holds but events, links and `other` attributes. */
  addRowGroup(): void {
    const t = this.tags;
    const rows = this.rows;
    // Resources (and scopes) of equal content share a split: counted once per row group.
    for (const r of rows.resourcesByContent.values()) if (r.spans > 0) t.addAttrs('resource', r.resource.attributes, r.spans);
    for (const s of rows.scopesByContent.values()) {
      if (s.spans === 0) continue;
      t.addAttrs('instrumentation', s.scope.attributes, s.spans);
      if (s.scope.name) t.intrinsic('instrumentation:name', s.scope.name, s.spans);
      if (s.scope.version) t.intrinsic('instrumentation:version', s.scope.version, s.spans);
    }
    this.dictIntrinsic('name', rows.values('name'), false);
    this.dictIntrinsic('statusMessage', rows.values('status_message'), true);
    this.dictIntrinsic('event:name', rows.values('event_names'), false);
    this.numberIntrinsic('kind', rows.values('kind'), kindName);
    this.numberIntrinsic('status', rows.values('status_code'), statusName);
    for (const d of rows.spanDedicated) this.dedicated(d.key, d.values);
    const [str, int, dbl, bool] = rows.typed;
    this.pairs(str.keys, str.values, 'string');
    this.pairs(int.keys, int.values, 'int');
    this.pairs(dbl.keys, dbl.values, 'double');
    this.pairs(bool.keys, bool.values, 'bool');
  }

  private dictIntrinsic(name: string, v: DictValues, skipEmpty: boolean): void {
    const counts = codeCounts(v);
    for (let c = 0; c < counts.length; c++) {
      const s = v.stringOf(c);
      if (counts[c] > 0 && !(skipEmpty && s === '')) this.tags.intrinsic(name, s, counts[c]);
    }
  }

  private numberIntrinsic(name: string, v: I32Values, text: (n: number) => string): void {
    const tally = new Tally<number>();
    for (let i = 0; i < v.count; i++) tally.add(v.v.a[i]);
    for (const [k, n] of tally.counts) this.tags.intrinsic(name, text(k), n);
  }

  private dedicated(key: string, v: DictValues | I64Values): void {
    if (v.count === 0) return;
    const tally = new Tally<number | string>();
    if (v.kind === 'dict') {
      const codes = v.codes.a;
      for (let i = 0; i < v.count; i++) tally.add(codes[i]);
      this.tags.addCounted('span', key, 'string', v.count, tally.counts, (c) => v.stringOf(c as number));
      return;
    }
    for (let i = 0; i < v.count; i++) tally.add(i64Key(v.h, i));
    this.tags.addCounted('span', key, 'int', v.count, tally.counts, i64Text);
  }

  /** Keys and values of one generic type, element by element (element i of keys goes with element i of values). */
  private pairs(keys: DictValues, values: AnyValues, type: 'string' | 'int' | 'double' | 'bool'): void {
    const n = keys.count;
    if (n === 0) return;
    const kc = keys.codes.a;
    const perKey: (Tally<number | string> | undefined)[] = new Array(keys.size);
    for (let i = 0; i < n; i++) {
      let k: number | string;
      switch (values.kind) {
        case 'dict': k = values.codes.a[i]; break;
        case 'i64': k = i64Key(values.h, i); break;
        case 'f64': k = values.v[i]; break;
        case 'bool': k = values.v.buf[i]; break;
        default: throw new Error(`unexpected ${values.kind} attribute values`);
      }
      (perKey[kc[i]] ??= new Tally()).add(k);
    }
    const text = (k: number | string): string => {
      switch (values.kind) {
        case 'dict': return values.stringOf(k as number);
        case 'i64': return i64Text(k);
        case 'f64': return String(k);
        default: return k === 1 ? 'true' : 'false';
      }
    };
    for (let c = 0; c < perKey.length; c++) {
      const tally = perKey[c];
      if (tally) this.tags.addCounted('span', keys.stringOf(c), type, tally.total, tally.counts, text);
    }
  }
}
