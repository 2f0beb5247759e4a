// The distributor's client for ingesters in other processes, over their internal API. Each trace
// has one owner among the ingesters the address list names now, chosen by rendezvous hashing of
// its id (the ingester whose hash with the id scores highest), so all spans of a trace meet in
// one ingester, and when an ingester joins or leaves only the traces it gains or held move. A
// request is split into one sub-request per owner by copying span slices, not re-encoding.
import { PushService } from '@spanbase/internal-api';
import type { Peers } from '@spanbase/internal-api';
import { isSpanbaseError } from '@spanbase/model';
import { assembleExportRequest, groupsForSpans } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';
import type { IngesterClient } from './distributor.ts';
import { IngesterBusy, IngesterFailed, IngesterUnreachable } from './errors.ts';

/** FNV-1a over a string (an ingester's address: its seed). */
function fnvString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: spreads the bits of a 32-bit value. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The owner (an index into `seeds`) of the trace whose 16 id bytes start at `offset`. */
export function traceOwner(bytes: Uint8Array, offset: number, seeds: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = offset; i < offset + 16; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i < seeds.length; i++) {
    const score = mix(h ^ seeds[i]);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/** The seeds of a set of ingester addresses. */
export function ownerSeeds(addresses: readonly string[]): Uint32Array {
  return Uint32Array.from(addresses, fnvString);
}

/** Pushes to remote ingesters over their internal API. */
export class RemoteIngesters implements IngesterClient {
  private readonly peers: Peers;
  private readonly timeoutMs: number;

  /** `timeoutMs`: deadline of one push (--internal.call-timeout). */
  constructor(peers: Peers, timeoutMs: number) {
    this.peers = peers;
    this.timeoutMs = timeoutMs;
  }

  async push(tenant: string, scan: ScannedRequest): Promise<{ accepted: number }> {
    const clients = this.peers.clients();
    if (clients.length === 0) throw IngesterUnreachable(`no ingester to push to: --distributor.ingester-addresses resolves to none right now`, { retryAfterSeconds: 1 });
    if (clients.length === 1) return this.send(clients[0], tenant, scan.bytes);
    const seeds = ownerSeeds(clients.map((c) => c.address));
    const byOwner: number[][] = clients.map(() => []);
    for (let i = 0; i < scan.spanCount; i++) byOwner[traceOwner(scan.bytes, scan.traceIdOffset[i], seeds)].push(i);
    const results = await Promise.all(
      byOwner.map((spans, owner) => (spans.length === 0 ? { accepted: 0 } : this.send(clients[owner], tenant, assembleExportRequest(groupsForSpans(scan, spans))))),
    );
    return { accepted: results.reduce((a, r) => a + r.accepted, 0) };
  }

  private async send(client: ReturnType<Peers['client']>, tenant: string, otlp: Uint8Array): Promise<{ accepted: number }> {
    try {
      return await client.call(PushService, PushService.methods.Push, { otlp }, { tenant, timeoutMs: this.timeoutMs });
    } catch (err) {
      const where = `ingester ${client.address}`;
      if (!isSpanbaseError(err)) throw IngesterFailed(`${where} failed the push: ${(err as Error).message}`, { cause: err });
      const retryAfterSeconds = err.retryAfterSeconds ?? 1;
      if (err.statusCode === 429) throw IngesterBusy(`${where}: ${err.message}`, { cause: err, retryAfterSeconds });
      if (err.statusCode === 503 || err.statusCode === 504) throw IngesterUnreachable(`${where}: ${err.message}`, { cause: err, retryAfterSeconds });
      throw IngesterFailed(`${where} failed the push: ${err.message}`, { cause: err });
    }
  }
}
