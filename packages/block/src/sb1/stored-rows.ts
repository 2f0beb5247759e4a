// The compaction path of the row builder: a trace read from another sb1 block with the same
// dedicated columns (Sb1StoredTrace) goes into the columns cell by cell, without span records.
// Its rows are already in the writer's order (start time, then span id: the block that holds them
// was written by this writer) and its attributes already split into dedicated and typed columns,
// so each cell goes where RowGroupBuilder.addTrace would put the attribute it came from. Resources,
// scopes, events, links and `other` values are still made into model objects: the tags summary
// and value index count them, and they are few or shared. The columns come out exactly as
// addTrace makes them from the trace's records (stored-rows.test.ts compares the files).
import type { AnyValue, SpanEvent, SpanLink } from '@spanbase/model';
import type { BoolValues, DictValues, F64Values, I64Values } from './column-values.ts';
import { anyValueFromJson, eventsFromJson, linksFromJson } from './otlp-json.ts';
import type { RowGroupBuilder, TraceSummary } from './row-builder.ts';
import { ATTR_TYPES } from './schema.ts';
import type { Sb1StoredTrace } from './stored-trace.ts';
import { isRoot, nestedSets, traceIdsFrom } from './trace-shape.ts';

const NO_EVENTS: SpanEvent[] = [];
const NO_LINKS: SpanLink[] = [];
const KEY_COLUMNS = ATTR_TYPES.map((t) => `span_${t}_keys`);
const VALUE_COLUMNS = ATTR_TYPES.map((t) => `span_${t}_values`);
const HALF_BIG = new BigInt64Array(2);
const HALVES = new Int32Array(HALF_BIG.buffer);

/** Appends a stored trace's rows to `rows`; returns its summary (as addTrace would). */
export function writeStoredTrace(rows: RowGroupBuilder, t: Sb1StoredTrace): TraceSummary {
  const { cols, from, to, decoder } = t;
  const spanIds = cols.span_id as Uint8Array[];
  const parents = cols.parent_span_id as Uint8Array[];
  const starts = cols.start_unix_nano as bigint[];
  const durations = cols.duration_nano as bigint[];
  const n = to - from;
  const nested = nestedSets(traceIdsFrom(spanIds, parents, from, to));
  let start = 0n;
  let end = 0n;
  let root = -1;
  for (let r = from; r < to; r++) {
    const s = BigInt.asUintN(64, starts[r]);
    const e = BigInt.asUintN(64, s + durations[r]);
    if (r === from || s < start) start = s;
    if (r === from || e > end) end = e;
    if (root < 0 && isRoot(parents[r])) root = r;
  }
  const rootName = root >= 0 ? (cols.name[root] as string) : undefined;
  const rootService = root >= 0 ? rows.resourceSplit(decoder.resourceOf(cols, root)).service : undefined;
  rows.tags.addRoot(rootName, rootService);
  const c = rows.c;
  const svcCode = c.rootService.stringCode(rootService ?? '');
  const nameCode = c.rootName.stringCode(rootName ?? '');
  HALF_BIG[0] = start;
  HALF_BIG[1] = end;
  rows.addTraceColumns(n, t.traceId, 0, svcCode, nameCode, HALVES[0], HALVES[1], HALVES[2], HALVES[3]);

  const names = cols.name as string[];
  const kinds = cols.kind as number[];
  const statusCodes = cols.status_code as number[];
  const messages = cols.status_message as string[];
  const states = cols.trace_state as string[];
  const flags = cols.flags as bigint[];
  const droppedAttributes = cols.dropped_attributes_count as bigint[];
  const droppedEvents = cols.dropped_events_count as bigint[];
  const droppedLinks = cols.dropped_links_count as bigint[];
  const events = cols.events as (string | null)[];
  const links = cols.links as (string | null)[];
  const resourceUrls = cols.resource_schema_url as string[];
  const scopeUrls = cols.scope_schema_url as string[];
  const dedicated = rows.spanDedicated.map((d) => ({ values: d.values, key: d.key, cells: cols[d.column] as (string | bigint | null)[] }));
  const taken = rows.taken;
  const keys = KEY_COLUMNS.map((k) => cols[k] as string[][]);
  const values = VALUE_COLUMNS.map((k) => cols[k] as unknown[][]);
  for (let r = from; r < to; r++) {
    const i = r - from;
    const s = BigInt.asUintN(64, starts[r]);
    c.spanId.add(spanIds[r], 0);
    c.parentSpanId.addBytes(parents[r]);
    c.name.addString(names[r]);
    c.kind.add(kinds[r]);
    c.start.addBig(s);
    c.duration.addDifference(s, BigInt.asUintN(64, s + durations[r]));
    c.statusCode.add(statusCodes[r]);
    c.statusMessage.addString(messages[r]);
    c.traceState.addString(states[r]);
    c.flags.addNum(Number(flags[r]));
    c.droppedAttributes.addNum(Number(droppedAttributes[r]));
    c.droppedEvents.addNum(Number(droppedEvents[r]));
    c.droppedLinks.addNum(Number(droppedLinks[r]));
    c.nestedLeft.add(nested.left[i]);
    c.nestedRight.add(nested.right[i]);
    c.nestedParent.add(nested.parent[i]);
    rows.addContext(rows.resourceSplit(decoder.resourceOf(cols, r)), rows.scopeSplit(decoder.scopeOf(cols, r)), resourceUrls[r], scopeUrls[r]);
    let bytes = 0;
    for (let k = 0; k < dedicated.length; k++) {
      const d = dedicated[k];
      const v = d.cells[r];
      // endAttributes() fills the columns not taken with nulls.
      if (v === null || v === undefined) continue;
      taken[k] = 1;
      bytes += d.key.length;
      if (typeof v === 'string') {
        (d.values as DictValues).addString(v);
        bytes += v.length;
      } else {
        (d.values as I64Values).addBig(v);
        bytes += 12;
      }
    }
    for (let k = 0; k < ATTR_TYPES.length; k++) {
      const ks = keys[k][r];
      if (ks.length === 0) continue;
      const vs = values[k][r];
      const typed = rows.typed[k];
      for (let j = 0; j < ks.length; j++) {
        const key = ks[j];
        const v = vs[j];
        if (k === 4) {
          // `other` values go through addGeneric as their records' values would (tags count them).
          const value: AnyValue = anyValueFromJson(v);
          bytes += key.length + (value.type === 'string' ? value.value.length : 12);
          rows.addGeneric(key, value);
          continue;
        }
        typed.keys.addString(key);
        if (k === 0) {
          (typed.values as DictValues).addString(v as string);
          bytes += key.length + (v as string).length;
          continue;
        }
        bytes += key.length + 12;
        if (k === 1) (typed.values as I64Values).addBig(v as bigint);
        else if (k === 2) (typed.values as F64Values).add(v as number);
        else (typed.values as BoolValues).add(v as boolean);
      }
    }
    rows.endAttributes();
    rows.estimatedBytes += 100 + names[r].length + messages[r].length + states[r].length + bytes;
    rows.addEvents(events[r] === null ? NO_EVENTS : eventsFromJson(events[r]));
    rows.addLinks(links[r] === null ? NO_LINKS : linksFromJson(links[r]));
  }
  return { start, end };
}
