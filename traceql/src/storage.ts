// The fetch contract between the TraceQL engine and storage. Storage (the block reader, the
// ingester's live traces, the in-memory fetcher) implements SpansetFetcher; the engine plans a
// FetchSpansRequest from a query, fetches spansets and evaluates the query on them.
//
// THE SUPERSET RULE. Storage may return more than the query matches: spans that fail a
// condition, conditions it cannot evaluate, whole row groups it cannot prune, traces outside the
// time range. It must never return less: every span that can contribute to a result (by the
// rules of `conditions` and `allConditions` below) must be in its trace's spanset. The engine
// always evaluates the full query again on what it gets, so extra spans cost time, never
// correctness. A storage layer that evaluates nothing (returns every span of every trace in
// range) is correct.
//
// Designed for a columnar reader: conditions name one field each, with literal operands, so they
// map to column predicates and row-group statistics; `columns` says exactly which fields to read;
// values are asked for by column index, never by name.
import type { AttributeScope, Intrinsic } from './ast.ts';
import type { Static } from './static.ts';

/** A field a span can have: an attribute in a scope, or an intrinsic. */
export type FieldRef =
  | {
      readonly kind: 'attribute';
      /** `none` is TraceQL's unscoped `.name`: the span attribute if the span has it, else the resource attribute. */
      readonly scope: AttributeScope;
      /** The attribute key. */
      readonly name: string;
    }
  | {
      readonly kind: 'intrinsic';
      /** Canonical intrinsic name, e.g. `status`, `event:name`. */
      readonly name: Intrinsic;
    }
  | {
      /**
       * Whether an event (link) of the span lacks an attribute: what `event.x = nil` tests.
       * Tempo compares event and link attributes per event (link), so a span without events
       * matches no `event.` test, `= nil` included; the values of the events that have the
       * attribute cannot tell whether another one lacks it, hence a field of its own.
       */
      readonly kind: 'missing';
      /** `event` or `link`. */
      readonly scope: 'event' | 'link';
      /** The attribute key. */
      readonly name: string;
    };

/** Comparison of a field with its operand, or a presence test. */
export type ConditionOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~' | 'exists' | 'notExists';

/**
 * One predicate on one field. It holds for a span when the span's value of `field` (see
 * FetchedSpan.value for what the value is) satisfies `op` against the operand, with TraceQL's
 * value rules: a missing value satisfies no comparison; values of different types never match
 * except numbers (int, float and duration compare as numbers); string order is byte order; `=~`
 * and `!~` are RE2 patterns anchored at both ends (compileRegex matches them in linear time);
 * an array value matches when any element does (for `!=` and `!~`: when every element does).
 * `conditionHolds()` in conditions.ts is the reference implementation.
 */
export interface Condition {
  /** The field tested. */
  readonly field: FieldRef;
  /** The test. */
  readonly op: ConditionOp;
  /** One literal for comparisons; empty for `exists` and `notExists`. */
  readonly operands: readonly Static[];
}

/** What the engine needs from storage for one query. */
export interface FetchSpansRequest {
  /** Only traces overlapping [start, end] (unix ns, inclusive) matter; 0n leaves that side open. */
  readonly startTimeUnixNano: bigint;
  /** See startTimeUnixNano. */
  readonly endTimeUnixNano: bigint;
  /**
   * Predicates that let storage drop spans. With `allConditions` a span matters only if every
   * condition holds for it; without, only if at least one holds. An empty list means every span
   * in range matters. A trace without any span that matters may be skipped whole.
   */
  readonly conditions: readonly Condition[];
  /** How `conditions` combine; see there. */
  readonly allConditions: boolean;
  /**
   * The fields every returned span must answer through FetchedSpan.value(i), in this order.
   * Fields the engine reads from FetchedSpan/FetchedSpanset properties (duration, span:id, the
   * nested-set numbers and the trace-level intrinsics) are never listed.
   */
  readonly columns: readonly FieldRef[];
  /**
   * True when the query needs the nested-set numbers (structural operators, or nested-set
   * intrinsics); when false they may be left 0.
   */
  readonly nestedSets: boolean;
  /**
   * Metrics' compare() needs every attribute of the returned spans, not a known list: when true,
   * each FetchedSpan must also implement `attributes()`. Absent means false.
   */
  readonly allAttributes?: boolean;
}

