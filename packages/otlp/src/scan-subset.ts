// Assembly groups for a subset of one scanned request's spans: used to split a request by trace
// (distributor → several ingesters) and to rebuild a trace from the chunks that hold it.
import type { AssembleGroup, AssembleScope } from './assemble.ts';
import type { ScannedRequest } from './scan.ts';

function slice(bytes: Uint8Array, offset: number, length: number): Uint8Array | undefined {
  return offset < 0 ? undefined : bytes.subarray(offset, offset + length);
}

/**
 * Resource/scope groups holding the given spans of `scan` (by index), each under the resource
 * and scope it was sent with, in first-seen order. Pass the result to `assembleExportRequest`.
 */
export function groupsForSpans(scan: ScannedRequest, spanIndexes: Iterable<number>): AssembleGroup[] {
  const b = scan.bytes;
  const groups: { group: AssembleGroup; scopes: AssembleScope[] }[] = [];
  const byResource = new Map<number, { group: AssembleGroup; scopes: AssembleScope[] }>();
  const byScope = new Map<number, Uint8Array[]>();
  for (const i of spanIndexes) {
    const scope = scan.spanScope[i];
    let spans = byScope.get(scope);
    if (!spans) {
      spans = [];
      byScope.set(scope, spans);
      const r = scan.scopeResource[scope];
      let entry = byResource.get(r);
      if (!entry) {
        const scopes: AssembleScope[] = [];
        entry = {
          group: { resource: slice(b, scan.resourceMsgOffset[r], scan.resourceMsgLength[r]), resourceSchemaUrl: slice(b, scan.resourceSchemaUrlOffset[r], scan.resourceSchemaUrlLength[r]), scopes },
          scopes,
        };
        byResource.set(r, entry);
        groups.push(entry);
      }
      entry.scopes.push({ scope: slice(b, scan.scopeMsgOffset[scope], scan.scopeMsgLength[scope]), scopeSchemaUrl: slice(b, scan.scopeSchemaUrlOffset[scope], scan.scopeSchemaUrlLength[scope]), spans });
    }
    spans.push(b.subarray(scan.spanOffset[i], scan.spanOffset[i] + scan.spanLength[i]));
  }
  return groups.map((g) => g.group);
}
