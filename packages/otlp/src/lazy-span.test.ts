// A lazily decoded span reads as the eagerly decoded one, field for field, and decodes its
// attributes, events and links only when one of them is first read.
import { describe, expect, it } from 'vitest';
import type { Span } from '@spanbase/model';
import { scanExportRequest } from './scan.ts';
import { LazySpanDecoder } from './lazy-span.ts';
import { MessageDecoder } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { makeTracesData } from './test-data.ts';

/** Every field of a span as a plain object (a lazy span's repeated fields are accessors). */
function plain(s: Span): Record<string, unknown> {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, traceState: s.traceState, flags: s.flags, name: s.name, kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano, endTimeUnixNano: s.endTimeUnixNano, attributes: s.attributes, droppedAttributesCount: s.droppedAttributesCount,
    events: s.events, droppedEventsCount: s.droppedEventsCount, links: s.links, droppedLinksCount: s.droppedLinksCount, status: s.status,
  };
}

describe('LazySpanDecoder', () => {
  const scan = scanExportRequest(encodeTracesData(makeTracesData()));
  const eager = new MessageDecoder(scan.bytes);
  const lazy = new LazySpanDecoder(scan.bytes);

  it('reads every field as the eager decoder does', () => {
    expect(scan.spanCount).toBeGreaterThan(1);
    let withParts = 0;
    for (let i = 0; i < scan.spanCount; i++) {
      const want = eager.span(scan.spanOffset[i], scan.spanLength[i]);
      expect(plain(lazy.span(scan.spanOffset[i], scan.spanLength[i]))).toEqual(plain(want));
      if (want.attributes.length > 0 && want.events.length > 0 && want.links.length > 0) withParts++;
    }
    expect(withParts).toBeGreaterThan(0);
  });

  it('decodes the repeated fields once, when first read', () => {
    const s = lazy.span(scan.spanOffset[0], scan.spanLength[0]);
    const parts = () => (s as unknown as { parts: unknown }).parts;
    expect(s.name).not.toBe('');
    expect(parts()).toBeUndefined();
    const attributes = s.attributes;
    expect(parts()).toBeDefined();
    expect(s.attributes).toBe(attributes);
    expect(s.events).toBe(s.events);
  });
});
