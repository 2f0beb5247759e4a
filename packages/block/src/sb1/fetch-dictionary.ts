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

/** Whether entry i of `values` equals `target` (or, with `within`, contains it). */
function entryHas(values: Values, buf: Uint8Array, i: number, target: Uint8Array, within: boolean): boolean {
  const n = target.length;
  const from = values.fixed > 0 ? i * values.fixed : values.starts![i];
  const to = values.fixed > 0 ? from + values.fixed : values.ends![i];
  if (!within) {
    if (to - from !== n) return false;
    let k = 0;
    while (k < n && buf[from + k] === target[k]) k++;
    return k === n;
  }
  const first = target[0];
  for (let at = from; at + n <= to; at++) {
    if (buf[at] !== first) continue;
    let k = 1;
    while (k < n && buf[at + k] === target[k]) k++;
    if (k === n) return true;
  }
  return false;
}

/** Whether `values` has an entry equal to `target` (or, with `within`, containing it). */
function dictionaryHas(values: Values, target: Uint8Array, within: boolean): boolean {
  const buf = values.buf;
  if (!buf) return true;
  for (let i = 0; i < values.count; i++) if (entryHas(values, buf, i, target, within)) return true;
  return false;
}

/** Entries of a dictionary that hold a text, by dictionary (see targetRows); null: none does. */
export type TargetEntries = WeakMap<Values, Uint8Array | null>;

/** 1 for each entry of `dict` equal to `target` (or, with `within`, containing it); null when none is. */
function entriesWith(dict: Values, buf: Uint8Array, target: Uint8Array, within: boolean): Uint8Array | null {
  let wanted: Uint8Array | null = null;
  for (let i = 0; i < dict.count; i++) {
    if (!entryHas(dict, buf, i, target, within)) continue;
    wanted ??= new Uint8Array(dict.count);
    wanted[i] = 1;
  }
  return wanted;
}

/**
 * For `field = "text"`: marks (1) the rows of [from, to) where some source the field can be read
 * from holds an entry equal to the text (JSON columns: holding it as a JSON string); mark k is
 * row from + k. Only those rows can satisfy the condition, so only they need the row-by-row
 * test; the others are settled by one pass over dictionary codes, with no key looked up and no
 * key page decoded. Each dictionary is searched once (`entries` keeps what it holds), however
 * many ranges of its row group are asked for. A source that is not all-dictionary keeps every
 * row holding a value in it a candidate. Undefined when a source's column is not loaded.
 */
export function targetRows(reader: FieldReader, g: GroupData, target: Uint8Array, quoted: Uint8Array, from: number, to: number, entries: TargetEntries): Uint8Array | undefined {
  const active = reader.active?.(g);
  if (!active) return undefined;
  const marks = new Uint8Array(Math.max(0, to - from));
  for (const s of active) {
    const column = s.list ? s.list.values : s.flat;
    const c = column === undefined ? undefined : g.chunks.get(column);
    if (!c) return undefined;
    // A chunk that is not all-dictionary cannot say which rows hold the text: every row holding
    // a value there stays a candidate.
    const dict = c.allDictionary ? c.dictionary : undefined;
    let wanted: Uint8Array | null | undefined;
    if (dict?.buf) {
      wanted = entries.get(dict);
      if (wanted === undefined) {
        const json = c.spec.kind === 'json';
        wanted = entriesWith(dict, dict.buf, json ? quoted : target, json);
        entries.set(dict, wanted);
      }
      if (wanted === null) continue;
    }
    for (let p = from < to ? c.pageIndexOf(from) : c.pageCount; p < c.pageCount && c.pageStart(p) < to; p++) {
      const start = c.pageStart(p);
      const lo = Math.max(from, start);
      const hi = Math.min(to, c.pageStart(p + 1));
      const page = c.page(p);
      const codes = page.codes;
      const index = page.index;
      if (s.list) {
        // index: slot range of each row of the page.
        for (let r = lo; r < hi; r++) {
          for (let k = index![r - start]; k < index![r - start + 1]; k++) {
            if (!wanted || wanted[codes![k]] === 1) {
              marks[r - from] = 1;
              break;
            }
          }
        }
      } else {
        for (let r = lo; r < hi; r++) {
          const slot = index ? index[r - start] : r - start;
          if (slot >= 0 && (!wanted || wanted[codes![slot]] === 1)) marks[r - from] = 1;
        }
      }
    }
  }
  return marks;
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
