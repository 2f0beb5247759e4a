import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { MemoryStore } from '@spanbase/backend';
import { isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { CompactorLeaseLost } from './errors.ts';
import { Leases, leaseKey } from './leases.ts';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('Leases', () => {
  it('gives a window to one holder until it releases or its lease runs out', async () => {
    const store = new MemoryStore();
    const c = clock();
    const a = new Leases(store, { owner: 'a', ttlMs: 1000, settleMs: 1, now: c.now });
    const b = new Leases(store, { owner: 'b', ttlMs: 1000, settleMs: 1, now: c.now });
    const la = await a.acquire('t', 'w1');
    expect(la).toBeDefined();
    expect(await b.acquire('t', 'w1')).toBeUndefined();
    expect(await b.acquire('t', 'w2')).toBeDefined();
    await la!.release();
    const lb = await b.acquire('t', 'w1');
    expect(lb).toBeDefined();
    c.t += 1001;
    const la2 = await a.acquire('t', 'w1');
    expect(la2).toBeDefined();
    // b's lease ran out and a holds the window now: b can neither renew nor release a's lease.
    const err = await lb!.renew().catch((e) => e);
    expect(isSpanbaseError(err, CompactorLeaseLost)).toBe(true);
    await lb!.release();
    expect(await store.get(leaseKey('t', 'w1'))).toBeDefined();
  });

  it('refuses to renew a lease that ran out, even when nobody took it', async () => {
    const store = new MemoryStore();
    const c = clock();
    const l = await new Leases(store, { ttlMs: 1000, settleMs: 1, now: c.now }).acquire('t', 'w');
    await l!.renew();
    c.t += 999;
    await l!.renew();
    c.t += 1000;
    await expect(l!.renew()).rejects.toThrow(/expired/);
  });

  it('lets exactly one of many racing compactors win a window', async () => {
    const store = new MemoryStore();
    const c = clock();
    const contenders = Array.from({ length: 8 }, (_, i) => new Leases(store, { owner: `c${i}`, ttlMs: 10_000, settleMs: 20, now: c.now }));
    const got = await Promise.all(contenders.map((l) => l.acquire('t', 'w')));
    expect(got.filter(Boolean)).toHaveLength(1);
  });

  it('lists the outputs announced in unexpired leases and sweeps dead ones', async () => {
    const store = new MemoryStore();
    const c = clock();
    const leases = new Leases(store, { ttlMs: 1000, settleMs: 1, now: c.now });
    const l1 = await leases.acquire('t', 'w1');
    const l2 = await leases.acquire('t', 'w2');
    await l1!.renew(['out-1']);
    await l2!.renew(['out-2', 'out-3']);
    expect([...(await leases.activeOutputs('t'))].sort()).toEqual(['out-1', 'out-2', 'out-3']);
    expect(l2!.outputs).toEqual(['out-2', 'out-3']);
    c.t += 1001;
    expect(await leases.activeOutputs('t')).toEqual(new Set());
    await leases.sweep('t', 5000);
    expect((await store.list('~compactor/')).objects).toHaveLength(2);
    c.t += 5000;
    await leases.sweep('t', 5000);
    expect((await store.list('~compactor/')).objects).toHaveLength(0);
  });

  it('keeps a lease alive while a job runs and reports when it is lost', async () => {
    const store = new MemoryStore();
    // Long enough that a loaded machine's late timers do not let it lapse between renewals.
    const l = await new Leases(store, { ttlMs: 900, settleMs: 1 }).acquire('t', 'w');
    const lost: Error[] = [];
    const stop = l!.keepAlive((e) => lost.push(e));
    const read = async () => JSON.parse(new TextDecoder().decode(await store.get(leaseKey('t', 'w')))) as { expiresAt: number };
    const first = (await read()).expiresAt;
    // Outlives its first term: renewed.
    await new Promise((r) => setTimeout(r, 1200));
    expect(lost).toEqual([]);
    expect((await read()).expiresAt).toBeGreaterThan(first);
    await store.put(leaseKey('t', 'w'), new TextEncoder().encode(JSON.stringify({ owner: 'x', token: 'other', window: 'w', expiresAt: Date.now() + 60_000, outputs: [] })));
    for (let i = 0; i < 100 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(lost).toHaveLength(1);
    expect(isSpanbaseError(lost[0], CompactorLeaseLost)).toBe(true);
  });

  it('takes over at once a lease whose holder on this host is gone, never one of a live or distant holder', async () => {
    const store = new MemoryStore();
    const c = clock();
    const leave = (owner: string, window: string) =>
      store.put(leaseKey('t', window), new TextEncoder().encode(JSON.stringify({ owner, token: `left-by-${owner}`, window, expiresAt: c.t + 60_000, outputs: [] })));
    // A process that ran here and has exited (and was reaped): its pid is no longer in use.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await leave(`${hostname()}/${dead}`, 'dead');
    await leave(`${hostname()}/${process.pid}`, 'alive');
    await leave(`another-host.invalid/${dead}`, 'far');
    await leave('restarted', 'earlier-life');
    const mine = new Leases(store, { owner: 'restarted', ttlMs: 1000, settleMs: 1, now: c.now });
    expect(await mine.acquire('t', 'dead')).toBeDefined();
    expect(await mine.acquire('t', 'alive')).toBeUndefined();
    expect(await mine.acquire('t', 'far')).toBeUndefined();
    // Its own name, from before a restart (a container comes back as pid 1 with the same host name).
    expect(await mine.acquire('t', 'earlier-life')).toBeDefined();
    // A lease this process holds is never taken, even by a second compactor of the same name.
    const twin = new Leases(store, { owner: 'restarted', ttlMs: 1000, settleMs: 1, now: c.now });
    expect(await twin.acquire('t', 'earlier-life')).toBeUndefined();
    expect(await twin.acquire('t', 'dead')).toBeUndefined();
  });
});
