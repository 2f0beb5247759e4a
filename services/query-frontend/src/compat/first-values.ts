// Query strings as Fastify parses them hold a list where a parameter repeats; the parameter
// readers shared with the Spanbase routes take one value each: the first, as Jaeger and Zipkin do.

/** Each parameter's first value. */
export function firstValues(q: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}
