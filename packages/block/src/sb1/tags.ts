// The `tags` object: attribute keys per scope with their most frequent values, plus intrinsic
// values, for autocomplete without scanning data. Bounded: at most `maxKeysPerScope` keys per
// scope and `topValues` values per key, values longer than `maxValueLength` are not kept, and
// counting uses bounded maps (approximate once a key has more distinct values than it keeps).
// Stored as zstd-compressed JSON; see docs/design/2026-11 Block format sb1.md ("Tags").
import type { AnyValue, KeyValue, Resource, Scope, SpanRecord } from '@spanbase/model';
import { isRoot } from './trace-shape.ts';

/** Scopes a key can come from, named as Tempo's search-tags API names them. */
export const TAG_SCOPES = ['resource', 'span', 'event', 'link', 'instrumentation'] as const;
/** One of {@link TAG_SCOPES}. */
export type TagScope = (typeof TAG_SCOPES)[number];

/** A kept value with its count. */
export interface TagValue {
  /** OTLP value type (`string`, `int`, `double`, `bool`). */
  type: 'string' | 'int' | 'double' | 'bool';
  /** The value as text: ints in decimal (exact), doubles as JavaScript prints them. */
  value: string;
  /** Occurrences (spans, events or links carrying it); a lower bound when `approximate`. */
  count: number;
}

/** One attribute key of a scope. */
export interface TagKey {
  /** Attribute name. */
  name: string;
  /** Occurrences of the key. */
  count: number;
  /** Occurrences per value type (`string`, `int`, `double`, `bool`, `bytes`, `array`, `kvlist`, `empty`). */
  types: Record<string, number>;
  /** Most frequent values, most frequent first. */
  values: TagValue[];
  /** True when values were dropped or counts are estimates. */
  approximate: boolean;
}

/** The whole tags object. */
export interface TagsSummary {
  /** Layout version of this JSON (1). */
  version: 1;
  /** Keys per scope, most frequent first. */
  scopes: Record<TagScope, TagKey[]>;
  /** Intrinsic values: `name`, `status`, `kind`, `statusMessage`, `rootName`, `rootServiceName`, `event:name`, `instrumentation:name`, `instrumentation:version`. */
  intrinsics: Record<string, TagValue[]>;
  /** Keys not recorded per scope because the scope already had `maxKeysPerScope` keys. */
  droppedKeys: Record<TagScope, number>;
}

/** Bounds of a tags summary. */
export interface TagsOptions {
  /** Values kept per key (default 50). */
  topValues?: number;
  /** Keys kept per scope (default 500). */
  maxKeysPerScope?: number;
  /** Longer string values are counted by type but not kept (default 200). */
  maxValueLength?: number;
}

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_NAMES = ['unset', 'ok', 'error'];

/**
 * Top-k counter with bounded memory: prunes to the most frequent `keep` when it doubles. A key
 * pruned many times has more distinct values than autocomplete can use (ids, timestamps); from
 * then on only every 16th value is counted, which keeps its cost off the write path.
 */
class TopCounter {
  private readonly counts = new Map<string, number>();
  private readonly keep: number;
  private prunes = 0;
  private skip = 0;
  pruned = false;

  constructor(keep: number) {
    this.keep = keep;
  }

  /** Whether the next value is to be counted: false for 15 of 16 once the key proved high-cardinality. */
  take(): boolean {
    return this.prunes < 8 || (this.skip++ & 15) === 0;
  }

  /** Counts `key` `n` times, unless it is one of the values skipped (see {@link take}). */
  add(key: string, n = 1): void {
    if (this.take()) this.count(key, n);
  }

  /** Counts `key` `n` times. */
  count(key: string, n: number): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
    if (this.counts.size > 2 * this.keep) {
      const top = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, this.keep);
      this.counts.clear();
      for (const [k, c] of top) this.counts.set(k, c);
      this.pruned = true;
      this.prunes++;
    }
  }

  top(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }

  get size(): number {
    return this.counts.size;
  }
}

interface KeyStats {
  count: number;
  types: Record<string, number>;
  values: TopCounter;
}

function valueKey(v: AnyValue, maxLen: number): string | undefined {
  switch (v.type) {
    case 'string':
      return v.value.length <= maxLen ? 's' + v.value : undefined;
    case 'int':
      return 'i' + v.value.toString();
    case 'double':
      return 'd' + String(v.value);
    case 'bool':
      return 'b' + String(v.value);
    default:
      return undefined;
  }
}

const TYPE_OF: Record<string, TagValue['type']> = { s: 'string', i: 'int', d: 'double', b: 'bool' };
const TYPE_PREFIX: Record<TagValue['type'], string> = { string: 's', int: 'i', double: 'd', bool: 'b' };

/** Checks the shape of a parsed tags summary (throws on anything else). */
export function checkTagsSummary(v: unknown): TagsSummary {
  const s = v as TagsSummary;
  if (typeof s !== 'object' || s === null || s.version !== 1 || typeof s.scopes !== 'object' || typeof s.intrinsics !== 'object') throw new Error('unexpected shape');
  return s;
}

/** Intrinsic text of a span kind number. */
export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? String(kind);
}

/** Intrinsic text of a status code. */
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? String(code);
}

