// Head blocks as flush batches. On the event loop, buildFlushBatch only records which spans of
// which accepted requests belong to which trace (integer arrays). On the sink's side,
// batchTraces sorts the traces by id (merging generations of one trace), rebuilds each trace's
// OTLP payload from byte slices and decodes it — one trace at a time, so memory stays bounded by
// the block writer's row group rather than the batch.
import { compareIds, flattenTracesData } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { assembleExportRequest, decodeExportRequest, groupsForSpans } from '@spanbase/otlp';
import type { AssembleGroup, ScannedRequest } from '@spanbase/otlp';
import type { FlushBatch } from './block-sink.ts';
import type { Chunk } from './chunk.ts';
import type { LiveTrace } from './live-trace.ts';

/** Builds the sink's input for a head block. Cheap: no bytes are copied here. */
export function buildFlushBatch(tenant: string, traces: readonly LiveTrace[]): FlushBatch {
  const chunkIndex = new Map<Chunk, number>();
  const chunks: ScannedRequest[] = [];
  let refs = 0;
  for (const t of traces) refs += t.spanCount;
  const traceStarts = new Uint32Array(traces.length + 1);
  const chunkOf = new Uint32Array(refs);
  const spanOf = new Uint32Array(refs);
  let at = 0;
  for (let i = 0; i < traces.length; i++) {
    const t = traces[i];
    traceStarts[i] = at;
    for (let k = 0; k < t.spans.length; k++) {
      const c = t.chunks[k];
      let ci = chunkIndex.get(c);
      if (ci === undefined) {
        ci = chunks.length;
        chunkIndex.set(c, ci);
        chunks.push(c.scan);
      }
      chunkOf[at] = ci;
      spanOf[at] = t.spans[k];
      at++;
    }
  }
  traceStarts[traces.length] = at;
  return { tenant, chunks, traceStarts, chunkOf, spanOf, spanCount: refs };
}

function traceIdOf(b: FlushBatch, t: number): Uint8Array {
  const ref = b.traceStarts[t];
  const scan = b.chunks[b.chunkOf[ref]];
  const off = scan.traceIdOffset[b.spanOf[ref]];
  return scan.bytes.subarray(off, off + 16);
}

/** The batch's traces in ascending trace-id order, each decoded; generations of a trace merged. */
export function* batchTraces(b: FlushBatch): Iterable<SpanRecord[]> {
  const n = b.traceStarts.length - 1;
  const order = Array.from({ length: n }, (_, i) => i);
  const ids = order.map((t) => traceIdOf(b, t));
  order.sort((x, y) => compareIds(ids[x], ids[y]));
  for (let i = 0; i < order.length; ) {
    // Every trace entry with this id (a trace sealed in several generations).
    let j = i + 1;
    while (j < order.length && compareIds(ids[order[j]], ids[order[i]]) === 0) j++;
    const byChunk = new Map<number, number[]>();
    for (let k = i; k < j; k++) {
      const t = order[k];
      for (let r = b.traceStarts[t]; r < b.traceStarts[t + 1]; r++) {
        let list = byChunk.get(b.chunkOf[r]);
        if (!list) byChunk.set(b.chunkOf[r], (list = []));
        list.push(b.spanOf[r]);
      }
    }
    const groups: AssembleGroup[] = [];
    for (const [c, spans] of byChunk) groups.push(...groupsForSpans(b.chunks[c], spans));
    yield flattenTracesData(decodeExportRequest(assembleExportRequest(groups)));
    i = j;
  }
}
