// The compaction path of the row builder: a trace read from other sb1 blocks with the same
// dedicated columns (Sb1StoredTrace parts) goes into the columns cell by cell, without span
// records. A part's rows are already in the writer's order (start time, then span id: the block
// that holds them was written by this writer), so the parts' rows are merged in that order, and
// their attributes are already split into dedicated and typed columns, so each cell goes where
// RowGroupBuilder.addTrace would put the attribute it came from. Resources,
// scopes, events, links and `other` values are still made into model objects: the tags summary
// and value index count them, and they are few or shared. The columns come out exactly as
// addTrace makes them from the trace's records (stored-rows.test.ts compares the files).
import type { AnyValue, SpanEvent, SpanLink } from '@spanbase/model';
import type { BoolValues, DictValues, F64Values, I64Values } from './column-values.ts';
import { anyValueFromJson, eventsFromJson, linksFromJson } from './otlp-json.ts';
import type { RowGroupBuilder, TraceSummary } from './row-builder.ts';
import type { DecodedColumns } from './row-decoder.ts';
import { ATTR_TYPES } from './schema.ts';
import type { Sb1StoredTrace } from './stored-trace.ts';
import type { StringCells } from './string-cells.ts';
import { cellsFor, StringRemap } from './string-cells.ts';
import { isRoot, nestedSets, traceIdsFrom } from './trace-shape.ts';

const NO_EVENTS: SpanEvent[] = [];
const NO_LINKS: SpanLink[] = [];
const KEY_COLUMNS = ATTR_TYPES.map((t) => `span_${t}_keys`);
const VALUE_COLUMNS = ATTR_TYPES.map((t) => `span_${t}_values`);
const HALF_BIG = new BigUint64Array(2);
const HALVES = new Int32Array(HALF_BIG.buffer);

/**
 * An INT64 column as little-endian 32-bit halves: a view of the BigInt64Array the reader decodes
 * such columns into, so cells copy without a bigint each.
 */
function halvesOf(col: unknown): Int32Array {
  if (col instanceof BigInt64Array) return new Int32Array(col.buffer, col.byteOffset, col.length * 2);
  return new Int32Array(BigInt64Array.from(col as bigint[]).buffer);
}

/** A part's decoded columns by role, resolved once per row group. */
interface PartColumns {
  spanIds: Uint8Array[];
  parents: Uint8Array[];
  /** start_unix_nano as halves (value r is [2r] low, [2r + 1] high). */
  starts: Int32Array;
  /** duration_nano as halves. */
  durations: Int32Array;
  /** name, status_message and trace_state as cells: entries of their values, not strings. */
  names: StringCells;
  kinds: number[];
  statusCodes: number[];
  messages: StringCells;
  states: StringCells;
  flags: Int32Array;
  droppedAttributes: Int32Array;
  droppedEvents: Int32Array;
  droppedLinks: Int32Array;
  events: (string | null)[];
  links: (string | null)[];
  resourceUrls: string[];
  scopeUrls: string[];
  /** Per span dedicated column of the writer, in slot order: cells of a string column, else its values. */
  dedicated: (StringCells | (bigint | null)[])[];
  /** Keys of each generic list as cells, and the string list's values. */
  keys: StringCells[];
  strValues: StringCells;
  /** Values of the other generic lists (index 0, strings, unused). */
  values: unknown[][][];
  /** The remaps into `remapsFor`'s dictionaries. */
  remaps?: PartRemaps;
  remapsFor?: RowGroupBuilder;
}

/** Where a part's string entries go in the writer's dictionaries, found once per entry. */
interface PartRemaps {
  names: StringRemap;
  messages: StringRemap;
  states: StringRemap;
  dedicated: (StringRemap | undefined)[];
  keys: StringRemap[];
  strValues: StringRemap;
}

/** A part's remaps into `rows`' dictionaries, made once per part and writer. */
function remapsOf(rows: RowGroupBuilder, p: PartColumns): PartRemaps {
  if (p.remaps && p.remapsFor === rows) return p.remaps;
  const c = rows.c;
  p.remapsFor = rows;
  return (p.remaps = {
    names: new StringRemap(p.names, c.name),
    messages: new StringRemap(p.messages, c.statusMessage),
    states: new StringRemap(p.states, c.traceState),
    dedicated: rows.spanDedicated.map((d, k) => {
      const cells = p.dedicated[k];
      return Array.isArray(cells) ? undefined : new StringRemap(cells, d.values as DictValues);
    }),
    keys: rows.typed.map((t, k) => new StringRemap(p.keys[k], t.keys)),
    strValues: new StringRemap(p.strValues, rows.typed[0].values as DictValues),
  });
}

const RESOLVED = new WeakMap<DecodedColumns, PartColumns>();

