// Which traces a retention rewrite keeps. A trace's retention is the longest age among the rules
// it matches, or the default when it matches none; a rewrite at tier T keeps the traces whose
// retention is longer than T, whole. Rules are evaluated by the TraceQL engine over a batch of
// traces held in memory, so "matches" means exactly what a search for the rule would return. A
// rule with a share matches only that share of the traces its query matches, chosen by trace id
// as tail sampling chooses (so the traces a 1% rule keeps are among those a 5% rule keeps, and
// a trace tail sampling kept at 10% is kept by any share of 10% or more).
import type { SpanRecord } from '@spanbase/model';
import { keptAt, thresholdOf, traceIdToSearchHex } from '@spanbase/model';
import { MemoryFetcher, executeSearch } from '@spanbase/traceql';
import type { TraceFilter } from './merge.ts';
import type { RetentionPolicy, RetentionRule } from '@spanbase/overrides';
import { traceRandomness } from '@spanbase/overrides';

/** Why a trace is kept or dropped at a tier. */
export interface TraceVerdict {
  /** Kept by the rewrite. */
  keep: boolean;
  /** The rule that decides (its text), or `default`. */
  reason: string;
}

async function matching(rule: RetentionRule, fetcher: MemoryFetcher, randomness: ReadonlyMap<string, bigint>): Promise<Set<string>> {
  const r = await executeSearch(rule.query, fetcher, { limit: 0, spansPerSpanset: 1 });
  const ids = r.traces.map((t) => t.traceId);
  if (rule.share >= 1) return new Set(ids);
  const threshold = thresholdOf(rule.share);
  return new Set(ids.filter((id) => keptAt(randomness.get(id) ?? 0n, threshold)));
}

/**
 * Verdicts for a batch of traces at `tierMs` (see the file comment for the semantics). With
 * `explain`, every rule is evaluated so a dropped trace names the rule whose time ran out.
 */
export async function judgeTraces(policy: RetentionPolicy, tierMs: number, traces: readonly (readonly SpanRecord[])[], explain = false): Promise<TraceVerdict[]> {
  const long = policy.rules.filter((r) => r.ageMs > tierMs).sort((a, b) => b.ageMs - a.ageMs);
  // Short rules only decide when the default would keep a trace they match.
  const short = policy.defaultMs > tierMs || explain ? policy.rules.filter((r) => r.ageMs <= tierMs).sort((a, b) => b.ageMs - a.ageMs) : [];
  const fetcher = new MemoryFetcher(traces);
  const randomness = new Map<string, bigint>();
  if (policy.rules.some((r) => r.share < 1)) for (const t of traces) randomness.set(traceIdToSearchHex(t[0].span.traceId), traceRandomness(t));
  const longHits = await Promise.all(long.map((r) => matching(r, fetcher, randomness)));
  const shortHits = await Promise.all(short.map((r) => matching(r, fetcher, randomness)));
  return traces.map((t) => {
    const id = traceIdToSearchHex(t[0].span.traceId);
    const l = longHits.findIndex((s) => s.has(id));
    if (l >= 0) return { keep: true, reason: long[l].text };
    const s = shortHits.findIndex((h) => h.has(id));
    if (s >= 0) return { keep: false, reason: short[s].text };
    return { keep: policy.defaultMs > tierMs, reason: 'default' };
  });
}

/** The merge filter of a rewrite at `tierMs`. */
export function retentionFilter(policy: RetentionPolicy, tierMs: number): TraceFilter {
  return async (traces) => (await judgeTraces(policy, tierMs, traces)).map((v) => v.keep);
}
