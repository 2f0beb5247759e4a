// What a search answer costs to send, estimated from its parts: the bytes of Tempo's
// SearchResponse JSON a trace becomes (ids, names, times, spansets, spans and their attributes;
// the first spanset counts twice, since the JSON repeats it under the deprecated `spanSet`).
// Bounding the estimate while results are built keeps one search from building an answer of
// hundreds of megabytes; it is meant to be within a small factor of the real size, not exact.
import type { ResultAttribute, SearchResult, SpansetResult, TraceResult } from './engine.ts';
import type { Static } from './static.ts';

function valueBytes(v: Static): number {
  switch (v.type) {
    case 'string':
      return v.value.length + 20;
    case 'array':
      return 20 + v.value.reduce((n, x) => n + valueBytes(x), 0);
    default:
      return 28;
  }
}

function attributesBytes(list: readonly ResultAttribute[]): number {
  let n = 0;
  for (const a of list) n += 24 + a.key.length + valueBytes(a.value);
  return n;
}

/** Estimated JSON bytes of one trace of a search answer. */
export function traceResultBytes(t: TraceResult): number {
  let n = 150 + (t.rootServiceName?.length ?? 30) + (t.rootTraceName?.length ?? 0) + (t.packed?.jsonBytes ?? 0);
  const first = t.packed ? -1 : 0;
  t.spansets.forEach((ss, i) => {
    const set = spansetResultBytes(ss);
    n += i === first ? 2 * set : set;
  });
  return n;
}

/** Estimated JSON bytes of one spanset of a search answer. */
export function spansetResultBytes(ss: SpansetResult): number {
  let n = 40 + attributesBytes(ss.attributes);
  for (const s of ss.spans) n += 100 + (s.name?.length ?? 0) + attributesBytes(s.attributes);
  return n;
}

/** Estimated JSON bytes of a search answer. */
export function searchResultBytes(r: SearchResult): number {
  let n = 200;
  for (const t of r.traces) n += traceResultBytes(t);
  return n;
}
