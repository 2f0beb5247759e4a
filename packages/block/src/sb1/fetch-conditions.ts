// Conditions of a fetch request evaluated column-wise over a row group, before any span object
// exists. The outcome of a condition is remembered per dictionary entry (or page value) of each
// column the field is read from, so `resource.service.name = "x"` is decided once per distinct
// resource, and per trace for trace-level fields. Durations compare as float halves of the
// INT64 column, without a BigInt per row. Column statistics skip whole row groups where a field
// is one flat column (name, status, kind, duration) or a trace-level one (root name and service).
import type { Condition, RegexMatcher, Static } from '@spanbase/traceql';
import { compare, compileRegex, conditionHolds, regexLiteral } from '@spanbase/traceql';
import type { ColumnChunkStats } from './reader.ts';
import type { AttrSource, BlockFields, FieldReader } from './fetch-fields.ts';
import { listTypesFor } from './fetch-fields.ts';
import type { GroupData } from './fetch-group.ts';
import { locatedValues } from './fetch-group.ts';
import { HI, LO } from './fetch-pages.ts';
import type { Values } from './fetch-pages.ts';
import type { NeedleFilters, NeedleTest } from './needle-filters.ts';
import type { ColumnChunk } from './fetch-pages.ts';
import type { PageBounds } from './page-index.ts';
import { needleTestOf } from './needle-filters.ts';
import type { TargetEntries } from './fetch-dictionary.ts';
import { dictionaryRulesOut, dictionaryTarget, targetRows } from './fetch-dictionary.ts';

const TWO32 = 4294967296;
const SAFE = 2 ** 53;

// Memo states of a condition per stored value.
const UNKNOWN = 0;
const HOLDS = 1;
const FAILS = 2;
const ABSENT = 3;

/** Columns whose statistics bound a field's values, and how a stored value reads as the field. */
interface StatsColumn {
  column: string;
  /** A stored value as the field's value; undefined when it stands for no value. */
  convert(stored: unknown): Static | undefined;
  /** True for small integer codes (status, kind): every code between min and max is tried. */
  codes?: boolean;
  /** True for the stored root values, where '' stands for a value resolved from the root row. */
  rootValue?: boolean;
}

const STATUS = ['unset', 'ok', 'error'] as const;
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

function statsColumnOf(c: Condition): StatsColumn | undefined {
  if (c.field.kind !== 'intrinsic') return undefined;
  switch (c.field.name) {
    case 'name':
      return { column: 'name', convert: (v) => ({ type: 'string', value: v as string }) };
    case 'status':
      return { column: 'status_code', codes: true, convert: (v) => ({ type: 'status', value: STATUS[v as number] ?? 'unset' }) };
    case 'kind':
      return { column: 'kind', codes: true, convert: (v) => ({ type: 'kind', value: KINDS[v as number] ?? 'unspecified' }) };
    case 'duration':
      return { column: 'duration_nano', convert: (v) => ({ type: 'duration', value: v as bigint }) };
    case 'rootName':
      return { column: 'trace_root_span_name', rootValue: true, convert: (v) => ({ type: 'string', value: v as string }) };
    case 'rootServiceName':
      return { column: 'trace_root_service_name', rootValue: true, convert: (v) => ({ type: 'string', value: v as string }) };
    default:
      return undefined;
  }
}

const ORDERED = new Set(['=', '<', '<=', '>', '>=']);

/**
 * Rows still in question fewer than one in this many are looked up one by one (nextRow finds
 * them) rather than every row of their page combined: an AND's later condition after a selective
 * one (`status = error` leaves about 200 rows of 25,000 for `resource.service.name = "x"`)
 * otherwise walks whole pages, and a small column's page holds a whole row group.
 */
const SPARSE = 32;

/**
 * The first row in [from, to) whose mask byte is `test` (0 or 1; a mask holds nothing else), or
 * `to`. Four rows at a time through `words` (the mask's bytes as 32-bit words, when it starts at
 * its buffer's start): TypedArray indexOf is a call into the runtime that cost more per row found
 * than the rows it skipped.
 */
