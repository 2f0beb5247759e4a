// Random TraceQL for differential tests: a seeded generator of filters, spanset and structural
// operators and pipeline stages over a small attribute vocabulary (`.a`, `.b`, `.c`), so a
// pruning fetcher, a block fetcher or the whole HTTP path can be checked against the reference
// evaluator on the same queries. Exported as `@spanbase/traceql/testing`; not for production use.
import { av } from '@spanbase/model';
import type { KeyValue } from '@spanbase/model';

/** A seeded PRNG (mulberry32): the same seed gives the same sequence everywhere. */
export function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of `xs`, chosen by `r`. */
export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** Field conditions over the vocabulary `.a .b .c`, the intrinsics, events and arithmetic. */
export const FIELD_ATOMS: readonly string[] = [
  '.a = 1', '.a != 1', 'span.b = "x"', 'resource.b != "y"', '.c > 2', '.c <= 1.5', '.a =~ "x|y"', '.b !~ "z"', '.b = nil', '.a != nil',
  'status = error', 'kind = server', 'duration > 5ms', 'name = "n1"', 'event:name = "e1"', 'event.a = 1', '.a', 'resource.c = true',
  '.a + 1 = 3', '.c * 2 > 3', 'resource.service.name = "s2"', 'span:childCount > 0', 'nestedSetParent = -1', '.a = .c', 'true', 'false',
];

/** Every spanset operator. */
export const SPANSET_OPS: readonly string[] = ['&&', '||', '>', '>>', '<', '<<', '~', '&>', '&>>', '&<', '&<<', '&~', '!>', '!>>', '!<', '!<<', '!~'];

/** Pipeline stages: aggregates, by(), select(), coalesce(), filters. */
export const PIPELINE_STAGES: readonly string[] = ['count() > 1', 'by(.a)', 'avg(duration) > 3ms', '{ status != ok }', 'coalesce()', 'select(.b)', 'max(.c) >= 2', '{ .a }'];

/** A random field expression: atoms joined by `&&`/`||`, sometimes negated, up to depth 3. */
export function randomFieldExpr(r: () => number, atoms: readonly string[] = FIELD_ATOMS, depth = 0): string {
  const roll = r();
  if (depth > 2 || roll < 0.45) return pick(r, atoms);
  if (roll < 0.6) return `!(${randomFieldExpr(r, atoms, depth + 1)})`;
  return `(${randomFieldExpr(r, atoms, depth + 1)} ${pick(r, ['&&', '||'])} ${randomFieldExpr(r, atoms, depth + 1)})`;
}

/** A random query: filters joined by spanset operators, then zero or more pipeline stages. */
export function randomQuery(r: () => number, atoms: readonly string[] = FIELD_ATOMS, stages: readonly string[] = PIPELINE_STAGES): string {
  const filter = () => `{ ${randomFieldExpr(r, atoms)} }`;
  let q = filter();
  if (r() < 0.5) q = `${q} ${pick(r, SPANSET_OPS)} ${filter()}`;
  if (r() < 0.2) q = `(${q}) ${pick(r, SPANSET_OPS)} ${filter()}`;
  while (r() < 0.4) q += ` | ${pick(r, stages)}`;
  return q;
}

/** A random attribute value over the vocabulary the atoms test: ints, doubles, strings, bools, arrays. */
export function randomAttributeValue(r: () => number): KeyValue['value'] {
  switch (Math.floor(r() * 5)) {
    case 0:
      return av.int(Math.floor(r() * 5));
    case 1:
      return av.double(Math.floor(r() * 8) / 2);
    case 2:
      return av.string(pick(r, ['x', 'y', 'z']));
    case 3:
      return av.bool(r() < 0.5);
    default:
      return av.array([av.string(pick(r, ['x', 'y'])), av.string(pick(r, ['y', 'z']))]);
  }
}

/** A random subset of the keys `a`, `b`, `c` with random values. */
export function randomAttributes(r: () => number, keys: readonly string[] = ['a', 'b', 'c']): KeyValue[] {
  return keys.filter(() => r() < 0.5).map((key) => ({ key, value: randomAttributeValue(r) }));
}
