// Generated batches in the shape a block writer takes: one array of spans per trace, traces in
// ascending trace-id order (an ingester's flush sorts its head block the same way). Scenarios
// that measure blocks write them straight from the workload generator, without a server.
import type { SpanRecord, TracesData } from '@spanbase/model';
import { bytesToHex, flattenTracesData } from '@spanbase/model';

/** The spans of `batches` per trace (hex id), in the order each trace was first seen. */
export function groupTraces(batches: Iterable<TracesData>): Map<string, SpanRecord[]> {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const batch of batches) {
    for (const r of flattenTracesData(batch)) {
      const id = bytesToHex(r.span.traceId);
      const list = byTrace.get(id);
      if (list) list.push(r);
      else byTrace.set(id, [r]);
    }
  }
  return byTrace;
}

/** Traces in ascending trace-id order (hex order is byte order). */
export function sortedById(byTrace: ReadonlyMap<string, SpanRecord[]>): SpanRecord[][] {
  return [...byTrace.keys()].sort().map((id) => byTrace.get(id)!);
}

/** Earliest span start of a trace, unix ns. */
export function traceStartNs(trace: readonly SpanRecord[]): bigint {
  let min = trace[0].span.startTimeUnixNano;
  for (const r of trace) if (r.span.startTimeUnixNano < min) min = r.span.startTimeUnixNano;
  return min;
}

/** Total spans of some traces. */
export function spanTotal(traces: readonly (readonly SpanRecord[])[]): number {
  let n = 0;
  for (const t of traces) n += t.length;
  return n;
}
