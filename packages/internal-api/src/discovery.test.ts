// Address lists with a resolver the test controls: dns+ entries follow what the name resolves to
// (members come and go without a restart), a failed resolution keeps the last addresses, static
// entries are used as given, and a malformed entry is refused at once.
import { isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { AddressList, parseAddressEntry } from './discovery.ts';

describe('address lists', () => {
  it('re-resolves dns+ entries: members join and leave', async () => {
    let answer: string[] | Error = ['10.0.0.2', '10.0.0.1'];
    const changes: (readonly string[])[] = [];
    const list = new AddressList(['dns+queriers.ns.svc:9095', 'static-host:9095'], { flag: 'f', refreshMs: 0, resolve: async (name) => {
      expect(name).toBe('queriers.ns.svc');
      if (answer instanceof Error) throw answer;
      return answer;
    }, onChange: (a) => changes.push(a) });
    expect(list.current()).toEqual(['static-host:9095']);
    await list.start();
    expect(list.current()).toEqual(['10.0.0.1:9095', '10.0.0.2:9095', 'static-host:9095']);
    answer = ['10.0.0.1', '10.0.0.3', 'fd00::7'];
    await list.refresh();
    expect(list.current()).toEqual(['10.0.0.1:9095', '10.0.0.3:9095', '[fd00::7]:9095', 'static-host:9095']);
    answer = new Error('SERVFAIL');
    await list.refresh();
    expect(list.current()).toHaveLength(4);
    answer = [];
    await list.refresh();
    expect(list.current()).toEqual(['static-host:9095']);
    expect(changes).toHaveLength(3);
  });

  it('refreshes on its own every period', async () => {
    let n = 0;
    const list = new AddressList(['dns+q:1'], { flag: 'f', refreshMs: 20, resolve: async () => [`10.0.0.${++n}`] });
    await list.start();
    await new Promise((r) => setTimeout(r, 120));
    list.stop();
    expect(n).toBeGreaterThan(2);
    expect(list.current()).toEqual([`10.0.0.${n}:1`]);
  });

  it('refuses entries that are not host:port or dns+name:port', () => {
    for (const bad of ['querier', 'dns+querier', 'host:0', 'host:99999', ':9095', 'http://host:9095', 'dns+:9095']) {
      let err: unknown;
      try {
        parseAddressEntry(bad, 'query-frontend.querier-addresses');
      } catch (e) {
        err = e;
      }
      expect(isSpanbaseError(err) && err.code, bad).toBe('RPC_ERR_BAD_ADDRESS');
    }
    expect(parseAddressEntry('[::1]:9095', 'f')).toEqual({ kind: 'static', address: '[::1]:9095' });
    expect(parseAddressEntry('dns+spanbase-querier.default.svc.cluster.local:9095', 'f')).toEqual({ kind: 'dns', name: 'spanbase-querier.default.svc.cluster.local', port: 9095 });
  });
});