function nextRow(mask: Uint8Array, words: Uint32Array | undefined, test: number, from: number, to: number): number {
  let r = from;
  while (r < to && (r & 3) !== 0) {
    if (mask[r] === test) return r;
    r++;
  }
  if (words) {
    // A word of four rows none of which is `test`: all 0 for test 1, all 1 for test 0.
    const none = test === 1 ? 0 : 0x01010101;
    const end = to >> 2;
    let w = r >> 2;
    while (w < end && words[w] === none) w++;
    r = Math.max(r, w << 2);
  }
  for (; r < to; r++) if (mask[r] === test) return r;
  return to;
}

/** Whether byte-array entry i of `values` contains `lit`. */
function entryContains(values: Values, i: number, lit: Uint8Array): boolean {
  const buf = values.buf;
  if (!buf || values.fixed > 0) return true;
  const from = values.starts![i];
  const to = values.ends![i] - lit.length;
  const first = lit[0];
  for (let at = from; at <= to; at++) {
    if (buf[at] !== first) continue;
    let k = 1;
    while (k < lit.length && buf[at + k] === lit[k]) k++;
    if (k === lit.length) return true;
  }
  return false;
}

/** One compiled condition. */
export class CompiledCondition {
  /** The condition. */
  readonly condition: Condition;
  /** How its field is read. */
  readonly reader: FieldReader;
  /** Rough cost rank: cheap conditions run first and narrow the rows the others test. */
  readonly cost: number;
  /** What the needle filters can tell about it; undefined when they cannot rule it out. */
  readonly needle: NeedleTest | undefined;
  private readonly stats: StatsColumn | undefined;
  /** For `= "text"`: the text as UTF-8, and as a JSON string (for JSON columns). */
  private readonly target: readonly [Uint8Array, Uint8Array] | undefined;
  /** For `=~`: the compiled pattern, and the UTF-8 of a literal every match contains (empty: none). */
  private readonly regex: RegexMatcher | undefined;
  private readonly literal: Uint8Array | undefined;
  private readonly numeric: number | undefined;
  /**
   * Per source, each dictionary's (or page's) entry outcomes. Every dictionary a query meets is
   * kept, not only the last: a block's traces are taken newest first across its row groups, so
   * consecutive row blocks often belong to different groups.
   */
  private readonly memos: WeakMap<Values, Uint8Array>[] = [];
  private readonly verdicts = new WeakMap<Values, Uint8Array | null>();
  /** For `= "text"`: the entries of each dictionary that hold the text (targetRows). */
  private readonly targetEntries: TargetEntries = new WeakMap();

  constructor(fields: BlockFields, condition: Condition, exact: boolean) {
    this.condition = condition;
    const operand = condition.operands[0];
    // Narrowing the generic lists to the operand's types is exact except for unscoped
    // attributes, where any span value (of any type) hides the resource's.
    const narrow = !(exact && condition.field.kind === 'attribute' && condition.field.scope === 'none');
    this.reader = fields.reader(condition.field, narrow ? listTypesFor(operand?.type) : undefined);
    this.stats = statsColumnOf(condition);
    this.needle = needleTestOf(condition);
    if ((condition.op === '=~' || condition.op === '!~') && operand?.type === 'string') {
      this.regex = compileRegex(operand.value);
      const lit = condition.op === '=~' ? regexLiteral(operand.value) : '';
      if (lit !== '') this.literal = new TextEncoder().encode(lit);
    }
    const target = dictionaryTarget(condition);
    if (target) this.target = [target, new TextEncoder().encode(JSON.stringify((operand as { value: string }).value))];
    const f = condition.field;
    const isDuration = f.kind === 'intrinsic' && f.name === 'duration';
    if (isDuration && ORDERED.has(condition.op) && operand && (operand.type === 'int' || operand.type === 'duration' || operand.type === 'float')) {
      const x = operand.type === 'float' ? operand.value : Number(operand.value);
      if (Math.abs(x) < SAFE && (operand.type === 'float' || BigInt(x) === operand.value)) this.numeric = x;
    }
    this.cost = this.reader.perTrace ? 0 : this.reader.sources?.length === 1 ? 1 : this.reader.sources ? 2 + this.reader.sources.length : 10;
  }

