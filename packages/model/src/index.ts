export type {
  AnyValue,
  AnyValueType,
  KeyValue,
  Resource,
  Scope,
  SpanEvent,
  SpanLink,
  SpanStatus,
  Span,
  ScopeSpans,
  ResourceSpans,
  TracesData,
} from './span.ts';
export { SpanKind, StatusCode } from './span.ts';
export {
  TRACE_ID_BYTES,
  SPAN_ID_BYTES,
  bytesToHex,
  idKey,
  hexToBytes,
  isAllZero,
  parseTraceIdParam,
  traceIdToSearchHex,
  compareIds,
  idsEqual,
} from './ids.ts';
export { findAttribute, serviceNameOf, av, anyValueEquals } from './attributes.ts';
export type { SpanRecord } from './trace.ts';
export { flattenTracesData, groupSpanRecords, spanIdentity, dedupeSpanRecords } from './trace.ts';
export type { NestedSet } from './nested-set.ts';
export { computeNestedSets } from './nested-set.ts';
export type { ErrorFactory, ErrorOptions } from './errors.ts';
export { SpanbaseError, createError, isSpanbaseError } from './errors.ts';
export { crc32c } from './crc32c.ts';
export { faultPoint, faultSpin } from './fault.ts';
export { MAX_THRESHOLD, thresholdOf, probabilityOf, adjustedCountOf, thresholdInTraceState, formatThreshold, randomnessOf, keptAt, withThreshold } from './consistent-sampling.ts';