/** One span as storage hands it to the engine. */
export interface FetchedSpan {
  /** 8-byte span id. */
  readonly spanId: Uint8Array;
  /** Start, unix nanoseconds. */
  readonly startTimeUnixNano: bigint;
  /** End minus start, nanoseconds. */
  readonly durationNanos: bigint;
  /** Nested-set left number (1-based pre-order); 0 when the span is not connected to a root. */
  readonly nestedSetLeft: number;
  /** Nested-set right number; 0 when not connected. */
  readonly nestedSetRight: number;
  /** Left number of the parent; -1 for a root; 0 when not connected. */
  readonly nestedSetParent: number;
  /**
   * The value of `request.columns[column]` for this span, undefined when the span does not have
   * it. Attributes keep their type whatever the conditions' operands are (OTLP int → int, double
   * → float, string, bool, arrays → array of the queryable elements; bytes, kvlist and empty
   * values count as absent). For `none` scope: the span attribute when the span has that key
   * (any type), else the resource attribute. `event.x`/`link.x` and `event:name`,
   * `event:timeSinceStart`, `link:traceID`, `link:spanID`: an array with the value from every
   * event (link) that has it, in order; undefined when none has. `instrumentation.x`: scope
   * attributes. Intrinsics: name (string), status, kind, statusMessage (string, "" when
   * unset), span:childCount (int), span:parentID (16 lowercase hex digits; undefined for a root),
   * instrumentation:name and :version (undefined when empty); ids of links as in search results
   * (trace ids lowercase hex without leading zeros, span ids 16 hex digits). `missing` fields:
   * true when at least one event (link) of the span does not have the attribute (by the rules
   * above: bytes, kvlist and empty values count as absent), undefined otherwise (no events or
   * links, or every one has it).
   */
  value(column: number): Static | undefined;
  /**
   * Every span-scoped and resource-scoped attribute of the span, each as its field (scope `span`
   * or `resource`, never `none`) and value, by the rules of value(). Required when the request
   * asks for `allAttributes`; may be absent otherwise.
   */
  attributes?(): readonly (readonly [FieldRef, Static])[];
}

/** The spans of one trace that can matter to the query (a superset is fine). */
export interface FetchedSpanset {
  /** 16-byte trace id. */
  readonly traceId: Uint8Array;
  /** service.name of the root span's resource; undefined when the trace has no root span. */
  readonly rootServiceName: string | undefined;
  /** Name of the root span; undefined when the trace has no root span. */
  readonly rootSpanName: string | undefined;
  /** Earliest span start in the whole trace (not only the returned spans), unix ns. */
  readonly startTimeUnixNano: bigint;
  /** Latest span end minus earliest start over the whole trace, ns. */
  readonly durationNanos: bigint;
  /** Returned spans, in the trace's order (by start time). */
  readonly spans: readonly FetchedSpan[];
}

/**
 * Storage's side of the contract. One spanset per trace; a trace split across sources (live data
 * and blocks, or two blocks) may come as several spansets, which the engine evaluates apart and
 * merges by trace id (structural operators then see each part alone, as in Tempo).
 */
export interface SpansetFetcher {
  /** Streams spansets; the engine stops iterating (return()) once it has enough. */
  fetch(request: FetchSpansRequest, signal?: AbortSignal): AsyncIterable<FetchedSpanset>;
}

/** A stable string key of a field, for maps. */
export function fieldKey(f: FieldRef): string {
  if (f.kind === 'intrinsic') return `:${f.name}`;
  return f.kind === 'missing' ? `!${f.scope}.${f.name}` : `${f.scope}.${f.name}`;
}