  /**
   * False when the row group's statistics (when given), or the needle filters (when given), show
   * no row of group `group` can satisfy the condition.
   */
  mayMatch(stats: readonly ColumnChunkStats[] | undefined, columnIndex: (name: string) => number, rows: number, filters?: NeedleFilters, group = -1): boolean {
    if (filters && this.needle && !filters.mayHold(this.needle, group)) return false;
    return stats === undefined || this.statsMayMatch(stats, columnIndex, rows);
  }

  private statsMayMatch(stats: readonly ColumnChunkStats[], columnIndex: (name: string) => number, rows: number): boolean {
    const s = this.stats;
    return !s || this.boundsMayMatch(stats[columnIndex(s.column)], rows);
  }

  /** False when bounds of the condition's statistics column over `rows` rows (a chunk's, or a page's) show no row can satisfy it. */
  private boundsMayMatch(st: ColumnChunkStats | undefined, rows: number): boolean {
    const s = this.stats;
    const c = this.condition;
    if (!s) return true;
    if (!st || st.min === undefined || st.max === undefined) return true;
    if (st.nullCount !== undefined && Number(st.nullCount) === rows) return true;
    if (s.codes) {
      for (let code = Number(st.min); code <= Number(st.max); code++) if (conditionHolds(c, s.convert(code))) return true;
      return false;
    }
    if (!ORDERED.has(c.op) || c.operands.length !== 1) return true;
    const operand = c.operands[0];
    // '' stands for "resolve from the root row", whose value may be '' or absent: only a test
    // that '' or no value cannot pass is decided by the statistics.
    if (s.rootValue && (operand.type !== 'string' || operand.value === '' || c.op !== '=')) return true;
    const min = s.convert(st.min);
    const max = s.convert(st.max);
    if (!min || !max) return true;
    const below = (x: Static, y: Static) => conditionHolds({ field: c.field, op: '<', operands: [y] }, x);
    switch (c.op) {
      case '=':
        return !below(operand, min) && !below(max, operand);
      case '<':
        return below(min, operand);
      case '<=':
        return !below(operand, min);
      case '>':
        return below(operand, max);
      case '>=':
        return !below(max, operand);
      default:
        return true;
    }
  }

  /**
   * True when the dictionaries of the loaded group show no row can satisfy the condition: for
   * `= "text"` by comparing bytes, for other conditions on dictionary-encoded sources by deciding
   * every entry (remembered, so the rows reuse the outcomes). No page is decoded either way.
   */
  ruledOutByDictionary(g: GroupData): boolean {
    if (this.target !== undefined) return dictionaryRulesOut(this.reader, g, this.target[0], this.target[1]);
    if (this.numeric !== undefined || this.reader.perTrace || conditionHolds(this.condition, undefined)) return false;
    const sources = this.reader.active?.(g);
    if (!sources) return false;
    for (let s = 0; s < sources.length; s++) {
      const src = sources[s];
      const column = src.list ? src.list.values : src.flat;
      const c = column === undefined ? undefined : g.chunks.get(column);
      const values = c?.allDictionary ? c.dictionary : undefined;
      if (!values) return false;
      const memo = this.memo(s, values);
      // A pattern's required literal rules entries out by their bytes, without making strings.
      const lit = this.literal && !c!.spec.kind.startsWith('json') ? this.literal : undefined;
      for (let i = 0; i < values.count; i++) {
        let m = memo[i];
        if (m === UNKNOWN && lit && !entryContains(values, i, lit)) m = memo[i] = FAILS;
        if (m === UNKNOWN) {
          const v = src.convert(values, i);
          m = memo[i] = v === undefined ? ABSENT : this.test(v) ? HOLDS : FAILS;
        }
        if (m === HOLDS) return false;
      }
    }
    return true;
  }

  /**
   * True when the dictionary summaries kept from earlier reads of the group (nothing is read)
   * show no row can satisfy the condition: for `= "text"` and patterns with a required literal,
   * every source the field can be read from lacks the text in every value, or is empty, or is a
   * key list without the key. Any source without a summary (or a JSON one) decides nothing.
   */
  ruledOutBySummaries(g: GroupData): boolean {
    const text = this.literal ?? this.target?.[0];
    const sources = this.reader.sources;
    if (!text || !sources || this.reader.perTrace) return false;
    for (const s of sources) {
      if (s.list) {
        const keys = g.summary(s.list.keys);
        if (!keys) return false;
        if (!keys.mayHoldEntry(s.list.key)) continue;
        const values = g.summary(s.list.values);
        if (!values || values.mayContain(text)) return false;
        continue;
      }
      const values = s.flat !== undefined && s.columns.length === 1 ? g.summary(s.flat) : undefined;
      if (!values || values.mayContain(text)) return false;
    }
    return true;
  }

