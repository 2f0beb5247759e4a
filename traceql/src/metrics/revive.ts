// Partials cross thread boundaries: a query worker evaluates a block and posts its partial back.
// Structured cloning keeps every field (Maps, typed arrays, bigints) but not class prototypes,
// so the receiving side re-attaches them before merging.
import { CompareState } from './compare.ts';
import type { MetricsPartial } from './engine.ts';
import { ExemplarPicker } from './exemplars.ts';
import { LeafState } from './leaf-state.ts';

/** Restores the classes of a partial that was structured-cloned (e.g. posted from a worker). */
export function revivePartial(p: MetricsPartial): MetricsPartial {
  for (const s of p.states as object[]) {
    if (s instanceof LeafState || s instanceof CompareState) continue;
    if ('series' in s) {
      Object.setPrototypeOf(s, LeafState.prototype);
      Object.setPrototypeOf((s as LeafState).exemplars, ExemplarPicker.prototype);
    } else {
      Object.setPrototypeOf(s, CompareState.prototype);
    }
  }
  return p;
}
