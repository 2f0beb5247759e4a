// The sampling decisions an ingester remembers, so spans that arrive after their trace was
// decided follow the decision (kept with the same threshold, or dropped) instead of being judged
// on their own. Bounded: past its size the oldest decisions are forgotten, and a late span of a
// forgotten trace is decided again by the rules and its trace id (the ratio part of that decision
// is the same as before; a rule part sees only the late spans). decision-log.ts keeps it across
// restarts.
import type { EarlierDecision } from './sample-batch.ts';

/** Decisions by tenant and trace id, oldest forgotten first. */
export class DecisionCache {
  private readonly max: number;
  private readonly map = new Map<string, EarlierDecision>();

  constructor(maxEntries: number) {
    this.max = Math.max(1, maxEntries);
  }

  private static key(tenant: string, traceIdHex: string): string {
    return `${tenant}\u0000${traceIdHex}`;
  }

  /** The decision made for a trace, if still remembered. */
  get(tenant: string, traceIdHex: string): EarlierDecision | undefined {
    return this.map.get(DecisionCache.key(tenant, traceIdHex));
  }

  /** Remembers a decision (a newer one for the same trace replaces it and counts as newest). */
  set(tenant: string, traceIdHex: string, d: EarlierDecision): void {
    const key = DecisionCache.key(tenant, traceIdHex);
    this.map.delete(key);
    this.map.set(key, d);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  /** Every remembered decision, oldest first, as (tenant, trace id hex, decision). */
  *entries(): IterableIterator<[string, string, EarlierDecision]> {
    for (const [key, d] of this.map) {
      const at = key.indexOf('\u0000');
      yield [key.slice(0, at), key.slice(at + 1), d];
    }
  }

  /** Decisions remembered. */
  get size(): number {
    return this.map.size;
  }
}
