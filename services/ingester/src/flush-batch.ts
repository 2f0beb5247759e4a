// Turns sealed traces into a flush batch: traces merged by id (a trace can have several sealed
// generations), sorted by trace id (the block's row order), each encoded as one OTLP payload by
// copying span slices.
import { compareIds } from '@spanbase/model';
import { assembleTraces } from './assemble-traces.ts';
import type { FlushBatch } from './block-sink.ts';
import type { LiveTrace } from './live-trace.ts';

/** Builds the worker's input for a head block. */
export function buildFlushBatch(tenant: string, traces: readonly LiveTrace[]): FlushBatch {
  const byId = new Map<string, LiveTrace[]>();
  for (const t of traces) {
    const key = Buffer.from(t.traceId.buffer, t.traceId.byteOffset, 16).toString('latin1');
    const list = byId.get(key);
    if (list) list.push(t);
    else byId.set(key, [t]);
  }
  const groups = [...byId.values()].sort((a, b) => compareIds(a[0].traceId, b[0].traceId));
  const parts: Uint8Array[] = [];
  const offsets = new Uint32Array(groups.length + 1);
  let at = 0;
  let spanCount = 0;
  for (let i = 0; i < groups.length; i++) {
    const payload = assembleTraces(groups[i]);
    offsets[i] = at;
    parts.push(payload);
    at += payload.byteLength;
    for (const t of groups[i]) spanCount += t.spanCount;
  }
  offsets[groups.length] = at;
  return { tenant, payload: Buffer.concat(parts), offsets, spanCount };
}
