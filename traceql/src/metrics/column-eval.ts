// The column path: a metrics pipeline evaluated over column batches, without span objects.
// Start times and durations are read as 32-bit halves of the 64-bit arrays, so no BigInt is
// made per row; group values are dictionary codes mapped to series once per batch and code
// combination; only exemplars build objects, and only for the few spans picked.
import type { Static } from '../static.ts';
import type { ColumnVector, SpanColumnBatch, SpanColumnFetcher } from '../storage.ts';
import { fieldKey } from '../storage.ts';
import { bytesToHex, traceIdToSearchHex } from '@spanbase/model';
import type { MetricsLabel } from './exemplars.ts';
import type { LeafState, Reducer, SeriesState } from './leaf-state.ts';
import { groupKey } from './leaf-state.ts';
import { addend, exemplarValue, fieldName, numberOf } from './measure.ts';
import type { LeafPlan } from './plan.ts';
import { inSample } from './sampling.ts';
import type { TimeGrid } from './time-grid.ts';
import { intervalAt } from './time-grid.ts';

const TWO32 = 4294967296;
// Which 32-bit half of a 64-bit value comes first in memory.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

function numberValue(type: 'int' | 'float' | 'duration', x: number): Static {
  return type === 'float' ? { type: 'float', value: x } : { type, value: BigInt(Math.round(x)) };
}

/** A by() column of a batch as local codes: -1 for no value, else an index into `values`. */
interface LocalColumn {
  readonly codes: Int32Array;
  readonly values: readonly (Static | undefined)[];
}

function localColumn(v: ColumnVector, length: number): LocalColumn {
  if (v.kind === 'dictionary') return { codes: v.codes, values: v.dictionary };
  const codes = new Int32Array(length);
  const values: Static[] = [];
  const ids = new Map<number, number>();
  for (let i = 0; i < length; i++) {
    const x = v.values[i];
    if (Number.isNaN(x)) {
      codes[i] = -1;
      continue;
    }
    let id = ids.get(x);
    if (id === undefined) {
      ids.set(x, (id = values.length));
      values.push(numberValue(v.type, x));
    }
    codes[i] = id;
  }
  return { codes, values };
}

/** Measured values of a batch: the number and whether it is a float, per row. */
interface Measured {
  value(row: number): number;
  isFloat(row: number): boolean;
}

function measuredColumn(v: ColumnVector): Measured {
  if (v.kind === 'numbers') {
    const float = v.type === 'float';
    return { value: (row) => v.values[row], isFloat: () => float };
  }
  const nums = new Float64Array(v.dictionary.length);
  const floats = new Uint8Array(v.dictionary.length);
  v.dictionary.forEach((s, i) => {
    nums[i] = numberOf(s);
    floats[i] = s.type === 'float' ? 1 : 0;
  });
  return {
    value: (row) => (v.codes[row] < 0 ? NaN : nums[v.codes[row]]),
    isFloat: (row) => v.codes[row] >= 0 && floats[v.codes[row]] === 1,
  };
}

/** Evaluates a leaf through storage's column path into `state`. */
export async function evaluateColumns(leaf: LeafPlan, grid: TimeGrid, fetcher: SpanColumnFetcher, state: LeafState, signal?: AbortSignal): Promise<void> {
  // Exemplars need ids for a few spans per time slot only: once the slots a part of storage
  // covers are picked, that part's id columns need not be read (sampling needs every id).
  const exemplars = state.exemplars;
  const request = leaf.columns!.ids && !leaf.sampling && leaf.exemplars > 0
    ? { ...leaf.columns!, idsWanted: (from: bigint, to: bigint) => exemplars.wantsRange(Number(from / 1_000_000n), Number(to / 1_000_000n)) }
    : leaf.columns!;
  const index = new Map(request.columns.map((f, i) => [fieldKey(f), i]));
  const byIdx = leaf.by.map((f) => index.get(fieldKey(f)) ?? -1);
  const measuredIdx = leaf.measured ? (fieldKey(leaf.measured) === ':duration' ? -2 : index.get(fieldKey(leaf.measured))!) : -1;
  const names = request.columns.map(fieldName);
  for await (const batch of fetcher.fetchColumns(request, signal)) {
    signal?.throwIfAborted();
    observeBatch(leaf, grid, batch, byIdx, measuredIdx, names, state);
  }
}

