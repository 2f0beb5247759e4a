// Parsed queries by their text, shared within a thread. One search is parsed again for every job
// it becomes (the in-process querier's handler per group of blocks, each query worker, the
// live-query worker), and a dashboard sends the same queries on every refresh. A parse allocates
// about 130 KB (the parser's recognizer state): in a query storm, parsing was about 6% of what the
// main thread allocated. An AST is never changed once built, so one can serve every job.
import { parseOrThrow } from './parse.ts';
import type { Query } from './ast.ts';

/** Queries kept per thread. */
const MAX_QUERIES = 256;
/** Longer texts are parsed every time (they would hold much memory for a rare repeat). */
const MAX_TEXT = 16 * 1024;

const cache = new Map<string, Query>();

/**
 * parseOrThrow, answered from a small per-thread LRU for texts seen before. Only queries that
 * parse are kept: an invalid one is parsed (and fails) every time.
 */
export function parseCached(text: string): Query {
  const hit = cache.get(text);
  if (hit) {
    // Most recently used last, so the first key is the one to evict.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const q = parseOrThrow(text);
  if (text.length > MAX_TEXT) return q;
  if (cache.size >= MAX_QUERIES) cache.delete(cache.keys().next().value!);
  cache.set(text, q);
  return q;
}
