import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { StoreConfig, StoreRequest } from './errors.ts';
import { FAULTS_ENV, createObjectStore, faultsOf } from './factory.ts';
import type { FaultKind, FaultPlan, FaultRule } from './faults.ts';
import { FaultKinds, faultPlanFile, withFaults } from './faults.ts';
import { MemoryStore } from './memory-store.ts';
import { CountingSink, StoreOps, withMetrics } from './metrics.ts';
import type { StoreOp } from './metrics.ts';
import type { ObjectStore } from './object-store.ts';
import { chunked, describeObjectStore, patternBytes } from './object-store.conformance.ts';
import { isRetryableError, withRetry } from './retry.ts';

const dir = await mkdtemp(join(tmpdir(), 'spanbase-faults-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describeObjectStore('memory behind withFaults with no rules', () => withFaults(new MemoryStore(), { rules: [] }));

const DATA = new Uint8Array([1, 2, 3, 4, 5]);

/** Runs one operation of each kind against `store` (k exists, gone does not). */
function call(store: ObjectStore, op: StoreOp): Promise<unknown> {
  switch (op) {
    case 'get': return store.get('t/k');
    case 'getRange': return store.getRange('t/k', 1, 2);
    case 'head': return store.head('t/k');
    case 'put': return store.put('t/new', DATA);
    case 'delete': return store.delete('t/k');
    case 'list': return store.list('t/');
  }
}

async function fresh(rule: FaultRule) {
  const inner = new MemoryStore();
  await inner.put('t/k', DATA);
  return { inner, store: withFaults(inner, { rules: [rule] }) };
}

/** Whether the operation took effect on the inner store. */
async function tookEffect(inner: ObjectStore, op: StoreOp): Promise<boolean | undefined> {
  if (op === 'put') return (await inner.get('t/new')) !== undefined;
  if (op === 'delete') return (await inner.get('t/k')) === undefined;
  return undefined;
}

describe('withFaults', () => {
  const failing = FaultKinds.filter((k) => k !== 'slow');
  for (const fault of failing) {
    for (const op of StoreOps) {
      it(`${fault} on ${op}: a retryable STORE_ERR_REQUEST, ${fault === 'lost-reply' ? 'after' : 'without'} doing it`, async () => {
        const { inner, store } = await fresh({ fault, delayMs: 1 });
        if (fault === 'short-read' && !['get', 'getRange', 'list'].includes(op)) {
          // Nothing to cut short: the operation passes.
          await call(store, op);
          expect(store.injected()).toBe(0);
          return;
        }
        const err = await call(store, op).catch((e: unknown) => e);
        expect(isSpanbaseError(err, StoreRequest), String(err)).toBe(true);
        expect(isRetryableError(err)).toBe(true);
        expect((err as Error).message).toContain(`${op} 't/`);
        expect(store.injected(fault)).toBe(1);
        const effect = await tookEffect(inner, op);
        if (effect !== undefined) expect(effect).toBe(fault === 'lost-reply');
      });
    }
  }

  it('server-error carries the status the retry policy reads', async () => {
    const { store } = await fresh({ fault: 'server-error', status: 503 });
    const err = (await store.get('t/k').catch((e: unknown) => e)) as Error & { cause: { name: string; $metadata: { httpStatusCode: number } } };
    expect(err.cause.name).toBe('SlowDown');
    expect(err.cause.$metadata.httpStatusCode).toBe(503);
    const notImplemented = withFaults(new MemoryStore(), { rules: [{ fault: 'server-error', status: 501 }] });
    expect(isRetryableError(await notImplemented.head('x').catch((e: unknown) => e))).toBe(true);
  });

  it('slow answers after the delay, with the real result', async () => {
    const { store } = await fresh({ fault: 'slow', delayMs: 60 });
    const t0 = performance.now();
    expect(await store.get('t/k')).toEqual(DATA);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(store.injected('slow')).toBe(1);
  });

  it('timeout waits its delay before failing, and an abort ends the wait at once', async () => {
    const { store } = await fresh({ fault: 'timeout', delayMs: 60 });
    const t0 = performance.now();
    await expect(store.head('t/k')).rejects.toMatchObject({ code: 'STORE_ERR_REQUEST', cause: { name: 'TimeoutError' } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    const slow = withFaults(new MemoryStore(), { rules: [{ fault: 'slow', delayMs: 10_000 }] });
    const ac = new AbortController();
    const reason = new Error('gone');
    setTimeout(() => ac.abort(reason), 10);
    await expect(slow.get('x', { signal: ac.signal })).rejects.toBe(reason);
  });

  it('matches rules by op and key, counts `times`, draws `rate`, first match wins', async () => {
    const draws = [0.9, 0.1];
    const plan: FaultPlan = {
      rules: [
        { fault: 'reset', ops: ['put'], key: '/meta\\.json$', times: 2 },
        { fault: 'server-error', ops: ['get'], rate: 0.5 },
      ],
    };
    const store = withFaults(new MemoryStore(), plan, () => draws.shift() ?? 0);
    await store.put('b/data', DATA);
    await expect(store.put('b/meta.json', DATA)).rejects.toThrow(/reset/);
    await expect(store.put('b/meta.json', DATA)).rejects.toThrow(/reset/);
    await store.put('b/meta.json', DATA);
    expect(await store.get('b/data')).toEqual(DATA); // drew 0.9: spared
    await expect(store.get('b/data')).rejects.toThrow(/InternalError/); // drew 0.1
    expect(store.injected('reset')).toBe(2);
    expect(store.injected()).toBe(3);
  });

  it('under withRetry: bytes are put again, a consumed stream is not', async () => {
    const rule: FaultRule = { fault: 'server-error', ops: ['put'], times: 1 };
    const sink = new CountingSink();
    const inner = new MemoryStore();
    const store = withRetry(withMetrics(withFaults(inner, { rules: [rule] }), sink), { baseDelayMs: 1 });
    await store.put('a', patternBytes(100));
    expect(await inner.get('a')).toEqual(patternBytes(100));
    expect(sink.requests('put', 'error')).toBe(1);
    const streamed = withRetry(withFaults(inner, { rules: [rule] }), { baseDelayMs: 1 });
    await expect(streamed.put('b', chunked(patternBytes(100), 7))).rejects.toMatchObject({ code: 'STORE_ERR_REQUEST' });
    expect(await inner.get('b')).toBeUndefined();
  });

  it('lost-reply under withRetry: stored once, the retry finds it done', async () => {
    const inner = new MemoryStore();
    const store = withRetry(withFaults(inner, { rules: [{ fault: 'lost-reply', ops: ['put', 'delete'], times: 1 }] }), { baseDelayMs: 1 });
    await store.put('a', DATA);
    expect(await inner.get('a')).toEqual(DATA);
    await store.delete('a'); // the retry deletes a missing object: not an error
    expect(await inner.get('a')).toBeUndefined();
  });
});

describe('faultPlanFile', () => {
  const writePlan = async (path: string, plan: unknown) => {
    await writeFile(path + '.tmp', typeof plan === 'string' ? plan : JSON.stringify(plan));
    await rename(path + '.tmp', path);
  };

  it('reads the plan again when the file changes; none without a file; keeps the last on garbage', async () => {
    const path = join(dir, 'plan.json');
    const store = withFaults(new MemoryStore(), faultPlanFile(path));
    await store.put('k', DATA);
    await writePlan(path, { rules: [{ fault: 'reset', ops: ['get'] }] });
    await expect(store.get('k')).rejects.toThrow(/reset/);
    await writePlan(path, '{"rules": [');
    await expect(store.get('k')).rejects.toThrow(/reset/);
    await writePlan(path, { rules: [{ fault: 'timeout', ops: ['get'], delayMs: 1, times: 1 }] });
    await expect(store.get('k')).rejects.toThrow(/timed out/);
    expect(await store.get('k')).toEqual(DATA);
    await rm(path);
    expect(await store.get('k')).toEqual(DATA);
  });
});

describe('createObjectStore faults', () => {
  it('come from the config or from SPANBASE_STORE_FAULTS, never otherwise', async () => {
    expect(faultsOf({ backend: 'memory' }, {})).toBeUndefined();
    expect(faultsOf({ backend: 'memory' }, { [FAULTS_ENV]: '/x.json' })).toEqual({ file: '/x.json' });
    const plan: FaultPlan = { rules: [{ fault: 'server-error', ops: ['head'] }] };
    expect(faultsOf({ backend: 'memory', faults: plan }, { [FAULTS_ENV]: '/x.json' })).toBe(plan);
    const sink = new CountingSink();
    const store = createObjectStore({ backend: 'memory', faults: plan, retry: { maxAttempts: 3, baseDelayMs: 1 } }, { metrics: sink });
    await expect(store.head('k')).rejects.toMatchObject({ code: 'STORE_ERR_REQUEST' });
    // Below metrics and retries: each injected failure is a failed request, retried.
    expect(sink.requests('head', 'error')).toBe(3);
  });

  it('refuses a plan with an unknown fault', () => {
    const bad = { rules: [{ fault: 'fire' as FaultKind }] };
    expect(() => createObjectStore({ backend: 'memory', faults: bad })).toThrow(expect.objectContaining({ code: StoreConfig.code }));
  });
});
