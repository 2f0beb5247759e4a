// Where a role finds its peers: an address list of `host:port` entries (used as given) and
// `dns+name:port` entries, re-resolved every --internal.dns-refresh-period to all the name's
// addresses (all A/AAAA records: a Kubernetes headless Service lists one per ready pod), the
// convention of Thanos and Cortex. Every address names a peer's internal listener. A name that
// fails to resolve keeps its last addresses (a DNS hiccup is not a lost member); one that
// resolves to fewer or more addresses shrinks or grows the set, without a restart.
import { lookup } from 'node:dns/promises';
import type { Logger } from '@spanbase/server';
import { RpcBadAddress } from './errors.ts';
import { hostPort } from './rpc/server.ts';

/** One entry of an address list. */
export type AddressEntry = { kind: 'static'; address: string } | { kind: 'dns'; name: string; port: number };

/** Resolves a name to its addresses (IPv4 or IPv6 literals). */
export type Resolver = (name: string) => Promise<string[]>;

/** The system resolver: every address of the name (getaddrinfo, so /etc/hosts counts too). */
export const systemResolver: Resolver = async (name) => [...new Set((await lookup(name, { all: true })).map((a) => a.address))];

const PORT = /^(\d{1,5})$/;

function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(.+)$/.exec(text) ?? /^([^:]+):([^:]+)$/.exec(text);
  if (!m || !PORT.test(m[2])) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 && m[1] !== '' ? { host: m[1], port } : undefined;
}

/** Parses one entry; `flag` names the flag in the error. */
export function parseAddressEntry(text: string, flag: string): AddressEntry {
  const t = text.trim();
  const dns = t.startsWith('dns+');
  const hp = splitHostPort(dns ? t.slice(4) : t);
  if (!hp) throw RpcBadAddress(`--${flag}: "${text}" is not host:port or dns+name:port (the peer's internal listener, port ${9095} by default)`);
  return dns ? { kind: 'dns', name: hp.host, port: hp.port } : { kind: 'static', address: hostPort(hp.host, hp.port) };
}

/** Settings of an address list. */
export interface AddressListOptions {
  /** The flag the entries come from, for messages. */
  flag: string;
  /** How often dns+ entries are resolved again, ms (0: only at start). */
  refreshMs: number;
  /** Resolves names; the system's when absent. */
  resolve?: Resolver;
  /** Logs resolution failures and membership changes. */
  log?: Pick<Logger, 'warn' | 'info'>;
  /** Told when the set of addresses changes. */
  onChange?: (addresses: readonly string[]) => void;
}

/** A list of peer addresses kept current. */
export class AddressList {
  private readonly entries: AddressEntry[];
  private readonly opts: AddressListOptions;
  private readonly resolved = new Map<AddressEntry, string[]>();
  private addresses: readonly string[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> | undefined;

  /** Parses the entries (throws RPC_ERR_BAD_ADDRESS for a bad one); resolves nothing yet. */
  constructor(entries: readonly string[], opts: AddressListOptions) {
    this.entries = entries.map((e) => parseAddressEntry(e, opts.flag));
    this.opts = opts;
    this.addresses = this.compute();
  }

  /** True when the list has entries at all. */
  get configured(): boolean {
    return this.entries.length > 0;
  }

  /** True when some entry is resolved through DNS. */
  get dynamic(): boolean {
    return this.entries.some((e) => e.kind === 'dns');
  }

  /** The current addresses, sorted, without duplicates. */
  current(): readonly string[] {
    return this.addresses;
  }

  /** Resolves every dns+ entry now (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const resolve = this.opts.resolve ?? systemResolver;
    await Promise.all(
      this.entries.map(async (e) => {
        if (e.kind !== 'dns') return;
        try {
          this.resolved.set(e, (await resolve(e.name)).map((ip) => hostPort(ip, e.port)));
        } catch (err) {
          this.opts.log?.warn({ err, name: e.name, flag: this.opts.flag }, `could not resolve dns+${e.name}; keeping its last ${this.resolved.get(e)?.length ?? 0} addresses`);
        }
      }),
    );
    const next = this.compute();
    if (next.join(',') !== this.addresses.join(',')) {
      const before = this.addresses;
      this.addresses = next;
      this.opts.log?.info({ flag: this.opts.flag, addresses: next, added: next.filter((a) => !before.includes(a)), removed: before.filter((a) => !next.includes(a)) }, 'peers changed');
      this.opts.onChange?.(next);
    }
  }

  private compute(): readonly string[] {
    const all = new Set<string>();
    for (const e of this.entries) {
      if (e.kind === 'static') all.add(e.address);
      else for (const a of this.resolved.get(e) ?? []) all.add(a);
    }
    return [...all].sort();
  }

  /** Resolves once, then again every refresh period (the timer does not keep the process up). */
  async start(): Promise<void> {
    await this.refresh();
    if (this.dynamic && this.opts.refreshMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs);
      this.timer.unref();
    }
  }

  /** Stops refreshing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