  /** True for text equality and patterns with a required literal: their dictionary checks are cheap and usually decide. */
  get checksDictionary(): boolean {
    return this.target !== undefined || this.literal !== undefined;
  }

  /** conditionHolds for a value, with the pattern compiled once. */
  private test(v: Static): boolean {
    return this.regex ? compare(this.condition.op as '=~', v, this.condition.operands[0], this.regex) : conditionHolds(this.condition, v);
  }

  /**
   * 1 where a decided dictionary entry holds and 0 where it fails, or null when an entry has no
   * value of the field's type (those rows look in the field's other sources). Kept per
   * dictionary.
   */
  private verdictsOf(dict: Values, memo: Uint8Array): Uint8Array | null {
    const had = this.verdicts.get(dict);
    if (had !== undefined) return had;
    let out: Uint8Array | null = new Uint8Array(dict.count);
    for (let i = 0; i < dict.count; i++) {
      if (memo[i] === ABSENT || memo[i] === UNKNOWN) {
        out = null;
        break;
      }
      out[i] = memo[i] === HOLDS ? 1 : 0;
    }
    this.verdicts.set(dict, out);
    return out;
  }

  private memo(source: number, values: Values): Uint8Array {
    const memos = (this.memos[source] ??= new WeakMap());
    let memo = memos.get(values);
    if (!memo) memos.set(values, (memo = new Uint8Array(values.count)));
    return memo;
  }

  /** Whether the condition holds for `row`, looking in the sources from `from` on (`active`: the group's active sources, when the caller has them). */
  holds(g: GroupData, row: number, from = 0, active?: readonly AttrSource[]): boolean {
    const sources = active ?? this.reader.active?.(g);
    if (!sources) return conditionHolds(this.condition, this.reader.value(g, row));
    for (let s = from; s < sources.length; s++) {
      const src: AttrSource = sources[s];
      const i = src.find(g, row);
      if (i < 0) continue;
      const values = locatedValues();
      const memo = this.memo(s, values);
      let m = memo[i];
      if (m === UNKNOWN) {
        const v = src.convert(values, i);
        m = memo[i] = v === undefined ? ABSENT : this.test(v) ? HOLDS : FAILS;
      }
      if (m !== ABSENT) return m === HOLDS;
    }
    return conditionHolds(this.condition, undefined);
  }

  /**
   * apply() for a field whose first source is a flat column: its pages are walked, not searched
   * per row. `only`: the field has no other source in this group, so a null row is a missing field.
   */
  private applyFlat(g: GroupData, mask: Uint8Array, and: boolean, first: AttrSource, from: number, to: number, only: boolean): void {
    const test = and ? 1 : 0;
    const chunk = g.chunk(first.flat!);
    if (chunk.allDictionary && chunk.dictionary && chunk.dictionary.count <= to - from) return this.applyCodes(g, mask, and, first, from, to, only);
    let n = 0;
    for (let r = from; r < to; r++) if (mask[r] === test) n++;
    if (n === 0) return;
    const rows = new Int32Array(n);
    for (let r = from, k = 0; r < to; r++) if (mask[r] === test) rows[k++] = r;
    const rv = g.chunk(first.flat!).rowValues(rows);
    const flip = and ? 0 : 1;
    let k = 0;
    for (let s = 0; s < rv.values.length; s++) {
      const values = rv.values[s];
      const memo = this.memo(0, values);
      for (const end = rv.ends[s]; k < end; k++) {
        const i = rv.idx[k];
        let m = ABSENT;
        if (i >= 0) {
          m = memo[i];
          if (m === UNKNOWN) {
            const v = first.convert(values, i);
            m = memo[i] = v === undefined ? ABSENT : this.test(v) ? HOLDS : FAILS;
          }
        }
        const ok = m === ABSENT ? this.holds(g, rows[k], 1) : m === HOLDS;
        if (ok !== and) mask[rows[k]] = flip;
      }
    }
  }

