// Merging tags summaries (one per block, one for live data) into what the tags APIs answer:
// keys per scope and values per key, most frequent first.
import { TAG_SCOPES } from '@spanbase/block';
import type { TagKey, TagScope, TagValue, TagsSummary } from '@spanbase/block';

/** A value with its merged count. */
export interface MergedValue {
  type: TagValue['type'];
  value: string;
  count: number;
}

/** Merged summaries. */
export interface MergedTags {
  /** Per scope: key → occurrences. */
  keys: Map<TagScope, Map<string, number>>;
  /** Per scope and key: value → merged value. */
  values: Map<string, Map<string, MergedValue>>;
  /** Per intrinsic: value → merged value (all strings). */
  intrinsics: Map<string, Map<string, MergedValue>>;
}

function addValue(into: Map<string, MergedValue>, v: TagValue): void {
  const k = `${v.type}:${v.value}`;
  const e = into.get(k);
  if (e) e.count += v.count;
  else into.set(k, { type: v.type, value: v.value, count: v.count });
}

/** Adds summaries together. */
export function mergeSummaries(summaries: readonly TagsSummary[]): MergedTags {
  const keys = new Map<TagScope, Map<string, number>>();
  const values = new Map<string, Map<string, MergedValue>>();
  const intrinsics = new Map<string, Map<string, MergedValue>>();
  for (const s of summaries) {
    for (const [scope, list] of Object.entries(s.scopes) as [TagScope, TagsSummary['scopes'][TagScope]][]) {
      let km = keys.get(scope);
      if (!km) keys.set(scope, (km = new Map()));
      for (const k of list) {
        km.set(k.name, (km.get(k.name) ?? 0) + k.count);
        const vk = `${scope}\u0000${k.name}`;
        let vm = values.get(vk);
        if (!vm) values.set(vk, (vm = new Map()));
        for (const v of k.values) addValue(vm, v);
      }
    }
    for (const [name, list] of Object.entries(s.intrinsics)) {
      let vm = intrinsics.get(name);
      if (!vm) intrinsics.set(name, (vm = new Map()));
      for (const v of list) addValue(vm, v);
    }
  }
  return { keys, values, intrinsics };
}

/** Keys of a scope, most frequent first. */
export function topKeys(m: MergedTags, scope: TagScope, limit: number): string[] {
  const km = m.keys.get(scope);
  if (!km) return [];
  const sorted = [...km].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  return limit > 0 ? sorted.slice(0, limit) : sorted;
}

/** Values of an attribute in the given scopes (several for unscoped names), most frequent first. */
export function topValues(m: MergedTags, scopes: readonly TagScope[], name: string, limit: number): MergedValue[] {
  const acc = new Map<string, MergedValue>();
  for (const scope of scopes) {
    for (const v of m.values.get(`${scope}\u0000${name}`)?.values() ?? []) addValue(acc, v);
  }
  return sortValues(acc, limit);
}

/** Values of an intrinsic, most frequent first. */
export function topIntrinsicValues(m: MergedTags, name: string, limit: number): MergedValue[] {
  return sortValues(m.intrinsics.get(name) ?? new Map(), limit);
}

function sortValues(acc: Map<string, MergedValue>, limit: number): MergedValue[] {
  const sorted = [...acc.values()].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  return limit > 0 ? sorted.slice(0, limit) : sorted;
}

/**
 * Several summaries as one (counts added, values kept in full, most frequent first): what a
 * querier returns for a group of blocks, which merges on like any block's summary.
 */
export function mergeIntoSummary(summaries: readonly TagsSummary[]): TagsSummary {
  const out: TagsSummary = { version: 1, scopes: {} as TagsSummary['scopes'], intrinsics: {}, droppedKeys: {} as TagsSummary['droppedKeys'] };
  for (const scope of TAG_SCOPES) {
    const keys = new Map<string, TagKey>();
    let dropped = 0;
    for (const s of summaries) {
      dropped += s.droppedKeys?.[scope] ?? 0;
      for (const k of s.scopes[scope] ?? []) {
        let e = keys.get(k.name);
        if (!e) keys.set(k.name, (e = { name: k.name, count: 0, types: {}, values: [], approximate: false }));
        e.count += k.count;
        e.approximate ||= k.approximate;
        for (const [t, n] of Object.entries(k.types)) e.types[t] = (e.types[t] ?? 0) + n;
        e.values = sumValues([e.values, k.values]);
      }
    }
    out.scopes[scope] = [...keys.values()].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
    out.droppedKeys[scope] = dropped;
  }
  const names = new Set(summaries.flatMap((s) => Object.keys(s.intrinsics)));
  for (const name of names) out.intrinsics[name] = sumValues(summaries.map((s) => s.intrinsics[name] ?? []));
  return out;
}

function sumValues(lists: readonly (readonly TagValue[])[]): TagValue[] {
  const acc = new Map<string, MergedValue>();
  for (const list of lists) for (const v of list) addValue(acc, v);
  return sortValues(acc, 0).map((v) => ({ type: v.type, value: v.value, count: v.count }));
}