/** Accumulates a block's tags summary as traces are written. */
export class TagsBuilder {
  private readonly topValues: number;
  private readonly maxKeys: number;
  private readonly maxLen: number;
  private readonly scopes = new Map<TagScope, Map<string, KeyStats>>(TAG_SCOPES.map((s) => [s, new Map()]));
  private readonly dropped: Record<TagScope, number> = { resource: 0, span: 0, event: 0, link: 0, instrumentation: 0 };
  private readonly intrinsics = new Map<string, TopCounter>();

  constructor(opts: TagsOptions = {}) {
    this.topValues = opts.topValues ?? 50;
    this.maxKeys = opts.maxKeysPerScope ?? 500;
    this.maxLen = opts.maxValueLength ?? 200;
  }

  private keyStats(scope: TagScope, key: string, weight: number): KeyStats | undefined {
    const keys = this.scopes.get(scope)!;
    let st = keys.get(key);
    if (!st) {
      if (keys.size >= this.maxKeys) {
        this.dropped[scope] += weight;
        return undefined;
      }
      st = { count: 0, types: {}, values: new TopCounter(Math.max(64, 4 * this.topValues)) };
      keys.set(key, st);
    }
    return st;
  }

  /** Counts attributes of `scope`, each `weight` times (resources and scopes: their span counts). */
  addAttrs(scope: TagScope, attrs: readonly KeyValue[], weight: number): void {
    for (const { key, value } of attrs) {
      const st = this.keyStats(scope, key, weight);
      if (!st) continue;
      st.count += weight;
      st.types[value.type] = (st.types[value.type] ?? 0) + weight;
      const vk = valueKey(value, this.maxLen);
      if (vk !== undefined) st.values.add(vk, weight);
    }
  }

  /**
   * Counts `count` occurrences of `key` with values of one type, already tallied: `values` maps
   * each value to its occurrences, and `text` gives a value's text (ints in decimal, doubles as
   * `String` prints them), asked only for the values that are counted.
   */
  addCounted<K>(scope: TagScope, key: string, type: TagValue['type'], count: number, values: ReadonlyMap<K, number>, text: (value: K) => string): void {
    const st = this.keyStats(scope, key, count);
    if (!st) return;
    st.count += count;
    st.types[type] = (st.types[type] ?? 0) + count;
    const prefix = TYPE_PREFIX[type];
    for (const [k, n] of values) {
      if (!st.values.take()) continue;
      const t = text(k);
      if (type !== 'string' || t.length <= this.maxLen) st.values.count(prefix + t, n);
    }
  }

  /** Counts an intrinsic value (`name`, `status`, ...) `weight` times. */
  intrinsic(name: string, value: string, weight = 1): void {
    if (value.length > this.maxLen) return;
    let c = this.intrinsics.get(name);
    if (!c) this.intrinsics.set(name, (c = new TopCounter(Math.max(64, 4 * this.topValues))));
    c.add(value, weight);
  }

  /** Counts one trace. Resource and scope attributes are weighted by their span counts. */
  addTrace(records: readonly SpanRecord[]): void {
    const resources = new Map<Resource, number>();
    const scopes = new Map<Scope, number>();
    let root: SpanRecord | undefined;
    for (const r of records) {
      const s = r.span;
      resources.set(r.resource, (resources.get(r.resource) ?? 0) + 1);
      scopes.set(r.scope, (scopes.get(r.scope) ?? 0) + 1);
      this.addAttrs('span', s.attributes, 1);
      for (const e of s.events) {
        this.addAttrs('event', e.attributes, 1);
        this.intrinsic('event:name', e.name);
      }
      for (const l of s.links) this.addAttrs('link', l.attributes, 1);
      this.intrinsic('name', s.name);
      this.intrinsic('kind', kindName(s.kind));
      this.intrinsic('status', statusName(s.status.code));
      if (s.status.message) this.intrinsic('statusMessage', s.status.message);
      if (!root && isRoot(s.parentSpanId)) root = r;
    }
    for (const [res, n] of resources) this.addAttrs('resource', res.attributes, n);
    for (const [sc, n] of scopes) {
      this.addAttrs('instrumentation', sc.attributes, n);
      if (sc.name) this.intrinsic('instrumentation:name', sc.name, n);
      if (sc.version) this.intrinsic('instrumentation:version', sc.version, n);
    }
    if (root) {
      this.intrinsic('rootName', root.span.name);
      const svc = root.resource.attributes.find((a) => a.key === 'service.name');
      if (svc?.value.type === 'string') this.intrinsic('rootServiceName', svc.value.value);
    }
  }

  /** The summary so far. */
  summary(): TagsSummary {
    const toValues = (c: TopCounter, typed: boolean): TagValue[] =>
      c.top(this.topValues).map(([k, count]) => (typed ? { type: TYPE_OF[k[0]], value: k.slice(1), count } : { type: 'string', value: k, count }));
    const scopes = {} as Record<TagScope, TagKey[]>;
    for (const [scope, keys] of this.scopes) {
      scopes[scope] = [...keys]
        .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
        .map(([name, st]) => ({ name, count: st.count, types: st.types, values: toValues(st.values, true), approximate: st.values.pruned || st.values.size > this.topValues }));
    }
    const intrinsics: Record<string, TagValue[]> = {};
    for (const [name, c] of [...this.intrinsics].sort((a, b) => (a[0] < b[0] ? -1 : 1))) intrinsics[name] = toValues(c, false);
    return { version: 1, scopes, intrinsics, droppedKeys: { ...this.dropped } };
  }
}
