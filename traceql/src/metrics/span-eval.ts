// The spanset path: any metrics pipeline, evaluated by the search evaluator trace by trace; the
// spans it matches are then counted like rows of the column path. Used when the first stage is
// more than a conjunction of conditions (structural operators, by(), aggregates, ||, …), for
// compare(), and for storage without the column path.
import { ENGINE_INTRINSICS } from '../conditions.ts';
import type { EvalSpan, TraceEvaluator } from '../evaluate.ts';
import { compilePipeline } from '../evaluate.ts';
import type { Static } from '../static.ts';
import type { FetchedSpan, FetchedSpanset, FieldRef, SpansetFetcher } from '../storage.ts';
import { fieldKey } from '../storage.ts';
import { bytesToHex, traceIdToSearchHex } from '@spanbase/model';
import type { CompareState } from './compare.ts';
import type { MetricsLabel } from './exemplars.ts';
import type { LeafState, Reducer } from './leaf-state.ts';
import { groupKey } from './leaf-state.ts';
import { addend, exemplarValue, fieldName, numberOf } from './measure.ts';
import type { LeafPlan } from './plan.ts';
import { inSample, traceStateWeight } from './sampling.ts';
import type { TimeGrid } from './time-grid.ts';
import { intervalOf } from './time-grid.ts';

/** Reads one field of a matched span. */
export type FieldReader = (s: FetchedSpan, t: FetchedSpanset) => Static | undefined;

function str(v: string | undefined): Static | undefined {
  return v === undefined ? undefined : { type: 'string', value: v };
}

/** A reader for `f`: engine-read intrinsics from the span and spanset, the rest from the request's columns. */
export function fieldReader(f: FieldRef, columns: readonly FieldRef[]): FieldReader {
  if (f.kind === 'intrinsic' && ENGINE_INTRINSICS.has(f.name)) {
    switch (f.name) {
      case 'duration':
        return (s) => ({ type: 'duration', value: s.durationNanos });
      case 'span:id':
        return (s) => str(bytesToHex(s.spanId));
      case 'nestedSetLeft':
        return (s) => ({ type: 'int', value: BigInt(s.nestedSetLeft) });
      case 'nestedSetRight':
        return (s) => ({ type: 'int', value: BigInt(s.nestedSetRight) });
      case 'nestedSetParent':
        return (s) => ({ type: 'int', value: BigInt(s.nestedSetParent) });
      case 'traceDuration':
        return (_s, t) => ({ type: 'duration', value: t.durationNanos });
      case 'rootName':
        return (_s, t) => str(t.rootSpanName);
      case 'rootServiceName':
        return (_s, t) => str(t.rootServiceName);
      default:
        return (_s, t) => str(traceIdToSearchHex(t.traceId));
    }
  }
  const i = columns.findIndex((c) => fieldKey(c) === fieldKey(f));
  if (i < 0) throw new Error(`field ${fieldKey(f)} is not among the fetched columns`);
  return (s) => s.value(i);
}

/** The distinct spans the pipeline matched in one trace, in trace order. */
function matchedSpans(evaluate: TraceEvaluator, trace: FetchedSpanset): EvalSpan[] {
  const sets = evaluate(trace);
  if (sets.length === 1) return sets[0].spans as EvalSpan[];
  const seen = new Set<EvalSpan>();
  for (const ss of sets) for (const s of ss.spans) seen.add(s);
  return [...seen].sort((a, b) => a.index - b.index);
}

/** Something matched spans are handed to. */
type Observer = (span: FetchedSpan, trace: FetchedSpanset, iv: number, weight: number, pickExemplar: boolean) => boolean;

/** Fetches, evaluates and hands every matched span in the grid to `observe`. */
async function forEachMatch(leaf: LeafPlan, grid: TimeGrid, fetcher: SpansetFetcher, observe: Observer, signal?: AbortSignal): Promise<void> {
  const request = leaf.spans.request;
  const evaluate = compilePipeline(leaf.node.pipeline, request.columns);
  const sampling = leaf.sampling;
  const weight = sampling ? 1 / sampling.fraction : 1;
  const readState = leaf.weightBy ? fieldReader(leaf.weightBy, request.columns) : undefined;
  for await (const trace of fetcher.fetch(request, signal)) {
    signal?.throwIfAborted();
    if (sampling?.unit === 'trace' && !inSample(trace.traceId, sampling.fraction)) continue;
    let exemplarPicked = false;
    for (const m of matchedSpans(evaluate, trace)) {
      const span = m.span;
      const iv = intervalOf(grid, span.startTimeUnixNano);
      if (iv < 0) continue;
      if (sampling?.unit === 'span' && !inSample(span.spanId, sampling.fraction)) continue;
      let w = weight;
      if (readState) {
        const state = readState(span, trace);
        if (state?.type === 'string') w *= traceStateWeight(state.value);
      }
      if (observe(span, trace, iv, w, !exemplarPicked)) exemplarPicked = true;
    }
  }
}

