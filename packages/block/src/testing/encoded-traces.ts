// Traces in the ingester's form (EncodedSpan: span bodies inside OTLP requests, each request's
// resources and scopes decoded once), for tests and measurements of the writer's ingest path.
import type { Resource, Scope, SpanRecord } from '@spanbase/model';
import { bytesToHex, groupSpanRecords } from '@spanbase/model';
import { encodeTracesData, MessageDecoder, scanExportRequest } from '@spanbase/otlp';
import type { EncodedSpan } from '../format.ts';

const utf8 = new TextDecoder();

/** OTLP requests of `perRequest` traces each, as an SDK batching whole traces would send them. */
export function encodeRequests(traces: readonly SpanRecord[][], perRequest: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < traces.length; i += perRequest) out.push(encodeTracesData(groupSpanRecords(traces.slice(i, i + perRequest).flat())).slice());
  return out;
}

/**
 * The spans of requests as encoded traces, in ascending trace-id order (spans of a trace merged
 * across requests). As the ingester does, requests with byte-identical resources (or scopes)
 * share one decoded object.
 */
export function encodedTraces(requests: readonly Uint8Array[]): EncodedSpan[][] {
  const traces = new Map<string, EncodedSpan[]>();
  const sharedResources = new Map<string, Resource>();
  const sharedScopes = new Map<string, Scope>();
  const once = <T>(shared: Map<string, T>, bytes: Uint8Array, at: number, len: number, decode: () => T): T => {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset + at, len).toString('latin1');
    let v = shared.get(key);
    if (v === undefined) shared.set(key, (v = decode()));
    return v;
  };
  for (const body of requests) {
    const scan = scanExportRequest(body);
    const d = new MessageDecoder(scan.bytes);
    const text = (at: number, len: number) => (at < 0 ? '' : utf8.decode(scan.bytes.subarray(at, at + len)));
    const resources = new Map<number, Resource>();
    const scopes = new Map<number, Scope>();
    for (let i = 0; i < scan.spanCount; i++) {
      const sc = scan.spanScope[i];
      const r = scan.scopeResource[sc];
      const [ra, rl, sa, sl] = [scan.resourceMsgOffset[r], scan.resourceMsgLength[r], scan.scopeMsgOffset[sc], scan.scopeMsgLength[sc]];
      if (!resources.has(r)) resources.set(r, ra < 0 ? { attributes: [], droppedAttributesCount: 0 } : once(sharedResources, scan.bytes, ra, rl, () => d.resource(ra, rl)));
      if (!scopes.has(sc)) scopes.set(sc, sa < 0 ? { name: '', version: '', attributes: [], droppedAttributesCount: 0 } : once(sharedScopes, scan.bytes, sa, sl, () => d.scope(sa, sl)));
      const id = bytesToHex(scan.bytes.subarray(scan.traceIdOffset[i], scan.traceIdOffset[i] + 16));
      let spans = traces.get(id);
      if (!spans) traces.set(id, (spans = []));
      spans.push({
        bytes: scan.bytes, offset: scan.spanOffset[i], length: scan.spanLength[i],
        resource: resources.get(r)!, resourceSchemaUrl: text(scan.resourceSchemaUrlOffset[r], scan.resourceSchemaUrlLength[r]),
        scope: scopes.get(sc)!, scopeSchemaUrl: text(scan.scopeSchemaUrlOffset[sc], scan.scopeSchemaUrlLength[sc]),
      });
    }
  }
  return [...traces.keys()].sort().map((k) => traces.get(k)!);
}