  /**
   * applyFlat() over an all-dictionary chunk whose dictionary is no larger than the rows: every
   * entry is decided once, then the pages' codes are looked up row by row, with no per-row
   * arrays (what a needle's `resource.service.name = "x"` spends its time on).
   */
  private applyCodes(g: GroupData, mask: Uint8Array, and: boolean, first: AttrSource, lo: number, hi: number, only: boolean): void {
    const chunk = g.chunk(first.flat!);
    const dict = chunk.dictionary!;
    const memo = this.memo(0, dict);
    for (let i = 0; i < dict.count; i++) {
      if (memo[i] !== UNKNOWN) continue;
      const v = first.convert(dict, i);
      memo[i] = v === undefined ? ABSENT : this.test(v) ? HOLDS : FAILS;
    }
    const test = and ? 1 : 0;
    const flip = and ? 0 : 1;
    const bounds = this.pageBoundsOf(g, first.flat!, chunk);
    const verdicts = this.verdictsOf(dict, memo);
    // A null row's verdict, when nothing else can hold the field there.
    const nullVerdict = only ? (conditionHolds(this.condition, undefined) ? 1 : 0) : -1;
    const words = mask.byteOffset === 0 ? new Uint32Array(mask.buffer, 0, mask.length >> 2) : undefined;
    for (let p = lo < hi ? chunk.pageIndexOf(lo) : chunk.pageCount; p < chunk.pageCount && chunk.pageStart(p) < hi; p++) {
      const start = chunk.pageStart(p);
      let from = Math.max(lo, start);
      const to = Math.min(hi, chunk.pageStart(p + 1));
      const at = mask.subarray(from, to).indexOf(test);
      if (at < 0) continue;
      if (bounds && this.pageRuledOut(g, bounds, p, and, mask, from, to)) continue;
      const page = chunk.page(p);
      const codes = page.codes!;
      const index = page.index;
      // The rows in question first, one by one, for as long as they are at most one in SPARSE
      // (a few more at first: a dense page stops after five); `next` is then the first row not
      // yet decided (past the page when it is done).
      let next = from + at;
      const first = next;
      for (let visited = 0; next < to && next - first + 4 * SPARSE >= visited * SPARSE; next = nextRow(mask, words, test, next + 1, to), visited++) {
        const slot = index ? index[next - start] : next - start;
        const m = slot < 0 ? ABSENT : memo[codes[slot]];
        const ok = m === ABSENT ? this.holds(g, next, 1) : m === HOLDS;
        if (ok !== and) mask[next] = flip;
      }
      if (next >= to) continue;
      from = next;
      if (verdicts && !index) {
        // Every row has a code and every code a verdict: combined without a branch, since which
        // rows are still wanted is as random as the data (a mispredicted branch per row cost
        // more than the lookup itself).
        if (and) for (let r = from; r < to; r++) mask[r] &= verdicts[codes[r - start]];
        else for (let r = from; r < to; r++) mask[r] |= verdicts[codes[r - start]];
        continue;
      }
      if (verdicts && nullVerdict >= 0) {
        // The same with nulls: rare, so their branch is predicted.
        for (let r = from; r < to; r++) {
          const slot = index![r - start];
          const v = slot < 0 ? nullVerdict : verdicts[codes[slot]];
          if (and) mask[r] &= v;
          else mask[r] |= v;
        }
        continue;
      }
      for (let r = from; r < to; r++) {
        if (mask[r] !== test) continue;
        const slot = index ? index[r - start] : r - start;
        const m = slot < 0 ? ABSENT : memo[codes[slot]];
        const ok = m === ABSENT ? this.holds(g, r, 1) : m === HOLDS;
        if (ok !== and) mask[r] = flip;
      }
    }
  }

