// The frontend's job scheduler with queriers the test controls: slots bound what each runs, a
// waiting tenant is served before a busy tenant's next job, a job that fails on one querier runs
// on another (and an unreachable querier is avoided for a while), a query's own error is not
// retried, and aborting a query takes its jobs out of the queue and off the queriers.
import { RpcUnavailable } from '@spanbase/internal-api';
import type { Handlers, JobsService, SearchJob, SearchJobResult } from '@spanbase/internal-api';
import { createError, isSpanbaseError } from '@spanbase/model';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Querier } from './queriers.ts';
import { JobScheduler } from './scheduler.ts';

const BadQuery = createError('TQL_ERR_PARSE', 400);
const empty: SearchJobResult = { result: { traces: [], inspectedTraces: 0, inspectedSpans: 0 }, failures: [], inspectedBytes: 0, recentBlocks: [] };
const job = (query: string): SearchJob => ({ search: { query, limit: 20, spansPerSpanset: 3, start: 0n, end: 0n, maxResultBytes: 0 }, blocks: [], live: false });

interface Call {
  querier: string;
  tenant: string;
  query: string;
  finish(err?: Error): void;
  signal: AbortSignal;
}

/** A querier whose jobs wait until the test finishes them. */
function querier(name: string, slots: number, calls: Call[]): Querier {
  const search: Handlers<typeof JobsService>['Search'] = (req, ctx) =>
    new Promise((resolve, reject) => {
      calls.push({ querier: name, tenant: ctx.tenant, query: req.search.query, signal: ctx.signal, finish: (err) => (err ? reject(err) : resolve(empty)) });
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
  const unused = () => Promise.reject(new Error('not used'));
  return { name, slots, jobs: { Search: search, Metrics: unused, Tags: unused, FindTrace: unused, Dependencies: unused } };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('the job scheduler', () => {
  it('keeps each querier within its slots and serves tenants in turn', async () => {
    const calls: Call[] = [];
    const qs = [querier('q1', 1, calls), querier('q2', 1, calls)];
    const s = new JobScheduler({ queriers: () => qs, flag: 'f', maxRetries: 0 });
    const signal = new AbortController().signal;
    const done = [...['a1', 'a2', 'a3', 'a4'].map((q) => s.run('Search', 'busy', job(q), signal)), s.run('Search', 'small', job('b1'), signal)];
    await tick();
    expect(calls.map((c) => c.query)).toEqual(['a1', 'a2']);
    expect(s.stats()).toEqual({ queued: 3, running: 2 });
    calls[0].finish();
    await tick();
    // The small tenant's job goes before the busy tenant's third.
    expect(calls.map((c) => c.query)).toEqual(['a1', 'a2', 'b1']);
    for (let i = 1; i < 5; i++) {
      calls[i].finish();
      await tick();
    }
    await Promise.all(done);
    expect(calls.map((c) => c.query)).toEqual(['a1', 'a2', 'b1', 'a3', 'a4']);
    expect(s.stats()).toEqual({ queued: 0, running: 0 });
  });

  it('runs a job that failed on one querier again on another, and avoids an unreachable one', async () => {
    const calls: Call[] = [];
    const qs = [querier('q1', 4, calls), querier('q2', 4, calls)];
    const retried: string[] = [];
    const s = new JobScheduler({ queriers: () => qs, flag: 'f', maxRetries: 2, onRetry: (q) => retried.push(q) });
    const p = s.run('Search', 't', job('x'), new AbortController().signal);
    await tick();
    const first = calls[0].querier;
    calls[0].finish(RpcUnavailable(`${first} is unreachable`));
    await tick();
    expect(calls[1].querier).not.toBe(first);
    calls[1].finish();
    await p;
    expect(retried).toEqual([first]);
    // The unreachable querier gets no new job while the other has room.
    const next = s.run('Search', 't', job('y'), new AbortController().signal);
    await tick();
    expect(calls[2].querier).not.toBe(first);
    calls[2].finish();
    await next;
  });

  it('gives up after maxRetries with the last error, and never retries the query\'s own error', async () => {
    const calls: Call[] = [];
    const qs = [querier('q1', 4, calls), querier('q2', 4, calls)];
    const s = new JobScheduler({ queriers: () => qs, flag: 'f', maxRetries: 1 });
    const p = s.run('Search', 't', job('x'), new AbortController().signal).catch((e: unknown) => e);
    await tick();
    calls[0].finish(new Error('crashed'));
    await tick();
    calls[1].finish(new Error('crashed again'));
    expect(((await p) as Error).message).toBe('crashed again');
    const bad = s.run('Search', 't', job('{'), new AbortController().signal).catch((e: unknown) => e);
    await tick();
    calls[2].finish(BadQuery('unexpected end of query'));
    expect(isSpanbaseError(await bad, BadQuery)).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('takes an aborted query\'s jobs out of the queue and cancels the running ones', async () => {
    const calls: Call[] = [];
    const qs = [querier('q1', 1, calls)];
    const s = new JobScheduler({ queriers: () => qs, flag: 'f', maxRetries: 2 });
    const ac = new AbortController();
    const ps = [s.run('Search', 't', job('1'), ac.signal), s.run('Search', 't', job('2'), ac.signal)].map((p) => p.catch((e: unknown) => e));
    await tick();
    expect(s.stats()).toEqual({ queued: 1, running: 1 });
    ac.abort(new Error('client went away'));
    expect((await Promise.all(ps)).map((e) => (e as Error).message)).toEqual(['client went away', 'client went away']);
    expect(calls[0].signal.aborted).toBe(true);
    expect(calls).toHaveLength(1);
    expect(s.stats()).toEqual({ queued: 0, running: 0 });
  });

  it('runs live jobs at once even when every slot is taken, and fails at once without queriers', async () => {
    const calls: Call[] = [];
    const qs = [querier('q1', 1, calls)];
    const s = new JobScheduler({ queriers: () => qs, flag: '--query-frontend.querier-addresses', maxRetries: 0 });
    const signal = new AbortController().signal;
    const blocks = s.run('Search', 't', job('blocks'), signal);
    const live = s.run('Search', 't', job('live'), signal, true);
    await tick();
    expect(calls.map((c) => c.query)).toEqual(['blocks', 'live']);
    for (const c of calls) c.finish();
    await Promise.all([blocks, live]);
    const none = new JobScheduler({ queriers: () => [], flag: '--query-frontend.querier-addresses', maxRetries: 2 });
    const err = await none.run('Search', 't', job('x'), signal).catch((e: unknown) => e);
    expect(isSpanbaseError(err) && [err.code, err.statusCode]).toEqual(['RPC_ERR_NO_PEERS', 503]);
  });

  it('hands a metrics job\'s part channel only to a querier in this process, and does not run such a job again', async () => {
    const seen: { querier: string; channel: boolean }[] = [];
    const metricsQuerier = (name: string, local: boolean): Querier => ({
      name,
      slots: 1,
      local,
      jobs: {
        ...querier(name, 1, []).jobs,
        Metrics: async (_req, ctx) => {
          seen.push({ querier: name, channel: ctx.partChannel !== undefined });
          throw new Error(`${name} failed`);
        },
      },
    });
    const channel = { open: () => new MessageChannel().port2 };
    const req = { metrics: { query: '{} | rate()', request: { start: 0n, end: 60_000_000_000n, step: 1_000_000_000n } }, blocks: [], live: false };
    const signal = new AbortController().signal;
    // Apart, the channel stays here, and a failed job runs again elsewhere as any other.
    const remote = new JobScheduler({ queriers: () => [metricsQuerier('r1', false), metricsQuerier('r2', false)], flag: 'f', maxRetries: 1 });
    await expect(remote.run('Metrics', 't', req, signal, false, channel)).rejects.toThrow('failed');
    expect(seen).toEqual([{ querier: 'r1', channel: false }, { querier: 'r2', channel: false }]);
    seen.length = 0;
    // In this process the job gets the channel; having perhaps posted parts, it is not run again.
    const local = new JobScheduler({ queriers: () => [metricsQuerier('in-process', true)], flag: 'f', maxRetries: 2 });
    await expect(local.run('Metrics', 't', req, signal, false, channel)).rejects.toThrow('in-process failed');
    expect(seen).toEqual([{ querier: 'in-process', channel: true }]);
    seen.length = 0;
    // Without a channel it is retried as before.
    await expect(local.run('Metrics', 't', req, signal)).rejects.toThrow('in-process failed');
    expect(seen).toHaveLength(3);
  });
});
