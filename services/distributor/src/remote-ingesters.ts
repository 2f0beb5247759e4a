// The distributor's client for ingesters in other processes. Each trace has one owner
// (FNV-1a of its id modulo the ingester count), so all spans of a trace meet in one ingester and
// trace-by-id needs to ask only that one; a request is split into one sub-request per owner by
// copying span slices, not re-encoding.
import { assembleExportRequest, groupsForSpans } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';
import type { IngesterClient } from './distributor.ts';
import { IngesterBusy, IngesterFailed, IngesterUnreachable } from './errors.ts';

/** FNV-1a over the 16 trace-id bytes at `offset`. */
export function traceOwner(bytes: Uint8Array, offset: number, owners: number): number {
  let h = 0x811c9dc5;
  for (let i = offset; i < offset + 16; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % owners;
}

/** Pushes to remote ingesters over their /internal/push route. */
export class RemoteIngesters implements IngesterClient {
  private readonly urls: string[];

  constructor(addresses: readonly string[]) {
    this.urls = addresses.map((a) => `${a.includes('://') ? a : `http://${a}`}/internal/push`);
  }

  async push(tenant: string, scan: ScannedRequest): Promise<{ accepted: number }> {
    if (this.urls.length === 1) return this.send(0, tenant, scan.bytes);
    const byOwner: number[][] = this.urls.map(() => []);
    for (let i = 0; i < scan.spanCount; i++) byOwner[traceOwner(scan.bytes, scan.traceIdOffset[i], this.urls.length)].push(i);
    const results = await Promise.all(
      byOwner.map((spans, owner) => (spans.length === 0 ? { accepted: 0 } : this.send(owner, tenant, assembleExportRequest(groupsForSpans(scan, spans))))),
    );
    return { accepted: results.reduce((a, r) => a + r.accepted, 0) };
  }

  private async send(owner: number, tenant: string, body: Uint8Array): Promise<{ accepted: number }> {
    let res: Response;
    try {
      res = await fetch(this.urls[owner], { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': tenant }, body });
    } catch (err) {
      throw IngesterUnreachable(`ingester ${this.urls[owner]} is unreachable: ${(err as Error).message}`, { cause: err, retryAfterSeconds: 1 });
    }
    if (!res.ok) {
      const retry = Number(res.headers.get('retry-after'));
      const retryAfterSeconds = Number.isFinite(retry) && retry > 0 ? retry : 1;
      const text = (await res.text()).trim() || `HTTP ${res.status}`;
      if (res.status === 429) throw IngesterBusy(`ingester ${this.urls[owner]}: ${text}`, { retryAfterSeconds });
      if (res.status === 503) throw IngesterUnreachable(`ingester ${this.urls[owner]}: ${text}`, { retryAfterSeconds });
      throw IngesterFailed(`ingester ${this.urls[owner]} failed the push: ${text}`);
    }
    return (await res.json()) as { accepted: number };
  }
}
