// The span model: what Spanbase stores and returns. It mirrors OTLP's trace data model field for
// field, so a span survives ingest, storage and trace-by-id without loss. 64-bit integers
// (timestamps, int attributes) are bigint because nanosecond times do not fit a double.

/** An OTLP AnyValue. `empty` is an AnyValue with no value set, which OTLP allows. */
export type AnyValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'array'; readonly value: readonly AnyValue[] }
  | { readonly type: 'kvlist'; readonly value: readonly KeyValue[] }
  | { readonly type: 'empty' };

/** The tag of an AnyValue. */
export type AnyValueType = AnyValue['type'];

/** One attribute. */
export interface KeyValue {
  /** Attribute name, e.g. `http.route`. */
  readonly key: string;
  /** Attribute value with its OTLP type. */
  readonly value: AnyValue;
}

/** The entity that produced spans (OTLP Resource). */
export interface Resource {
  /** Resource attributes, `service.name` among them. */
  readonly attributes: readonly KeyValue[];
  /** Attributes the producer dropped before sending. */
  readonly droppedAttributesCount: number;
}

/** The instrumentation library that produced spans (OTLP InstrumentationScope). */
export interface Scope {
  /** Library name; empty when not set. */
  readonly name: string;
  /** Library version; empty when not set. */
  readonly version: string;
  /** Scope attributes. */
  readonly attributes: readonly KeyValue[];
  /** Attributes the producer dropped before sending. */
  readonly droppedAttributesCount: number;
}

/** OTLP span kinds by number. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** OTLP status codes by number. */
export const StatusCode = {
  UNSET: 0,
  OK: 1,
  ERROR: 2,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** A timed annotation on a span. */
export interface SpanEvent {
  /** Event time, unix nanoseconds. */
  readonly timeUnixNano: bigint;
  /** Event name, e.g. `exception`. */
  readonly name: string;
  /** Event attributes. */
  readonly attributes: readonly KeyValue[];
  /** Attributes the producer dropped. */
  readonly droppedAttributesCount: number;
}

/** A pointer from a span to another span, possibly in another trace. */
export interface SpanLink {
  /** 16-byte trace id of the linked span. */
  readonly traceId: Uint8Array;
  /** 8-byte span id of the linked span. */
  readonly spanId: Uint8Array;
  /** W3C trace state of the link; empty when not set. */
  readonly traceState: string;
  /** Link attributes. */
  readonly attributes: readonly KeyValue[];
  /** Attributes the producer dropped. */
  readonly droppedAttributesCount: number;
  /** W3C trace flags of the link (OTLP `flags`, fixed32). */
  readonly flags: number;
}

/** A span's status. */
export interface SpanStatus {
  /** UNSET, OK or ERROR. */
  readonly code: StatusCode;
  /** Developer-facing message; empty when not set. */
  readonly message: string;
}

/** One span, exactly as OTLP carries it. */
export interface Span {
  /** 16 bytes, never all zero. */
  readonly traceId: Uint8Array;
  /** 8 bytes, never all zero. */
  readonly spanId: Uint8Array;
  /** 8 bytes, or empty for a root span. */
  readonly parentSpanId: Uint8Array;
  /** W3C trace state; empty when not set. */
  readonly traceState: string;
  /** W3C trace flags (OTLP `flags`, fixed32). */
  readonly flags: number;
  /** Operation name. */
  readonly name: string;
  /** Span kind number. */
  readonly kind: SpanKind;
  /** Start, unix nanoseconds. */
  readonly startTimeUnixNano: bigint;
  /** End, unix nanoseconds. */
  readonly endTimeUnixNano: bigint;
  /** Span attributes. */
  readonly attributes: readonly KeyValue[];
  /** Attributes the producer dropped. */
  readonly droppedAttributesCount: number;
  /** Timed events. */
  readonly events: readonly SpanEvent[];
  /** Events the producer dropped. */
  readonly droppedEventsCount: number;
  /** Links to other spans. */
  readonly links: readonly SpanLink[];
  /** Links the producer dropped. */
  readonly droppedLinksCount: number;
  /** Status code and message. */
  readonly status: SpanStatus;
}

/** Spans from one instrumentation scope. */
export interface ScopeSpans {
  /** The scope; undefined when the producer sent none. */
  readonly scope: Scope | undefined;
  /** The spans. */
  readonly spans: readonly Span[];
  /** Schema URL; empty when not set. */
  readonly schemaUrl: string;
}

/** Spans from one resource, grouped by scope. */
export interface ResourceSpans {
  /** The resource; undefined when the producer sent none. */
  readonly resource: Resource | undefined;
  /** Spans grouped by scope. */
  readonly scopeSpans: readonly ScopeSpans[];
  /** Schema URL; empty when not set. */
  readonly schemaUrl: string;
}

/** A batch of spans as OTLP's TracesData / ExportTraceServiceRequest carries it. */
export interface TracesData {
  /** Spans grouped by resource then scope. */
  readonly resourceSpans: readonly ResourceSpans[];
}
