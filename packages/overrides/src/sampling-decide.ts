// Tail-sampling decisions over whole traces. The rules are evaluated by the TraceQL engine over a
// batch of traces held in memory (as retention rules are at compaction), so "matches" means
// exactly what a search for the rule would return; the shares are consistent-probability
// thresholds on the trace's randomness. A trace that an upstream sampler already thinned (a
// `th` in the `ot` tracestate entry of its root span, else of any span) keeps that threshold when
// ours is lower, so the recorded threshold is always the stage that kept fewest.
import type { SpanRecord } from '@spanbase/model';
import { keptAt, randomnessOf, thresholdInTraceState, thresholdOf, traceIdToSearchHex } from '@spanbase/model';
import { MemoryFetcher, executeSearch, indexTrace } from '@spanbase/traceql';
import type { IndexedTrace } from '@spanbase/traceql';
import type { SamplingPolicy, SamplingRule } from './sampling-policy.ts';

/** One trace's sampling decision. */
export interface SamplingDecision {
  /** Written to blocks. */
  keep: boolean;
  /** The rule that decided (as written), or `default` for the default ratio. */
  rule: string;
  /** The trace's rejection threshold once kept (0: nothing sampled away); its adjusted count is 2^56 / (2^56 - threshold). */
  threshold: bigint;
}

/** The rule name of decisions made by the default ratio. */
export const DEFAULT_RULE = 'default';

async function matching(rule: SamplingRule, traces: readonly IndexedTrace[]): Promise<Set<string>> {
  const r = await executeSearch(rule.query, new MemoryFetcher(traces), { limit: 0, spansPerSpanset: 1 });
  return new Set(r.traces.map((t) => t.traceId));
}

/** The trace's consistent-sampling randomness (its tracestate's `rv`, else its id's last 7 bytes). */
export function traceRandomness(trace: readonly SpanRecord[]): bigint {
  return randomnessOf(trace[0].span.traceId, traceStateOf(trace));
}

/** The tracestate that carries the trace's upstream sampling: its root span's, else the first with an `ot` entry. */
function traceStateOf(trace: readonly SpanRecord[]): string {
  const root = trace.find((r) => r.span.parentSpanId.length === 0 || r.span.parentSpanId.every((b) => b === 0));
  if (root && root.span.traceState !== '') return root.span.traceState;
  return trace.find((r) => r.span.traceState.includes('ot='))?.span.traceState ?? '';
}

/**
 * The decision of one trace from the rules it matched. Pure in the trace id, the tracestate and
 * the matches, which is what makes decisions agree across ingesters and restarts.
 */
export function decideTrace(policy: SamplingPolicy, traceId: Uint8Array, traceState: string, matchedKeep: readonly SamplingRule[], matchedDrop: SamplingRule | undefined): SamplingDecision {
  const upstream = thresholdInTraceState(traceState) ?? 0n;
  if (matchedDrop) return { keep: false, rule: matchedDrop.text, threshold: upstream };
  const r = randomnessOf(traceId, traceState);
  let rule = DEFAULT_RULE;
  let ratio = policy.defaultRatio;
  if (matchedKeep.length > 0) {
    const best = matchedKeep.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    rule = best.text;
    ratio = best.ratio;
  }
  const ours = thresholdOf(ratio);
  return { keep: keptAt(r, ours), rule, threshold: ours > upstream ? ours : upstream };
}

/** Decisions for a batch of whole traces (each a non-empty list of one trace's spans), in order. */
export async function decideTraces(policy: SamplingPolicy, traces: readonly (readonly SpanRecord[])[]): Promise<SamplingDecision[]> {
  const indexed = traces.map((t) => indexTrace(t));
  const dropHits = await Promise.all(policy.drop.map((r) => matching(r, indexed)));
  const keepHits = await Promise.all(policy.keep.map((r) => matching(r, indexed)));
  return traces.map((t) => {
    const idHex = traceIdToSearchHex(t[0].span.traceId);
    const d = dropHits.findIndex((s) => s.has(idHex));
    const keep = policy.keep.filter((_, i) => keepHits[i].has(idHex));
    return decideTrace(policy, t[0].span.traceId, traceStateOf(t), keep, d >= 0 ? policy.drop[d] : undefined);
  });
}