function partColumns(rows: RowGroupBuilder, cols: DecodedColumns): PartColumns {
  let c = RESOLVED.get(cols);
  if (!c) {
    c = {
      spanIds: cols.span_id as Uint8Array[],
      parents: cols.parent_span_id as Uint8Array[],
      starts: halvesOf(cols.start_unix_nano),
      durations: halvesOf(cols.duration_nano),
      names: cellsFor(cols, 'name', false),
      kinds: cols.kind as number[],
      statusCodes: cols.status_code as number[],
      messages: cellsFor(cols, 'status_message', false),
      states: cellsFor(cols, 'trace_state', false),
      flags: halvesOf(cols.flags),
      droppedAttributes: halvesOf(cols.dropped_attributes_count),
      droppedEvents: halvesOf(cols.dropped_events_count),
      droppedLinks: halvesOf(cols.dropped_links_count),
      events: cols.events as (string | null)[],
      links: cols.links as (string | null)[],
      resourceUrls: cols.resource_schema_url as string[],
      scopeUrls: cols.scope_schema_url as string[],
      dedicated: rows.spanDedicated.map((d) => (d.values.kind === 'dict' ? cellsFor(cols, d.column, false) : (cols[d.column] as (bigint | null)[]))),
      keys: KEY_COLUMNS.map((k) => cellsFor(cols, k, true)),
      strValues: cellsFor(cols, VALUE_COLUMNS[0], true),
      values: VALUE_COLUMNS.map((k, i) => (i === 0 ? [] : (cols[k] as unknown[][]))),
    };
    RESOLVED.set(cols, c);
  }
  return c;
}

/**
 * The trace's rows in the writer's order, as (part, row) pairs: start time (unsigned), then span
 * id, ties in the order the parts give them (sortTrace on the parts' records, concatenated).
 */
function rowOrder(parts: readonly Sb1StoredTrace[], cols: readonly PartColumns[]): { part: Int32Array; row: Int32Array } {
  let n = 0;
  for (const p of parts) n += p.length;
  const part = new Int32Array(n);
  const row = new Int32Array(n);
  let i = 0;
  for (let k = 0; k < parts.length; k++) {
    for (let r = parts[k].from; r < parts[k].to; r++, i++) {
      part[i] = k;
      row[i] = r;
    }
  }
  if (parts.length === 1) return { part, row };
  const order = Array.from({ length: n }, (_, j) => j);
  order.sort((a, b) => {
    // Start times compare unsigned, high halves first.
    const x = cols[part[a]].starts;
    const y = cols[part[b]].starts;
    const xh = x[2 * row[a] + 1] >>> 0;
    const yh = y[2 * row[b] + 1] >>> 0;
    if (xh !== yh) return xh < yh ? -1 : 1;
    const xl = x[2 * row[a]] >>> 0;
    const yl = y[2 * row[b]] >>> 0;
    if (xl !== yl) return xl < yl ? -1 : 1;
    const p = cols[part[a]].spanIds[row[a]];
    const q = cols[part[b]].spanIds[row[b]];
    for (let k = 0; k < p.length && k < q.length; k++) if (p[k] !== q[k]) return p[k] - q[k];
    return p.length - q.length || a - b;
  });
  return { part: Int32Array.from(order, (j) => part[j]), row: Int32Array.from(order, (j) => row[j]) };
}

