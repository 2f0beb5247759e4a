// Dictionary checks: before a row group's rows are decoded, a condition `field = "text"` is ruled
// out when no dictionary entry of any column the field can be read from holds the text. Every
// value of an all-dictionary chunk is one of its entries, so a text absent from every entry is in
// no row; the check compares bytes (no entry becomes a string) and costs one pass over the
// dictionaries the fetch has loaded anyway. This is what makes a false positive of the needle
// filters cheap: the row group's chunks are read, but not decoded row by row.
import type { Condition } from '@spanbase/traceql';
import type { FieldReader } from './fetch-fields.ts';
import type { GroupData } from './fetch-group.ts';
import type { ColumnChunk, Values } from './fetch-pages.ts';

const utf8 = new TextEncoder();

/** Whether `values` has an entry equal to `target` (or, with `within`, containing it). */
function dictionaryHas(values: Values, target: Uint8Array, within: boolean): boolean {
  const buf = values.buf;
  if (!buf) return true;
  const n = target.length;
  const first = target[0];
  for (let i = 0; i < values.count; i++) {
    const from = values.fixed > 0 ? i * values.fixed : values.starts![i];
    const to = values.fixed > 0 ? from + values.fixed : values.ends![i];
    if (!within) {
      if (to - from !== n) continue;
      let k = 0;
      while (k < n && buf[from + k] === target[k]) k++;
      if (k === n) return true;
      continue;
    }
    for (let at = from; at + n <= to; at++) {
      if (buf[at] !== first) continue;
      let k = 1;
      while (k < n && buf[at + k] === target[k]) k++;
      if (k === n) return true;
    }
  }
  return false;
}

/** Whether every page of the chunk is dictionary-encoded and the dictionary lacks the text. */
function chunkLacks(c: ColumnChunk, target: Uint8Array, within: boolean): boolean {
  if (!c.allDictionary) return false;
  const dict = c.dictionary;
  return dict !== undefined && !dictionaryHas(dict, target, within);
}

/** The bytes a dictionary check looks for, for conditions it can decide: `= "text"` (non-empty). */
export function dictionaryTarget(c: Condition): Uint8Array | undefined {
  const operand = c.operands[0];
  if (c.op !== '=' || c.operands.length !== 1 || operand?.type !== 'string' || operand.value === '') return undefined;
  return utf8.encode(operand.value);
}

/**
 * True when the loaded group's dictionaries show no row can read `target` from the field: each
 * source the group can reach is an all-dictionary chunk without it (string columns and list
 * values: an equal entry; JSON columns: an entry holding the text as a JSON string).
 */
export function dictionaryRulesOut(reader: FieldReader, g: GroupData, target: Uint8Array, quoted: Uint8Array): boolean {
  const active = reader.active?.(g);
  if (!active) return false;
  for (const s of active) {
    const column = s.list ? s.list.values : s.flat;
    const c = column === undefined ? undefined : g.chunks.get(column);
    if (!c) return false;
    const json = c.spec.kind === 'json';
    if (!chunkLacks(c, json ? quoted : target, json)) return false;
  }
  return true;
}
