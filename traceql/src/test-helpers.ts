// Helpers shared by tests.

/** A deep copy without `pos` and `opPos`, to compare ASTs ignoring positions. */
export function withoutPositions(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutPositions);
  if (x !== null && typeof x === 'object' && !(x instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'pos' && k !== 'opPos') out[k] = withoutPositions(v);
    return out;
  }
  return x;
}