/** Appends a trace given as its stored parts to `rows`; returns its summary (as addTrace would). */
export function writeStoredTrace(rows: RowGroupBuilder, parts: readonly Sb1StoredTrace[]): TraceSummary {
  const P = parts.map((p) => partColumns(rows, p.cols));
  const { part, row } = rowOrder(parts, P);
  const n = part.length;
  const ids: Uint8Array[] = new Array<Uint8Array>(n);
  const parentIds: Uint8Array[] = new Array<Uint8Array>(n);
  // The trace's first start and last end (start + duration, wrapping as uint64), as unsigned halves.
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let root = -1;
  for (let i = 0; i < n; i++) {
    const p = P[part[i]];
    const r = row[i];
    ids[i] = p.spanIds[r];
    parentIds[i] = p.parents[r];
    const sLo = p.starts[2 * r] >>> 0;
    const sHi = p.starts[2 * r + 1] >>> 0;
    const sum = sLo + (p.durations[2 * r] >>> 0);
    const eLo = sum >>> 0;
    const eHi = (sHi + p.durations[2 * r + 1] + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    if (i === 0 || sHi < startHi || (sHi === startHi && sLo < startLo)) {
      startLo = sLo;
      startHi = sHi;
    }
    if (i === 0 || eHi > endHi || (eHi === endHi && eLo > endLo)) {
      endLo = eLo;
      endHi = eHi;
    }
    if (root < 0 && isRoot(parentIds[i])) root = i;
  }
  const nested = nestedSets(traceIdsFrom(ids, parentIds, 0, n));
  const resourceOf = (i: number) => parts[part[i]].decoder.resourceOf(parts[part[i]].cols, row[i]);
  const rootName = root >= 0 ? P[part[root]].names.stringOf(P[part[root]].names.codes[row[root]]) : undefined;
  const rootService = root >= 0 ? rows.resourceSplit(resourceOf(root)).service : undefined;
  rows.tags.addRoot(rootName, rootService);
  const c = rows.c;
  const svcCode = c.rootService.stringCode(rootService ?? '');
  const nameCode = c.rootName.stringCode(rootName ?? '');
  rows.addTraceColumns(n, parts[0].traceId, 0, svcCode, nameCode, startLo | 0, startHi | 0, endLo | 0, endHi | 0);
  const taken = rows.taken;
  const dedicated = rows.spanDedicated;
  const R = P.map((p) => remapsOf(rows, p));
  for (let i = 0; i < n; i++) {
    const p = P[part[i]];
    const m = R[part[i]];
    const r = row[i];
    const nameEntry = p.names.codes[r];
    const messageEntry = p.messages.codes[r];
    const stateEntry = p.states.codes[r];
    c.spanId.add(p.spanIds[r], 0);
    c.parentSpanId.addBytes(p.parents[r]);
    c.name.addCode(m.names.code(nameEntry));
    c.kind.add(p.kinds[r]);
    c.start.addHalves(p.starts[2 * r], p.starts[2 * r + 1]);
    // addTrace stores (start + duration) - start, wrapping: the duration itself.
    c.duration.addHalves(p.durations[2 * r], p.durations[2 * r + 1]);
    c.statusCode.add(p.statusCodes[r]);
    c.statusMessage.addCode(m.messages.code(messageEntry));
    c.traceState.addCode(m.states.code(stateEntry));
    // Counts and flags are uint32 in OTLP: their halves are what addNum makes of the number.
    c.flags.addHalves(p.flags[2 * r], p.flags[2 * r + 1]);
    c.droppedAttributes.addHalves(p.droppedAttributes[2 * r], p.droppedAttributes[2 * r + 1]);
    c.droppedEvents.addHalves(p.droppedEvents[2 * r], p.droppedEvents[2 * r + 1]);
    c.droppedLinks.addHalves(p.droppedLinks[2 * r], p.droppedLinks[2 * r + 1]);
    c.nestedLeft.add(nested.left[i]);
    c.nestedRight.add(nested.right[i]);
    c.nestedParent.add(nested.parent[i]);
    const src = parts[part[i]];
    rows.addContext(rows.resourceSplit(src.decoder.resourceOf(src.cols, r)), rows.scopeSplit(src.decoder.scopeOf(src.cols, r)), p.resourceUrls[r], p.scopeUrls[r]);
    let bytes = 0;
    for (let k = 0; k < dedicated.length; k++) {
      const col = p.dedicated[k];
      if (Array.isArray(col)) {
        const v = col[r];
        // endAttributes() fills the columns not taken with nulls.
        if (v === null || v === undefined) continue;
        taken[k] = 1;
        (dedicated[k].values as I64Values).addBig(v);
        bytes += dedicated[k].key.length + 12;
        continue;
      }
      const e = col.codes[r];
      if (e < 0) continue;
      taken[k] = 1;
      (dedicated[k].values as DictValues).addCode(m.dedicated[k]!.code(e));
      bytes += dedicated[k].key.length + col.lengthOf(e);
    }
    for (let k = 0; k < ATTR_TYPES.length; k++) {
      const keys = p.keys[k];
      const first = keys.rowStarts![r];
      const count = keys.rowStarts![r + 1] - first;
      if (count === 0) continue;
      const vs = k === 0 ? undefined : p.values[k][r];
      const typed = rows.typed[k];
      for (let j = 0; j < count; j++) {
        const keyEntry = keys.codes[first + j];
        if (k === 4) {
          // `other` values go through addGeneric as their records' values would (tags count them).
          const key = keys.stringOf(keyEntry);
          const value: AnyValue = anyValueFromJson(vs![j]);
          bytes += key.length + (value.type === 'string' ? value.value.length : 12);
          rows.addGeneric(key, value);
          continue;
        }
        typed.keys.addCode(m.keys[k].code(keyEntry));
        const keyLength = keys.lengthOf(keyEntry);
        if (k === 0) {
          const sv = p.strValues;
          const valueEntry = sv.codes[sv.rowStarts![r] + j];
          (typed.values as DictValues).addCode(m.strValues.code(valueEntry));
          bytes += keyLength + sv.lengthOf(valueEntry);
          continue;
        }
        bytes += keyLength + 12;
        const v = vs![j];
        if (k === 1) (typed.values as I64Values).addBig(v as bigint);
        else if (k === 2) (typed.values as F64Values).add(v as number);
        else (typed.values as BoolValues).add(v as boolean);
      }
    }
    rows.endAttributes();
    rows.estimatedBytes += 100 + p.names.lengthOf(nameEntry) + p.messages.lengthOf(messageEntry) + p.states.lengthOf(stateEntry) + bytes;
    const events = p.events[r];
    const links = p.links[r];
    rows.addEvents(events === null ? NO_EVENTS : eventsFromJson(events));
    rows.addLinks(links === null ? NO_LINKS : linksFromJson(links));
  }
  HALVES[0] = startLo;
  HALVES[1] = startHi;
  HALVES[2] = endLo;
  HALVES[3] = endHi;
  return { start: HALF_BIG[0], end: HALF_BIG[1] };
}
