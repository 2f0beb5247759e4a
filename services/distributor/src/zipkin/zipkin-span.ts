// The Zipkin v2 span model as both wire formats (JSON and proto3) decode to it, before it is
// translated to the span model. Ids are already padded bytes; times stay in microseconds.

/** Zipkin's span kinds (absent means a local span). */
export type ZipkinKind = 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';

/** The network context of one side of a span. */
export interface ZipkinEndpoint {
  /** Service name; empty when absent. */
  serviceName: string;
  /** IPv4 text; empty when absent. */
  ipv4: string;
  /** IPv6 text; empty when absent. */
  ipv6: string;
  /** Port; 0 when absent. */
  port: number;
}

/** A timed annotation. */
export interface ZipkinAnnotation {
  /** Epoch microseconds. */
  timestamp: bigint;
  value: string;
}

/** One decoded Zipkin span. */
export interface ZipkinSpan {
  /** 16 bytes (a 64-bit id is left-padded with zeros). */
  traceId: Uint8Array;
  /** 8 bytes. */
  id: Uint8Array;
  /** 8 bytes, or undefined for a root span. */
  parentId: Uint8Array | undefined;
  kind: ZipkinKind | undefined;
  /** Span name; empty when absent. */
  name: string;
  /** Epoch microseconds; undefined when absent. */
  timestamp: bigint | undefined;
  /** Microseconds; 0 when absent. */
  duration: bigint;
  localEndpoint: ZipkinEndpoint | undefined;
  remoteEndpoint: ZipkinEndpoint | undefined;
  annotations: ZipkinAnnotation[];
  /** Tags in the order they came. */
  tags: [string, string][];
  debug: boolean;
  /** True when the span shares its id with the client span of another host. */
  shared: boolean;
}

export const ZIPKIN_KINDS: readonly ZipkinKind[] = ['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];
