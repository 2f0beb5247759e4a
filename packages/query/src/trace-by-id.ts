// Trace by id: ask every source (live data, then blocks), merge, dedupe by (span id, kind) and
// bound the size. The combined trace is returned grouped by resource and scope, as OTLP nests it.
import { dedupeSpanRecords, groupSpanRecords } from '@spanbase/model';
import type { SpanRecord, TracesData } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import type { TimeRange, TraceSource } from './trace-source.ts';

/** The combined trace. */
export interface TraceByIdResult {
  /** The trace, nested as OTLP nests it; undefined when no source had it. */
  trace: TracesData | undefined;
  /** True when spans were left out (size limit, unreadable block). */
  partial: boolean;
  /** Why the trace is partial. */
  message: string;
  /** Encoded size of the returned trace. */
  bytes: number;
  /** The returned trace as TracesData protobuf (empty when not found); the v1 protobuf body. */
  encoded: Uint8Array;
  /** True when the trace was cut to the size limit. */
  tooLarge: boolean;
}

/** Finds and combines a trace from every source. */
export async function findTraceById(
  sources: readonly TraceSource[],
  tenant: string,
  traceId: Uint8Array,
  range: TimeRange | undefined,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<TraceByIdResult> {
  const results = await Promise.all(sources.map((s) => s.findTrace(tenant, traceId, range, signal)));
  const all: SpanRecord[] = [];
  const skipped: string[] = [];
  for (const r of results) {
    for (const rec of r.records) all.push(rec);
    if (r.skipped) skipped.push(...r.skipped);
  }
  if (all.length === 0) {
    return { trace: undefined, partial: skipped.length > 0, message: skipped.length > 0 ? `some blocks could not be read: ${skipped.join(', ')}` : '', bytes: 0, encoded: new Uint8Array(0), tooLarge: false };
  }
  let records = dedupeSpanRecords(all);
  let trace = groupSpanRecords(records);
  let encoded = encodeTracesData(trace);
  let partial = skipped.length > 0;
  let message = partial ? `some blocks could not be read: ${skipped.join(', ')}` : '';
  const tooLarge = encoded.byteLength > maxBytes;
  if (tooLarge) {
    // Keep the earliest spans (roots come first in time) up to the limit.
    const average = encoded.byteLength / records.length;
    let keep = Math.max(1, Math.floor(maxBytes / average));
    do {
      records = records.slice(0, keep);
      trace = groupSpanRecords(records);
      encoded = encodeTracesData(trace);
      keep = Math.floor(keep * 0.9);
    } while (encoded.byteLength > maxBytes && keep >= 1);
    partial = true;
    message = `Trace exceeds maximum size of ${maxBytes} bytes, a partial trace is returned`;
  }
  return { trace, partial, message, bytes: encoded.byteLength, encoded, tooLarge };
}
