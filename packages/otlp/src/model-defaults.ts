// Zero values of the model's messages, shared by the protobuf and JSON decoders so both start
// from the same defaults (proto3: an absent field is its zero value).
import type { AnyValue, Span, SpanStatus } from '@spanbase/model';

/** An empty id or byte string (zero length, so sharing it is safe). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
/** An AnyValue with no member set. */
export const EMPTY_VALUE: AnyValue = Object.freeze({ type: 'empty' });
/** An UNSET status without a message. */
export const EMPTY_STATUS: SpanStatus = Object.freeze({ code: 0, message: '' });

/** A span under construction. */
export type SpanDraft = { -readonly [K in keyof Span]: Span[K] };

/** A span with every field at its zero value, for a decoder to fill in. */
export function emptySpan(): SpanDraft {
  return {
    traceId: EMPTY_BYTES, spanId: EMPTY_BYTES, parentSpanId: EMPTY_BYTES, traceState: '', flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
    links: [], droppedLinksCount: 0, status: EMPTY_STATUS,
  };
}
