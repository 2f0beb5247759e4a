// The S3 store as the real AWS SDK drives it, through a flaky TCP proxy in front of s3rver: for each
// operation and each network fault (reset, silence, a body cut short, a slow answer, an answer lost
// after the request took effect), the store either returns exactly what is stored, or fails with
// a retryable STORE_ERR_REQUEST within a bounded time; and once the network heals, the retry
// policy gets the right answer. Never wrong bytes, never a hang.
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store, StoreRequest, isRetryableError, withRetry } from '@spanbase/backend';
import type { ObjectStore } from '@spanbase/backend';
import { isSpanbaseError } from '@spanbase/model';
import { s3TestConfig } from '../setup/s3.ts';
import { startFlakyProxy } from '../src/flaky-proxy.ts';
import type { ProxyFault } from '../src/flaky-proxy.ts';

const TIMEOUT_MS = 400;
const ATTEMPTS = 3;
const cfg = s3TestConfig();
const direct = new S3Store({ ...cfg, credentials: cfg });
const proxy = await startFlakyProxy(cfg.endpoint, { bytesPerSecond: 256 * 1024 });
const viaProxy = new S3Store({ ...cfg, credentials: cfg, endpoint: proxy.endpoint, requestTimeoutMs: TIMEOUT_MS });
const store = withRetry(viaProxy, { maxAttempts: ATTEMPTS, baseDelayMs: 20 });
afterAll(async () => {
  direct.close();
  viaProxy.close();
  await proxy.close();
});

const BIG = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
const ops = ['get', 'getRange', 'head', 'list', 'put', 'delete'] as const;
type Op = (typeof ops)[number];
let n = 0;

/** Runs `op` on fresh keys; returns a check that what it answered (if it answered) is right. */
async function attempt(s: ObjectStore, op: Op): Promise<{ result: unknown; check: () => Promise<void> }> {
  const key = `p${++n}/obj`;
  await direct.put(key, BIG);
  const run = async () => {
    switch (op) {
      case 'get': return s.get(key);
      case 'getRange': return s.getRange(key, 1000, 200_000);
      case 'head': return s.head(key);
      case 'list': return s.list(`p${n}/`);
      case 'put': return s.put(`${key}.new`, BIG);
      case 'delete': return s.delete(key);
    }
  };
  const result = await run().catch((e: unknown) => ({ failed: e }));
  const check = async () => {
    if (result && typeof result === 'object' && 'failed' in result) throw result.failed;
    if (op === 'get') expect(Buffer.compare(result as Uint8Array, BIG)).toBe(0);
    if (op === 'getRange') expect(Buffer.compare(result as Uint8Array, BIG.subarray(1000, 201_000))).toBe(0);
    if (op === 'head') expect((result as { size: number }).size).toBe(BIG.length);
    if (op === 'list') expect((result as { objects: { key: string }[] }).objects.map((o) => o.key)).toEqual([key]);
    if (op === 'put') expect(Buffer.compare((await direct.get(`${key}.new`))!, BIG)).toBe(0);
    if (op === 'delete') expect(await direct.get(key)).toBeUndefined();
  };
  return { result, check };
}

const failed = (r: unknown): unknown => (r && typeof r === 'object' && 'failed' in r ? r.failed : undefined);

describe('S3 store behind a flaky network', () => {
  const broken: ProxyFault[] = ['reset', 'stall', 'truncate', 'lost-reply'];
  for (const fault of broken) {
    for (const op of ops) {
      it(`${fault} on every ${op}: a retryable error in bounded time, or the right answer`, async () => {
        proxy.set(fault);
        const before = proxy.faulted;
        const t0 = performance.now();
        const { result, check } = await attempt(store, op);
        const ms = performance.now() - t0;
        proxy.set(undefined);
        expect(proxy.faulted - before).toBeGreaterThan(0);
        // Each attempt waits at most the idle timeout, plus backoff and the set-up put.
        expect(ms).toBeLessThan(ATTEMPTS * (TIMEOUT_MS + 300) + 2000);
        const err = failed(result);
        if (err === undefined) {
          // Only an answer without a body to cut (head, put, delete) may get through a truncation.
          expect(fault === 'truncate' && ['head', 'put', 'delete'].includes(op), `${op} answered through ${fault}`).toBe(true);
          await check();
          return;
        }
        expect(isSpanbaseError(err, StoreRequest), String(err)).toBe(true);
        expect(isRetryableError(err)).toBe(true);
        if (fault === 'lost-reply' && (op === 'put' || op === 'delete')) {
          // The request took effect although every attempt saw an error.
          if (op === 'put') expect((await direct.head(`p${n}/obj.new`))?.size).toBe(BIG.length);
          else expect(await direct.head(`p${n}/obj`)).toBeUndefined();
        }
      });

      it(`${fault} on the first ${op}, then healed: the retry answers right`, async () => {
        proxy.set(fault, 1);
        const { check } = await attempt(store, op);
        proxy.set(undefined);
        await check();
      });
    }
  }

  for (const op of ops) {
    it(`slow answers to ${op}: right, only later`, async () => {
      proxy.set('slow');
      const { check } = await attempt(store, op);
      proxy.set(undefined);
      await check();
    });
  }
});