  /**
   * Applies the condition to rows [from, to) of `mask`: with `and`, clears rows where it fails
   * (testing only set rows); with `or`, sets rows where it holds (testing only clear rows).
   */
  apply(g: GroupData, mask: Uint8Array, and: boolean, from = 0, to = mask.length): void {
    const test = and ? 1 : 0;
    if (this.numeric !== undefined) return this.applyNumeric(g, mask, and, from, to);
    if (this.reader.perTrace) {
      const bounds = g.traceBounds();
      for (let t = from < to ? g.traceOf(from) : bounds.length; t + 1 < bounds.length && bounds[t] < to; t++) {
        const lo = Math.max(from, bounds[t]);
        const hi = Math.min(to, bounds[t + 1]);
        let any = false;
        for (let r = lo; r < hi; r++) if (mask[r] === test) any = true;
        if (!any) continue;
        if (conditionHolds(this.condition, this.reader.value(g, bounds[t])) === and) continue;
        mask.fill(and ? 0 : 1, lo, hi);
      }
      return;
    }
    const active = this.reader.active?.(g);
    if (active && active.length === 0) {
      // Nothing in this row group can hold the field: the condition is one constant here.
      if (conditionHolds(this.condition, undefined) !== and) mask.fill(and ? 0 : 1, from, to);
      return;
    }
    if (active?.[0].flat) return this.applyFlat(g, mask, and, active[0], from, to, active.length === 1);
    // `= "text"`: rows none of whose dictionary codes is the text cannot satisfy it (with `and`
    // they are cleared, with `or` left as they are), so only the others are tested row by row.
    const candidates = this.target ? targetRows(this.reader, g, this.target[0], this.target[1], from, to, this.targetEntries) : undefined;
    for (let r = from; r < to; r++) {
      if (mask[r] !== test) continue;
      if (candidates && candidates[r - from] === 0) {
        if (and) mask[r] = 0;
        continue;
      }
      if (this.holds(g, r, 0, active) !== and) mask[r] = and ? 0 : 1;
    }
  }

  /**
   * The page bounds of `column` when they can rule its pages out for this condition: the column
   * is the one its statistics bound, the field has no other source, and the bounds are numbers
   * (a string bound may be truncated mid-character, which no longer decodes to a bound).
   */
  private pageBoundsOf(g: GroupData, column: string, chunk: ColumnChunk): PageBounds | undefined {
    if (this.stats?.column !== column || this.stats.rootValue || (this.reader.sources?.length ?? 0) > 1) return undefined;
    const b = g.pageBounds(column, chunk);
    const t = typeof b?.pages[0]?.min;
    return t === 'bigint' || t === 'number' || t === 'undefined' ? b : undefined;
  }

  /**
   * True when page `p`'s bounds show none of its rows can satisfy the condition: the rows
   * [from, to) it holds are then settled without decoding it (cleared with `and`, left with `or`).
   */
  private pageRuledOut(g: GroupData, bounds: PageBounds, p: number, and: boolean, mask: Uint8Array, from: number, to: number): boolean {
    const st = bounds.pages[p];
    if (typeof st.min === 'string' || typeof st.max === 'string') return false;
    if (this.boundsMayMatch(st, bounds.firstRows[p + 1] - bounds.firstRows[p])) return false;
    if (and) mask.fill(0, from, to);
    g.pageSkipped();
    return true;
  }

  /** duration against a number below 2^53: the INT64 halves compared as floats. */
  private applyNumeric(g: GroupData, mask: Uint8Array, and: boolean, lo: number, hi: number): void {
    const x = this.numeric!;
    const op = this.condition.op;
    const chunk = g.chunk('duration_nano');
    const test = and ? 1 : 0;
    const bounds = this.pageBoundsOf(g, 'duration_nano', chunk);
    for (let p = lo < hi ? chunk.pageIndexOf(lo) : chunk.pageCount; p < chunk.pageCount && chunk.pageStart(p) < hi; p++) {
      const first = chunk.pageStart(p);
      const from = Math.max(lo, first);
      const to = Math.min(hi, chunk.pageStart(p + 1));
      let wanted = false;
      for (let r = from; r < to; r++) if (mask[r] === test) wanted = true;
      if (!wanted) continue;
      if (bounds && this.pageRuledOut(g, bounds, p, and, mask, from, to)) continue;
      const page = chunk.page(p);
      const values = page.codes ? chunk.dictionary! : page.values!;
      const h = values.halves!;
      for (let r = from; r < to; r++) {
        if (mask[r] !== test) continue;
        const i = page.codes ? page.codes[r - first] : r - first;
        const top = h[2 * i + HI];
        let ok: boolean;
        if (top >= 2097152 || top < -2097152) ok = conditionHolds(this.condition, { type: 'duration', value: values.i64![i] });
        else {
          const v = top * TWO32 + (h[2 * i + LO] >>> 0);
          ok = op === '>' ? v > x : op === '>=' ? v >= x : op === '<' ? v < x : op === '<=' ? v <= x : v === x;
        }
        if (ok !== and) mask[r] = and ? 0 : 1;
      }
    }
  }
}

