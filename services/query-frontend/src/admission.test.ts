import { describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { QueryAdmission } from './admission.ts';
import { TooManyQueries } from './errors.ts';

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

const limits = { maxConcurrent: 2, perTenant: () => 2, maxQueued: 2, queueTimeoutMs: 5000 };

describe('QueryAdmission', () => {
  it('runs up to the global limit, queues a few more, and refuses the rest at once with 429', async () => {
    const a = new QueryAdmission(limits);
    const g = gate();
    const order: string[] = [];
    const job = (name: string) => a.run('t', async () => {
      order.push(`start ${name}`);
      await g.p;
      return name;
    });
    const runs = ['a', 'b', 'c', 'd'].map(job);
    const refused = await job('e').catch((e: unknown) => e);
    expect(isSpanbaseError(refused, TooManyQueries) && refused.retryAfterSeconds === 1).toBe(true);
    expect((refused as Error).message).toContain('--query.max-queued=2');
    await Promise.resolve();
    expect(order).toEqual(['start a', 'start b']);
    expect(a.stats()).toEqual({ running: 2, queued: 2, rejected: 1 });
    g.open();
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
    expect(a.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('serves waiting tenants in turn, so a busy tenant does not hold every freed slot', async () => {
    const a = new QueryAdmission({ maxConcurrent: 1, perTenant: () => 1, maxQueued: 10, queueTimeoutMs: 5000 });
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const job = (tenant: string, name: string) => a.run(tenant, () => new Promise<void>((r) => {
      order.push(name);
      gates.push(r);
    }));
    const all = [job('busy', 'b1'), job('busy', 'b2'), job('busy', 'b3'), job('quiet', 'q1')];
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1));
      gates.shift()!();
    }
    await Promise.all(all);
    expect(order).toEqual(['b1', 'b2', 'q1', 'b3']);
  });

  it('holds a tenant to its own limit while others run', async () => {
    const a = new QueryAdmission({ maxConcurrent: 4, perTenant: (t) => (t === 'small' ? 1 : 4), maxQueued: 0, queueTimeoutMs: 5000 });
    const g = gate();
    const first = a.run('small', () => g.p);
    const err = await a.run('small', async () => 1).catch((e: unknown) => e);
    expect((err as Error).message).toContain('--query.max-concurrent-per-tenant=1');
    expect(await a.run('big', async () => 2)).toBe(2);
    g.open();
    await first;
  });

  it('answers 429 after waiting too long, and forgets a waiter whose client went away', async () => {
    const a = new QueryAdmission({ maxConcurrent: 1, perTenant: () => 1, maxQueued: 5, queueTimeoutMs: 30 });
    const g = gate();
    const first = a.run('t', () => g.p);
    await expect(a.run('t', async () => 1)).rejects.toThrow('--query.queue-timeout');
    const ac = new AbortController();
    const gone = a.run('t', async () => 1, ac.signal);
    ac.abort(new Error('client went away'));
    await expect(gone).rejects.toThrow('client went away');
    expect(a.stats()).toMatchObject({ running: 1, queued: 0, rejected: 1 });
    g.open();
    await first;
  });
});
