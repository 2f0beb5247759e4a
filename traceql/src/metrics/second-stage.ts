// Everything after the metrics functions, on whole time series, with Tempo's semantics:
// - topk(n) / bottomk(n) pick the n highest (lowest) series at each timestamp; a series keeps
//   only the values at which it was picked (with ties broken by labels). With n or fewer series
//   the input passes unchanged.
// - a filter (`> 10`) removes the values that fail it; series left empty are dropped.
// - arithmetic between two series sets matches series by labels (ignoring `__name__`); a set
//   with one unlabelled series is applied to every series of the other; x / 0 is NaN. With a
//   number, every value is combined with it.
import type { MetricsExpr, MetricsPipeline, ScalarConst } from '../ast.ts';
import { TqlUnsupportedError } from '../errors.ts';
import { foldConst } from '../typecheck.ts';
import type { MetricsLabel } from './exemplars.ts';
import { valueKey } from './leaf-state.ts';
import type { MetricsExemplar, MetricsSeries } from './result.ts';

type Op = '+' | '-' | '*' | '/';

function applyOp(op: Op, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? NaN : a / b;
  }
}

/** A constant's value as a number (durations in seconds, as metrics values are). */
export function constNumber(c: ScalarConst): number {
  const v = foldConst(c);
  switch (v.type) {
    case 'int':
      return Number(v.value);
    case 'float':
      return v.value;
    case 'duration':
      return Number(v.value) / 1e9;
    default:
      throw TqlUnsupportedError(`expected a number in a metrics expression, found ${v.type}`);
  }
}

/** Key of a series' labels for matching: every label but `__name__`, in order. */
export function labelsKey(labels: readonly MetricsLabel[]): string {
  return labels
    .filter((l) => l.key !== '__name__')
    .map((l) => `${l.key}\u0000${valueKey(l.value)}`)
    .join('\u0001');
}

function compareOp(op: string, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '=':
      return a === b;
    default:
      return a !== b;
  }
}

function filter(input: readonly MetricsSeries[], op: string, limit: number): MetricsSeries[] {
  const out: MetricsSeries[] = [];
  for (const s of input) {
    const values = s.values.map((v) => (Number.isNaN(v) || !compareOp(op, v, limit) ? NaN : v));
    if (!values.some((v) => !Number.isNaN(v))) continue;
    out.push({ labels: s.labels, values, exemplars: s.exemplars.filter((e) => !Number.isNaN(e.value) && compareOp(op, e.value, limit)) });
  }
  return out;
}

function topk(input: readonly MetricsSeries[], k: number, top: boolean): MetricsSeries[] {
  if (input.length <= k) return [...input];
  const keys = input.map((s) => labelsKey(s.labels));
  const length = input.reduce((m, s) => Math.max(m, s.values.length), 0);
  const picked = new Map<number, Float64Array>();
  for (let i = 0; i < length; i++) {
    const candidates: number[] = [];
    input.forEach((s, j) => {
      if (i < s.values.length && !Number.isNaN(s.values[i])) candidates.push(j);
    });
    candidates.sort((a, b) => {
      const d = top ? input[b].values[i] - input[a].values[i] : input[a].values[i] - input[b].values[i];
      return d !== 0 ? d : keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0;
    });
    for (const j of candidates.slice(0, k)) {
      let values = picked.get(j);
      if (!values) picked.set(j, (values = new Float64Array(length).fill(NaN)));
      values[i] = input[j].values[i];
    }
  }
  return [...picked].sort((a, b) => a[0] - b[0]).map(([j, values]) => ({ labels: input[j].labels, values, exemplars: input[j].exemplars }));
}

function scalarOp(input: readonly MetricsSeries[], op: Op, c: number, constOnLeft: boolean): MetricsSeries[] {
  const f = (v: number) => (constOnLeft ? applyOp(op, c, v) : applyOp(op, v, c));
  return input.map((s) => ({ labels: s.labels, values: s.values.map(f), exemplars: s.exemplars.map((e): MetricsExemplar => ({ ...e, value: f(e.value) })) }));
}

function mergeLabels(op: Op, l: readonly MetricsLabel[], r: readonly MetricsLabel[]): MetricsLabel[] {
  const out = [...l];
  for (const label of r) if (label.key !== '__name__' && !l.some((x) => x.key === label.key)) out.push(label);
  const ln = l.find((x) => x.key === '__name__');
  const rn = r.find((x) => x.key === '__name__');
  const i = out.findIndex((x) => x.key === '__name__');
  if (i >= 0) {
    if (ln?.value.type === 'string' && rn?.value.type === 'string') out[i] = { key: '__name__', value: { type: 'string', value: `(${ln.value.value} ${op} ${rn.value.value})` } };
    else out.splice(i, 1);
  }
  return out;
}

function seriesOp(op: Op, lhs: readonly MetricsSeries[], rhs: readonly MetricsSeries[]): MetricsSeries[] {
  const index = (set: readonly MetricsSeries[]) => new Map(set.map((s) => [labelsKey(s.labels), s]));
  const l = index(lhs);
  const r = index(rhs);
  // The side without an unlabelled series drives; the unlabelled one fans out to it.
  const target = r.has('') ? l : r;
  const out: MetricsSeries[] = [];
  for (const key of target.keys()) {
    const a = l.get(key) ?? l.get('');
    const b = r.get(key) ?? r.get('');
    if (!a || !b) continue;
    const n = Math.min(a.values.length, b.values.length);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = applyOp(op, a.values[i], b.values[i]);
    const aFan = !l.has(key);
    const bFan = !r.has(key);
    const exemplars = aFan === bFan ? [...a.exemplars, ...b.exemplars] : aFan ? b.exemplars : a.exemplars;
    out.push({ labels: mergeLabels(op, a.labels, b.labels), values, exemplars });
  }
  return out;
}

/** Evaluates a metrics expression given the series of each metrics pipeline. */
export function evaluateExpr(e: MetricsExpr, leaves: ReadonlyMap<MetricsPipeline, readonly MetricsSeries[]>): MetricsSeries[] {
  switch (e.kind) {
    case 'metricsPipeline':
      return [...(leaves.get(e) ?? [])];
    case 'metricsStage': {
      const input = evaluateExpr(e.input, leaves);
      const st = e.stage;
      if (st.kind === 'filter') return filter(input, st.op, constNumber(st.value));
      return topk(input, st.limit, st.kind === 'topk');
    }
    case 'metricsBinary': {
      const isConst = (x: MetricsExpr | ScalarConst): x is ScalarConst => x.kind === 'literal' || x.kind === 'constBinary';
      if (isConst(e.lhs) && isConst(e.rhs)) throw TqlUnsupportedError('a metrics expression needs at least one metrics query');
      if (isConst(e.lhs)) return scalarOp(evaluateExpr(e.rhs as MetricsExpr, leaves), e.op, constNumber(e.lhs), true);
      if (isConst(e.rhs)) return scalarOp(evaluateExpr(e.lhs, leaves), e.op, constNumber(e.rhs), false);
      return seriesOp(e.op, evaluateExpr(e.lhs, leaves), evaluateExpr(e.rhs, leaves));
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}