/** The conditions of a request, compiled for one block. */
export class ConditionSet {
  /** Compiled conditions, cheapest first. */
  readonly conditions: readonly CompiledCondition[];
  /** Every condition must hold (else any). */
  readonly all: boolean;
  /** Columns the conditions read. */
  readonly columns: readonly string[];
  /** True when a condition reads the root span's name or service. */
  readonly needsRoots: boolean;
  /** The conditions' field readers (for loadFields). */
  readonly readers: readonly FieldReader[];
  /** True when a condition is one whose dictionaries can rule a row group out (text equality, a pattern with a literal). */
  readonly checksDictionaries: boolean;
  /** True when the needle filters can rule a row group out (with `all`, one condition they decide suffices; else every one must be). */
  readonly wantsFilters: boolean;

  constructor(fields: BlockFields, conditions: readonly Condition[], all: boolean, exact: boolean) {
    this.conditions = conditions.map((c) => new CompiledCondition(fields, c, exact)).sort((a, b) => a.cost - b.cost);
    this.all = all;
    this.columns = [...new Set(this.conditions.flatMap((c) => c.reader.columns))];
    this.readers = this.conditions.map((c) => c.reader);
    this.checksDictionaries = this.conditions.length > 0 && (all ? this.conditions.some((c) => c.checksDictionary) : this.conditions.every((c) => c.checksDictionary));
    this.wantsFilters = this.conditions.length > 0 && (all ? this.conditions.some((c) => c.needle) : this.conditions.every((c) => c.needle));
    this.needsRoots = conditions.some((c) => c.field.kind === 'intrinsic' && (c.field.name === 'rootName' || c.field.name === 'rootServiceName'));
  }

  /** False when statistics (or, given them, the needle filters for row group `group`) show no row of the group can matter. */
  mayMatch(stats: readonly ColumnChunkStats[] | undefined, columnIndex: (name: string) => number, rows: number, filters?: NeedleFilters, group = -1): boolean {
    if (this.conditions.length === 0) return true;
    const may = (c: CompiledCondition) => c.mayMatch(stats, columnIndex, rows, filters, group);
    return this.all ? this.conditions.every(may) : this.conditions.some(may);
  }

  /** True when dictionary checks show no row of the loaded group can matter. */
  ruledOutByDictionary(g: GroupData): boolean {
    if (this.conditions.length === 0) return false;
    const out = (c: CompiledCondition) => c.ruledOutByDictionary(g);
    return this.all ? this.conditions.some(out) : this.conditions.every(out);
  }

  /** True when the dictionary summaries kept for the group show no row of it can matter (see CompiledCondition.ruledOutBySummaries). */
  ruledOutBySummaries(g: GroupData): boolean {
    if (this.conditions.length === 0 || !this.checksDictionaries) return false;
    const out = (c: CompiledCondition) => c.ruledOutBySummaries(g);
    return this.all ? this.conditions.some(out) : this.conditions.every(out);
  }

  /** Rows of the group that matter (1) by the conditions; the group's condition columns must be loaded. */
  evaluate(g: GroupData): Uint8Array {
    const mask = new Uint8Array(g.rows);
    this.evaluateRange(g, mask, 0, g.rows);
    return mask;
  }

  /** Sets rows [from, to) of `mask` to 1 where the rows matter and 0 where they do not. */
  evaluateRange(g: GroupData, mask: Uint8Array, from: number, to: number): void {
    if (this.conditions.length === 0 || this.all) mask.fill(1, from, to);
    else mask.fill(0, from, to);
    for (const c of this.conditions) {
      c.apply(g, mask, this.all, from, to);
      const settled = mask.subarray(from, to).indexOf(this.all ? 1 : 0) < 0;
      if (settled) break;
    }
  }
}
