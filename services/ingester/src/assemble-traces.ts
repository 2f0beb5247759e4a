// Rebuilds an OTLP ExportTraceServiceRequest for a set of live traces by copying byte slices
// of their chunks: spans keep their original encoding, grouped under their resource and scope.
import { assembleExportRequest, groupsForSpans } from '@spanbase/otlp';
import type { AssembleGroup } from '@spanbase/otlp';
import type { Chunk } from './chunk.ts';
import type { LiveTrace } from './live-trace.ts';

/** One request holding every span of the given traces. */
export function assembleTraces(traces: readonly LiveTrace[]): Uint8Array {
  const byChunk = new Map<Chunk, number[]>();
  for (const t of traces) {
    for (let k = 0; k < t.spans.length; k++) {
      let list = byChunk.get(t.chunks[k]);
      if (!list) {
        list = [];
        byChunk.set(t.chunks[k], list);
      }
      list.push(t.spans[k]);
    }
  }
  const groups: AssembleGroup[] = [];
  for (const [chunk, spans] of byChunk) groups.push(...groupsForSpans(chunk.scan, spans));
  return assembleExportRequest(groups);
}
