// Fault injection as a wrapper (STYLE rule 2), for tests: an ObjectStore in, one that fails some of
// its operations out, the way S3 APIs fail in practice: 5xx answers, timeouts, reset connections,
// slow answers, bodies cut short, and requests that took effect although the client saw an error
// (a PUT stored, a DELETE done, the reply lost). Each injected failure is the error S3Store raises
// for the real thing, a STORE_ERR_REQUEST whose cause has the SDK's name, code and status (as a
// flaky TCP proxy in front of s3rver shows them), so retries, metrics and callers meet what they
// meet in production.
//
// Nothing builds it unless asked: createObjectStore adds it for a `faults` config or the
// SPANBASE_STORE_FAULTS environment variable only (factory.ts; docs/storage.md says how, and
// docs/design/2026-12 Object store faults.md why).
import { statSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreConfig, StoreRequest } from './errors.ts';
import type { StoreOp } from './metrics.ts';
import type { ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** What can go wrong. */
export const FaultKinds = ['server-error', 'timeout', 'reset', 'slow', 'short-read', 'lost-reply'] as const;
/**
 * `server-error`: a 5xx answer, nothing done. `timeout`: no answer; after `delayMs` the client
 * gives up, nothing done. `reset`: the connection is reset before an answer, nothing done. `slow`:
 * the answer comes after `delayMs`. `short-read`: the body of a get, getRange or list is cut
 * short. `lost-reply`: the operation takes effect (the object is stored or deleted) but the
 * connection is reset before the answer.
 */
export type FaultKind = (typeof FaultKinds)[number];

/** One rule of a fault plan: which operations fail, and how. */
export interface FaultRule {
  /** What goes wrong. */
  fault: FaultKind;
  /** Operations it hits; every one when absent. */
  ops?: StoreOp[];
  /** A regular expression the key (or list prefix) must match; every key when absent. */
  key?: string;
  /** Share of the matching operations hit, in [0, 1] (default 1). */
  rate?: number;
  /** Hits at most this many operations (per wrapper, counted since the plan last changed). */
  times?: number;
  /** `slow`: wait before answering (default 200 ms); `timeout`: before giving up (default 50 ms). */
  delayMs?: number;
  /** `server-error`: the HTTP status (default 500, InternalError; 503 is SlowDown). */
  status?: number;
}

/** A set of rules; the first that matches an operation (and wins its `rate` draw) applies. */
export interface FaultPlan {
  rules: FaultRule[];
}

/** Where a faulty store reads its plan: fixed, or asked before every operation. */
export type FaultSource = FaultPlan | (() => FaultPlan);

/** A store with faults, and what it injected. */
export interface FaultyObjectStore extends ObjectStore {
  /** Operations failed or slowed so far, of one kind or all. */
  injected(kind?: FaultKind): number;
}

const BODY_OPS: ReadonlySet<StoreOp> = new Set(['get', 'getRange', 'list']);

/** The error S3Store raises when the SDK meets `fault` (see s3-store.ts, send()). */
function faultError(op: StoreOp, key: string, rule: FaultRule): Error {
  const sdk = (name: string, message: string, extra: object) => Object.assign(new Error(message), { name, ...extra });
  let cause: Error;
  switch (rule.fault) {
    case 'server-error': {
      const status = rule.status ?? 500;
      cause = sdk(status === 503 ? 'SlowDown' : status === 500 ? 'InternalError' : 'ServiceError', `injected HTTP ${status}`, { $metadata: { httpStatusCode: status }, $fault: 'server' });
      break;
    }
    case 'timeout':
      cause = sdk('TimeoutError', `the request socket timed out after ${rule.delayMs ?? 50} ms of inactivity (injected)`, {});
      break;
    case 'short-read':
      cause = sdk('Error', 'aborted (injected: the body was cut short)', { code: 'ECONNRESET' });
      break;
    default:
      cause = sdk('Error', `socket hang up (injected ${rule.fault})`, { code: 'ECONNRESET' });
  }
  const status = (cause as { $metadata?: { httpStatusCode: number } }).$metadata?.httpStatusCode;
  return StoreRequest(`${op} '${key}' failed: ${cause.name}${status ? ` (${status})` : ''}: ${cause.message}`, { cause });
}

async function drain(body: PutBody): Promise<void> {
  if (body instanceof Uint8Array) return;
  for await (const chunk of body) void chunk;
}

/**
 * Fails or slows operations of `store` as `source` says. `random` draws for `rate` (tests pin
 * it). A put with a streamed body that fails reads the stream first: the request was sent.
 */
export function withFaults(store: ObjectStore, source: FaultSource, random: () => number = Math.random): FaultyObjectStore {
  const planOf = typeof source === 'function' ? source : () => source;
  let lastPlan: FaultPlan | undefined;
  let hits: number[] = [];
  const counts = new Map<FaultKind, number>();

  /** The rule that applies to this operation, counted; undefined when none does. */
  function pick(op: StoreOp, key: string): FaultRule | undefined {
    const plan = planOf();
    if (plan !== lastPlan) {
      lastPlan = plan;
      hits = plan.rules.map(() => 0);
    }
    for (let i = 0; i < plan.rules.length; i++) {
      const r = plan.rules[i];
      if (r.ops && !r.ops.includes(op)) continue;
      if (r.fault === 'short-read' && !BODY_OPS.has(op)) continue;
      if (r.key !== undefined && !new RegExp(r.key).test(key)) continue;
      if (r.times !== undefined && hits[i] >= r.times) continue;
      if (r.rate !== undefined && random() >= r.rate) continue;
      hits[i]++;
      counts.set(r.fault, (counts.get(r.fault) ?? 0) + 1);
      return r;
    }
    return undefined;
  }

  async function run<T>(op: StoreOp, key: string, o: OpOptions | undefined, real: () => Promise<T>, body?: PutBody): Promise<T> {
    const rule = pick(op, key);
    if (!rule) return real();
    const wait = (ms: number) => sleep(ms, undefined, { signal: o?.signal }).catch((err: unknown) => {
      throw o?.signal?.aborted ? o.signal.reason : err;
    });
    switch (rule.fault) {
      case 'slow':
        await wait(rule.delayMs ?? 200);
        return real();
      case 'short-read':
      case 'lost-reply':
        await real();
        throw faultError(op, key, rule);
      case 'timeout':
        if (body) await drain(body);
        await wait(rule.delayMs ?? 50);
        throw faultError(op, key, rule);
      default:
        if (body) await drain(body);
        throw faultError(op, key, rule);
    }
  }

  return {
    get: (key, o) => run('get', key, o, () => store.get(key, o)),
    getRange: (key, offset, length, o) => run('getRange', key, o, () => store.getRange(key, offset, length, o)),
    head: (key, o) => run('head', key, o, () => store.head(key, o)),
    put: (key, body, o) => run('put', key, o, () => store.put(key, body, o), body),
    delete: (key, o) => run('delete', key, o, () => store.delete(key, o)),
    list: (prefix, o) => run('list', prefix, o, () => store.list(prefix, o)),
    injected: (kind) => (kind ? (counts.get(kind) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0)),
  };
}

/** Checks a plan read from outside; throws STORE_ERR_CONFIG naming what is wrong. */
export function checkFaultPlan(plan: unknown, where: string): FaultPlan {
  const rules = (plan as FaultPlan | undefined)?.rules;
  if (!Array.isArray(rules)) throw StoreConfig(`${where}: a fault plan is {"rules": [...]}`);
  for (const r of rules as FaultRule[]) {
    if (!FaultKinds.includes(r?.fault)) throw StoreConfig(`${where}: unknown fault ${JSON.stringify(r?.fault)} (expected one of ${FaultKinds.join(', ')})`);
    if (r.key !== undefined) new RegExp(r.key);
  }
  return plan as FaultPlan;
}

/**
 * A plan kept in a JSON file, read again whenever the file changes, so a test can break and heal
 * the store of a running server, its worker threads and child processes alike. No file means no
 * faults; a file that does not parse (caught mid-write) leaves the previous plan in force. Write
 * it with a rename to change it atomically.
 */
export function faultPlanFile(path: string): () => FaultPlan {
  let stamp = '';
  let plan: FaultPlan = { rules: [] };
  return () => {
    let now: string;
    try {
      const st = statSync(path);
      now = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      now = 'none';
    }
    if (now === stamp) return plan;
    stamp = now;
    if (now === 'none') return (plan = { rules: [] });
    try {
      plan = checkFaultPlan(JSON.parse(readFileSync(path, 'utf8')), path);
    } catch {
      // Keep the previous plan; a later change of the file is read again.
    }
    return plan;
  };
}