/** Evaluates a leaf through the spanset path into `state`. */
export async function evaluateSpans(leaf: LeafPlan, grid: TimeGrid, fetcher: SpansetFetcher, state: LeafState, signal?: AbortSignal): Promise<void> {
  const columns = leaf.spans.request.columns;
  const by = leaf.by.map((f) => fieldReader(f, columns));
  const measured = leaf.measured ? fieldReader(leaf.measured, columns) : undefined;
  const reducer = leaf.reducer as Reducer;
  const named = [...leaf.by, ...(leaf.measured ? [leaf.measured] : [])].map((f, i) => ({ name: fieldName(f), read: i < by.length ? by[i] : measured! }));
  await forEachMatch(leaf, grid, fetcher, (span, trace, iv, weight, pickExemplar) => {
    const value = measured?.(span, trace);
    const v = numberOf(value);
    const x = addend(reducer, v, value?.type === 'float');
    if (Number.isNaN(x)) return false;
    const group = by.map((read) => read(span, trace));
    const s = state.seriesFor(groupKey(group), group);
    if (!s) return false;
    state.add(s, iv, x, weight);
    if (!pickExemplar || leaf.exemplars === 0) return false;
    const ms = Number(span.startTimeUnixNano / 1_000_000n);
    if (!state.exemplars.wants(ms)) return false;
    const traceHex = traceIdToSearchHex(trace.traceId);
    const labels: MetricsLabel[] = [
      { key: 'trace:id', value: { type: 'string', value: traceHex } },
      { key: 'span:id', value: { type: 'string', value: bytesToHex(span.spanId) } },
    ];
    for (const f of named) {
      const fv = f.read(span, trace);
      if (fv !== undefined) labels.push({ key: f.name, value: fv });
    }
    const bucket = reducer === 'histogram' ? x : undefined;
    return state.exemplars.offer(traceHex, { seriesKey: s.key, bucket, interval: iv, timestampMs: ms, value: exemplarValue(reducer, v, leaf.scale), labels });
  }, signal);
}

/** Evaluates a compare() leaf: every matched span counts, per attribute value, as baseline or selection. */
export async function evaluateCompare(leaf: LeafPlan, grid: TimeGrid, fetcher: SpansetFetcher, state: CompareState, signal?: AbortSignal): Promise<void> {
  const c = leaf.fn.compare!;
  const request = leaf.spans.request;
  const selection = compilePipeline({ kind: 'pipeline', stages: [c.selection], pos: c.selection.pos }, request.columns);
  const intrinsics = (['name', 'status', 'kind', 'statusMessage', 'rootName', 'rootServiceName'] as const).map((name) => ({ name, read: fieldReader({ kind: 'intrinsic', name }, request.columns) }));
  let lastTrace: FetchedSpanset | undefined;
  let selected = new Set<FetchedSpan>();
  await forEachMatch(leaf, grid, fetcher, (span, trace, iv, weight) => {
    if (trace !== lastTrace) {
      // The selection filter runs once per trace, over the spans the pipeline fetched.
      lastTrace = trace;
      selected = new Set(selection(trace).flatMap((ss) => ss.spans.map((s) => s.span)));
    }
    const inWindow = c.start === 0n && c.end === 0n ? true : span.startTimeUnixNano > c.start && span.startTimeUnixNano <= c.end;
    const side = inWindow && selected.has(span) ? 1 : 0;
    state.spans++;
    for (const { name, read } of intrinsics) {
      const v = read(span, trace);
      if (v !== undefined && !(name === 'statusMessage' && v.type === 'string' && v.value === '')) state.add(side, name, v, iv, weight);
    }
    for (const [f, v] of span.attributes?.() ?? []) state.add(side, fieldName(f), v, iv, weight);
    return false;
  }, signal);
}
