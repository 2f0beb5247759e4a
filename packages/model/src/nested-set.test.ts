import { describe, expect, it } from 'vitest';
import { hexToBytes } from './ids.ts';
import { computeNestedSets } from './nested-set.ts';
import type { Span } from './span.ts';

function span(id: string, parent: string, start: number): Span {
  return {
    traceId: hexToBytes('01'.repeat(16))!, spanId: hexToBytes(id.padStart(16, '0'))!, parentSpanId: parent ? hexToBytes(parent.padStart(16, '0'))! : new Uint8Array(0),
    traceState: '', flags: 0, name: id, kind: 1, startTimeUnixNano: BigInt(start), endTimeUnixNano: BigInt(start + 1),
    attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

describe('computeNestedSets', () => {
  it('numbers a tree so that ancestry is a range test', () => {
    // a → (b → d, c), orphan e whose parent is missing
    const spans = [span('a', '', 0), span('c', 'a', 2), span('b', 'a', 1), span('d', 'b', 3), span('e', 'f', 4)];
    const ns = computeNestedSets(spans);
    const [a, c, b, d, e] = ns;
    expect(a).toEqual({ left: 1, right: 8, parent: -1 });
    expect(b).toEqual({ left: 2, right: 5, parent: 1 });
    expect(d).toEqual({ left: 3, right: 4, parent: 2 });
    expect(c).toEqual({ left: 6, right: 7, parent: 1 });
    expect(e).toEqual({ left: 0, right: 0, parent: 0 });
    expect(a.left < d.left && d.right < a.right).toBe(true);
    expect(c.left < d.left && d.right < c.right).toBe(false);
  });
});
