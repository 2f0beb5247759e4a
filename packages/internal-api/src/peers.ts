// Clients of every peer an address list names, kept in step with it: a peer that appears gets a
// client on first use, one that leaves has its connection closed.
import type { AddressList } from './discovery.ts';
import { InternalClient } from './rpc/client.ts';
import type { InternalClientOptions } from './rpc/client.ts';

/** The peers of one address list. */
export class Peers {
  /** The list behind the peers. */
  readonly list: AddressList;
  private readonly opts: InternalClientOptions;
  private readonly byAddress = new Map<string, InternalClient>();

  constructor(list: AddressList, opts: InternalClientOptions) {
    this.list = list;
    this.opts = opts;
  }

  /** A client per current address, in address order. */
  clients(): InternalClient[] {
    const now = this.list.current();
    for (const [addr, c] of this.byAddress) {
      if (now.includes(addr)) continue;
      c.close();
      this.byAddress.delete(addr);
    }
    return now.map((a) => this.client(a));
  }

  /** The client of one address. */
  client(address: string): InternalClient {
    let c = this.byAddress.get(address);
    if (!c) this.byAddress.set(address, (c = new InternalClient(address, this.opts)));
    return c;
  }

  /** Stops refreshing the list and closes every connection. */
  close(): void {
    this.list.stop();
    for (const c of this.byAddress.values()) c.close();
    this.byAddress.clear();
  }
}
