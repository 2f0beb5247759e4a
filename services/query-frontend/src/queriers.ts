// The queriers a frontend sends jobs to. Each is the Jobs service's handlers: in one process the
// querier's own functions (no encoding), apart a client of its internal API whose calls have a
// deadline and are cancelled with the query.
import { JobsService, RpcNoPeers } from '@spanbase/internal-api';
import type { Handlers, Peers } from '@spanbase/internal-api';

/** One querier. */
export interface Querier {
  /** Its address, or `in-process`. */
  readonly name: string;
  /** Jobs it runs at once before more wait in the frontend's queue. */
  readonly slots: number;
  /** Runs jobs. */
  readonly jobs: Handlers<typeof JobsService>;
  /** In this process: its calls can carry what cannot go on the wire (CallContext.partChannel). */
  readonly local?: boolean;
}

/** The queriers of this moment (membership may change between calls). */
export type QuerierSet = () => readonly Querier[];

/** The querier in this process. */
export function localQuerier(jobs: Handlers<typeof JobsService>, slots: number): QuerierSet {
  const q: Querier = { name: 'in-process', slots, jobs, local: true };
  return () => [q];
}

/** The queriers an address list names, each reached over its internal API. */
export function remoteQueriers(peers: Peers, opts: { slots: number; timeoutMs: number }): QuerierSet {
  const byAddress = new Map<string, Querier>();
  return () => {
    const clients = peers.clients();
    const now = new Set(clients.map((c) => c.address));
    for (const a of byAddress.keys()) if (!now.has(a)) byAddress.delete(a);
    return clients.map((c) => {
      let q = byAddress.get(c.address);
      if (!q) {
        const call = <K extends keyof typeof JobsService.methods>(k: K): Handlers<typeof JobsService>[K] =>
          ((req: never, ctx: { tenant: string; signal: AbortSignal }) => c.call(JobsService, JobsService.methods[k], req, { tenant: ctx.tenant, signal: ctx.signal, timeoutMs: opts.timeoutMs })) as unknown as Handlers<typeof JobsService>[K];
        q = { name: c.address, slots: opts.slots, jobs: { Search: call('Search'), Metrics: call('Metrics'), Tags: call('Tags'), FindTrace: call('FindTrace'), Dependencies: call('Dependencies') } };
        byAddress.set(c.address, q);
      }
      return q;
    });
  };
}

/** Fails when there is no querier at all. */
export function noQueriers(flag: string): Error {
  return RpcNoPeers(`no querier to run the query: ${flag} has no member right now`, { retryAfterSeconds: 1 });
}
