// Feeds the dependency summary from a finished row group's column values, the way the tags are
// fed (row-group-tags.ts): both writer paths (span records and encoded spans) end in the same
// columns, so one pass serves both. A trace is a contiguous run of rows and never spans row
// groups; a span's parent is found by its parent span id among the trace's rows. Services are
// named by dictionary code, turned into the builder's name ids once per distinct service.
import type { DictValues, I64Values } from './column-values.ts';
import type { DependencyBuilder, SpanTable } from './dependencies.ts';
import { REMOTE_KEYS, addTraceEdges } from './dependencies.ts';
import type { RowGroupBuilder } from './row-builder.ts';
import { low32, same8 } from './trace-shape.ts';

const TWO32 = 4294967296;

/** Per row: the dictionary code of a nullable string column's value, -1 for null. */
function rowCodes(v: DictValues, rows: number): Int32Array {
  const out = new Int32Array(rows).fill(-1);
  const codes = v.codes.a;
  if (!v.defs) {
    out.set(codes.subarray(0, rows));
    return out;
  }
  const present = v.defs.present.a;
  for (let k = 0; k < v.count; k++) out[present[k]] = codes[k];
  return out;
}

function i64(v: I64Values, i: number): number {
  return v.h[2 * i + 1] * TWO32 + (v.h[2 * i] >>> 0);
}

/** Where each remote key's value of a row is found: a dedicated column, or the generic string list. */
function remoteNames(rows: RowGroupBuilder): (row: number) => string | undefined {
  const n = rows.rows;
  const dedicated = REMOTE_KEYS.map((key) => {
    const d = rows.spanDedicated.find((x) => x.key === key && x.values.kind === 'dict');
    return d ? { v: d.values as DictValues, codes: rowCodes(d.values as DictValues, n) } : undefined;
  });
  const str = rows.typed[0];
  const keyCodes = REMOTE_KEYS.map((key) => {
    for (let c = 0; c < str.keys.size; c++) if (str.keys.stringOf(c) === key) return c;
    return -1;
  });
  const values = str.values as DictValues;
  return (row) => {
    for (let k = 0; k < REMOTE_KEYS.length; k++) {
      const d = dedicated[k];
      if (d) {
        const c = d.codes[row];
        if (c >= 0 && d.v.entryLength(c) > 0) return d.v.stringOf(c);
      }
      if (keyCodes[k] < 0) continue;
      for (let e = str.offsets.a[row]; e < str.offsets.a[row + 1]; e++) {
        if (str.keys.codes.a[e] === keyCodes[k] && values.entryLength(values.codes.a[e]) > 0) return values.stringOf(values.codes.a[e]);
      }
    }
    return undefined;
  };
}

/** Counts the edges of every trace in the row group. */
export function addRowGroupEdges(rows: RowGroupBuilder, b: DependencyBuilder): void {
  const n = rows.rows;
  if (n === 0) return;
  const c = rows.c;
  const serviceCol = rows.values<DictValues>('service_name');
  const codes = rowCodes(serviceCol, n);
  const idOfCode = new Int32Array(serviceCol.size).fill(-1);
  const t: SpanTable = {
    service: new Int32Array(n),
    kind: c.kind.v.a,
    status: c.statusCode.v.a,
    parent: new Int32Array(n).fill(-1),
    startSec: (i) => i64(c.start, i) / 1e9,
    durationMs: (i) => i64(c.duration, i) / 1e6,
    remoteName: remoteNames(rows),
  };
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    if (code < 0) t.service[i] = -1;
    else t.service[i] = idOfCode[code] >= 0 ? idOfCode[code] : (idOfCode[code] = b.nameId(serviceCol.stringOf(code)));
  }
  const traceCodes = c.traceId.codes.a;
  const ids = c.spanId.bytes.buf;
  const parents = rowCodes(c.parentSpanId, n);
  const pBytes = c.parentSpanId.entries.buf;
  const pStarts = c.parentSpanId.starts.a;
  const byLow = new Map<number, number>();
  let from = 0;
  while (from < n) {
    let to = from + 1;
    while (to < n && traceCodes[to] === traceCodes[from]) to++;
    // Parents by span id, as the live path finds them (a parent id names the last span with it).
    byLow.clear();
    for (let i = from; i < to; i++) byLow.set(low32(ids, 8 * i), i);
    for (let i = from; i < to; i++) {
      const pc = parents[i];
      if (pc < 0 || pStarts[pc + 1] - pStarts[pc] !== 8) continue;
      const j = byLow.get(low32(pBytes, pStarts[pc]));
      if (j !== undefined && j !== i && same8(ids, 8 * j, pBytes, pStarts[pc])) t.parent[i] = j;
    }
    addTraceEdges(b, t, from, to);
    from = to;
  }
}
