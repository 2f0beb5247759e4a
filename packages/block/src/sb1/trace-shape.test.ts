import type { Span } from '@spanbase/model';
import { computeNestedSets } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { Rng } from '../testing/random.ts';
import { nestedSets, traceIdsOf } from './trace-shape.ts';

function span(id: Uint8Array, parent: Uint8Array, start: bigint): Span {
  return {
    traceId: new Uint8Array(16).fill(1), spanId: id, parentSpanId: parent, traceState: '', flags: 0, name: '', kind: 0, startTimeUnixNano: start, endTimeUnixNano: start,
    attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

/** A random forest with the awkward cases: missing and all-zero parents, repeated ids, self parents, cycles. */
function randomTrace(rng: Rng, n: number, sameLowBits: boolean): Span[] {
  const ids = Array.from({ length: n }, (_, i) => {
    const id = rng.bytes(8);
    if (sameLowBits && i % 3 === 0) id.set([9, 9, 9, 9], 4);
    return id;
  });
  if (n > 4) ids[n - 1] = ids[1]; // a repeated span id
  const spans = ids.map((id, i) => {
    const r = rng.next();
    let parent: Uint8Array;
    if (i === 0 || r < 0.05) parent = new Uint8Array(0);
    else if (r < 0.08) parent = new Uint8Array(8);
    else if (r < 0.12) parent = rng.bytes(8);
    else if (r < 0.14) parent = id;
    else parent = ids[rng.int(n)];
    return span(id, parent, BigInt(rng.int(5)));
  });
  // Sorted as the writer sorts: start time, then span id.
  return spans.sort((a, b) => (a.startTimeUnixNano !== b.startTimeUnixNano ? (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1) : Buffer.compare(a.spanId, b.spanId)));
}

describe('nested sets as the writer computes them', () => {
  it('number exactly as computeNestedSets does, for small and large traces', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 300; t++) {
      const n = 1 + rng.int(t % 3 === 0 ? 200 : 30);
      const spans = randomTrace(rng, n, t % 5 === 0);
      const got = nestedSets(traceIdsOf(spans));
      const want = computeNestedSets(spans);
      expect([...got.left], `trace ${t}`).toEqual(want.map((s) => s.left));
      expect([...got.right]).toEqual(want.map((s) => s.right));
      expect([...got.parent]).toEqual(want.map((s) => s.parent));
    }
  });
});