// ---------- the metrics column path ----------
//
// Metrics queries whose first stage is a plain filter, `{ a && b && … } | rate() by (x)`, need
// no span objects: only each matching span's start time, duration and a few field values. For
// those the engine asks storage for columns instead of spansets (see the metrics design note,
// docs/design/2026-11 Metrics engine.md).
//
// THE EXACTNESS RULE. Unlike FetchSpansRequest, a column request is answered EXACTLY: every span
// whose start time is in range and for which every condition holds, and no other span (time is
// the one exception: spans outside the range may come back, the engine drops them by start time,
// so a reader can hand over whole row groups it pruned by time statistics). The engine evaluates
// nothing again. It sends a column request only when the first stage is a conjunction of
// conditions that says exactly what the filter says; everything else goes through the
// SpansetFetcher and the evaluator. A storage layer that cannot evaluate some condition exactly
// must not answer the column path for that request: it throws TqlUnsupportedError
// (TQL_ERR_UNSUPPORTED), and the engine discards what it got and takes the spanset path.
//
// Designed for a Parquet reader: one batch per row group (or part of one), fields asked for by
// index, typed arrays as the decoder produces them, dictionary pages passed through as codes.

/** What the metrics engine asks of storage on the column path. */
export interface FetchColumnsRequest {
  /** Spans starting in (start, end] (unix ns) matter; see the exactness rule for what may come back. */
  readonly startTimeUnixNano: bigint;
  /** See startTimeUnixNano. */
  readonly endTimeUnixNano: bigint;
  /** Every one must hold (conditionHolds() semantics); empty means every span in range. */
  readonly conditions: readonly Condition[];
  /**
   * Fields whose values each batch carries in `columns`, in this order. Any field may be asked
   * for except `duration` (always in `durationNano`): attributes and intrinsics with the values
   * FetchedSpan.value() gives, and the engine-read intrinsics too (traceDuration as a duration,
   * rootName, rootServiceName, trace:id and span:id as strings, the nested-set numbers as ints).
   */
  readonly columns: readonly FieldRef[];
  /** When true, batches must implement traceId() and spanId() (exemplars, sampling). */
  readonly ids: boolean;
  /**
   * With `ids`, asked before storage reads a part (a row group) whose spans start in
   * [start, end] (unix ns): false means the engine wants no ids from such spans any more (its
   * exemplars there are picked), and that part's batches may come without traceId and spanId.
   */
  readonly idsWanted?: (startUnixNano: bigint, endUnixNano: bigint) => boolean;
}

/**
 * The values of one field for the rows of a batch.
 * - `dictionary`: row i has `dictionary[codes[i]]`, or no value when the code is -1. Entries may
 *   repeat and need not all be used (a Parquet dictionary page can be passed as it is).
 * - `numbers`: row i has `values[i]` of the given type (durations in ns), or no value when it is
 *   NaN. Only for fields whose values in the batch are all of that one type; ints beyond 2^53 lose
 *   precision, which metrics accept.
 */
export type ColumnVector =
  | { readonly kind: 'dictionary'; readonly codes: Int32Array; readonly dictionary: readonly Static[] }
  | { readonly kind: 'numbers'; readonly type: 'int' | 'float' | 'duration'; readonly values: Float64Array };

/** Matching spans, column by column: row i of every array is the same span. */
export interface SpanColumnBatch {
  /** Number of rows. */
  readonly length: number;
  /** Span start, unix ns (signed or unsigned 64-bit, as the decoder produced it). */
  readonly startTimeUnixNano: BigInt64Array | BigUint64Array;
  /** Span duration, ns. */
  readonly durationNano: BigInt64Array | BigUint64Array;
  /** One vector per request column, in request order. */
  readonly columns: readonly ColumnVector[];
  /** 16-byte trace id of row i; present when the request asks for ids. */
  traceId?(row: number): Uint8Array;
  /** 8-byte span id of row i; present when the request asks for ids. */
  spanId?(row: number): Uint8Array;
}

/** Storage's side of the column path; optional next to SpansetFetcher. */
export interface SpanColumnFetcher {
  /** Streams batches of matching spans (see the exactness rule). */
  fetchColumns(request: FetchColumnsRequest, signal?: AbortSignal): AsyncIterable<SpanColumnBatch>;
}
