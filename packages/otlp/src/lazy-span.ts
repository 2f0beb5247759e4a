// A span decoded in two steps: its scalar fields at once, its attributes, events and links (most
// of its bytes, and most of what decoding allocates) when first read. Queries over live data
// decode every span they look at, and many read no span attribute at all: rates and errors by
// service, durations, names, a series per span id. Only for reading on the thread that decoded
// it: the lazy fields are accessors, which a structured clone does not copy.
import type { KeyValue, Span, SpanEvent, SpanKind, SpanLink, SpanStatus } from '@spanbase/model';
import { EMPTY_BYTES, EMPTY_STATUS } from './model-defaults.ts';
import { decodeAt, spanFields, spanParts } from './proto-decode.ts';
import type { SpanParts } from './proto-decode.ts';
import { ProtoReader } from './proto-reader.ts';

class LazySpan implements Span {
  traceId = EMPTY_BYTES;
  spanId = EMPTY_BYTES;
  parentSpanId = EMPTY_BYTES;
  traceState = '';
  flags = 0;
  name = '';
  kind = 0 as SpanKind;
  startTimeUnixNano = 0n;
  endTimeUnixNano = 0n;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  status: SpanStatus = EMPTY_STATUS;
  private readonly bytes: Uint8Array;
  private readonly offset: number;
  private readonly length: number;
  private parts: SpanParts | undefined;

  constructor(bytes: Uint8Array, offset: number, length: number) {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
  }

  get attributes(): readonly KeyValue[] {
    return (this.parts ??= this.decodeParts()).attributes;
  }

  get events(): readonly SpanEvent[] {
    return (this.parts ??= this.decodeParts()).events;
  }

  get links(): readonly SpanLink[] {
    return (this.parts ??= this.decodeParts()).links;
  }

  private decodeParts(): SpanParts {
    const parts: SpanParts = { attributes: [], events: [], links: [] };
    decodeAt(new ProtoReader(this.bytes), this.offset, this.length, (r) => spanParts(r, parts));
    return parts;
  }
}

/** Spans of one buffer decoded lazily, with one reader (and its slab for ids) for them all. */
export class LazySpanDecoder {
  private readonly bytes: Uint8Array;
  private readonly r: ProtoReader;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.r = new ProtoReader(bytes);
  }

  /** The Span whose body is bytes[offset, offset + length), its repeated fields decoded when first read. */
  span(offset: number, length: number): Span {
    const s = new LazySpan(this.bytes, offset, length);
    decodeAt(this.r, offset, length, (r) => spanFields(r, s, undefined));
    return s;
  }
}