function observeBatch(leaf: LeafPlan, grid: TimeGrid, batch: SpanColumnBatch, byIdx: readonly number[], measuredIdx: number, names: readonly string[], state: LeafState): void {
  const n = batch.length;
  if (n === 0) return;
  const reducer = leaf.reducer as Reducer;
  const starts = batch.startTimeUnixNano;
  const startLo = new Uint32Array(starts.buffer, starts.byteOffset, n * 2);
  const startHi = new Int32Array(starts.buffer, starts.byteOffset, n * 2);
  const durs = batch.durationNano;
  const durLo = new Uint32Array(durs.buffer, durs.byteOffset, n * 2);
  const durHi = new Int32Array(durs.buffer, durs.byteOffset, n * 2);
  const gs = BigInt.asUintN(64, grid.start);
  const gsHi = Number(gs >> 32n);
  const gsLo = Number(gs & 0xffffffffn);
  const gsMs = Number(grid.start / 1_000_000n);
  const gsSubMs = Number(grid.start % 1_000_000n);
  const step = Number(grid.step);
  const intervals = grid.intervals;

  const cols = byIdx.map((i) => localColumn(batch.columns[i], n));
  const radix = cols.map((c) => c.values.length + 1);
  const combos = radix.reduce((a, b) => a * b, 1);
  const slots: (SeriesState | null | undefined)[] | Map<number, SeriesState | null> = combos <= 1 << 20 ? new Array(combos) : new Map();
  const measured = measuredIdx >= 0 ? measuredColumn(batch.columns[measuredIdx]) : undefined;
  const sampling = leaf.sampling;
  const weight = sampling ? 1 / sampling.fraction : 1;
  const exemplars = state.exemplars;
  const wantExemplars = leaf.exemplars > 0 && batch.traceId !== undefined;

  const seriesOf = (row: number, combo: number): SeriesState | null => {
    const cached = slots instanceof Map ? slots.get(combo) : slots[combo];
    if (cached !== undefined) return cached;
    const group = cols.map((c) => (c.codes[row] < 0 ? undefined : c.values[c.codes[row]]));
    const only = group.length === 1 ? group[0] : undefined;
    const s = (only?.type === 'string' ? state.seriesForString(only.value) : state.seriesFor(groupKey(group), group)) ?? null;
    if (slots instanceof Map) slots.set(combo, s);
    else slots[combo] = s;
    return s;
  };

  for (let row = 0; row < n; row++) {
    const rel = (startHi[2 * row + HI] - gsHi) * TWO32 + (startLo[2 * row + LO] - gsLo);
    const iv = intervalAt(rel, step, intervals);
    if (iv < 0) continue;
    let v = 0;
    if (measuredIdx === -2) v = durHi[2 * row + HI] * TWO32 + durLo[2 * row + LO];
    else if (measured) v = measured.value(row);
    const x = addend(reducer, v, measured ? measured.isFloat(row) : false);
    if (Number.isNaN(x)) continue;
    if (sampling && !inSample(sampling.unit === 'span' ? batch.spanId!(row) : batch.traceId!(row), sampling.fraction)) continue;
    let combo = 0;
    for (let c = 0; c < cols.length; c++) combo = combo * radix[c] + cols[c].codes[row] + 1;
    const s = seriesOf(row, combo);
    if (s === null) continue;
    state.add(s, iv, x, weight);
    if (!wantExemplars) continue;
    const ms = gsMs + Math.floor((gsSubMs + rel) / 1e6);
    if (!exemplars.wants(ms)) continue;
    const traceHex = traceIdToSearchHex(batch.traceId!(row));
    const labels: MetricsLabel[] = [
      { key: 'trace:id', value: { type: 'string', value: traceHex } },
      { key: 'span:id', value: { type: 'string', value: bytesToHex(batch.spanId!(row)) } },
    ];
    batch.columns.forEach((col, i) => {
      const value = col.kind === 'dictionary' ? (col.codes[row] < 0 ? undefined : col.dictionary[col.codes[row]]) : Number.isNaN(col.values[row]) ? undefined : numberValue(col.type, col.values[row]);
      if (value !== undefined) labels.push({ key: names[i], value });
    });
    exemplars.offer(traceHex, {
      seriesKey: s.key,
      bucket: reducer === 'histogram' ? x : undefined,
      interval: iv,
      timestampMs: ms,
      value: exemplarValue(reducer, v, leaf.scale),
      labels,
    });
  }
}
