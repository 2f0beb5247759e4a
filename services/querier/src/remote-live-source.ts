// Live data from ingesters in other processes (--target=querier): each ingester is asked for
// the trace over its /internal/ route; any of them may hold spans of it.
import { flattenTracesData, bytesToHex } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';
import type { SourceResult, TraceSource } from '@spanbase/query';

/** One TraceSource per ingester address (host:port of its HTTP API). */
export function remoteLiveSources(addresses: readonly string[]): TraceSource[] {
  return addresses.map((addr) => ({
    name: `ingester ${addr}`,
    async findTrace(tenant, traceId, _range, signal): Promise<SourceResult> {
      const url = `${addr.includes('://') ? addr : `http://${addr}`}/internal/traces/${bytesToHex(traceId)}`;
      let res: Response;
      try {
        res = await fetch(url, { headers: { 'x-scope-orgid': tenant }, signal });
      } catch {
        return { records: [], skipped: [`ingester ${addr} (unreachable)`] };
      }
      if (res.status === 404) return { records: [] };
      if (!res.ok) return { records: [], skipped: [`ingester ${addr} (HTTP ${res.status})`] };
      const records: SpanRecord[] = flattenTracesData(decodeExportRequest(new Uint8Array(await res.arrayBuffer())));
      return { records };
    },
  }));
}
