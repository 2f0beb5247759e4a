// Drives a sender (OTLP/HTTP or OTLP/gRPC) either flat out (a fixed number of requests always
// in flight) or open-loop at a target span rate. In open-loop mode latency is measured from when
// a request was due, not from when it went out, so a server that falls behind shows it in the
// latency instead of silently slowing the client down (no coordinated omission). A stuck server
// cannot stall the run: requests time out, and open-loop sending stops at twice the duration.
import type { ProgressStep } from '../progress.ts';
import { SampleBuffer } from '../stats.ts';
import type { Payload, PayloadCycler } from './payloads.ts';

/** Sends one body; resolves with `ok` or a short failure reason (`429`, `UNAVAILABLE`, `ECONNRESET`). */
export type Sender = (body: Buffer) => Promise<string>;

/** How to drive. */
export interface DriveOptions {
  /** The transport. */
  send: Sender;
  /** Where bodies come from. */
  payloads: PayloadCycler;
  /** Requests in flight (flat out), or the most allowed in flight (at a target rate). */
  concurrency: number;
  /** How long to keep sending, ms. */
  durationMs: number;
  /** Target spans per second; undefined means flat out. */
  spansPerSecond?: number;
  /** A request not answered within this many ms counts as a `timeout` failure and is no longer waited for (default 10 s). */
  timeoutMs?: number;
  /** Progress in seconds. */
  progress?: ProgressStep;
  /** Stops sending early (what is in flight is still waited for). */
  stop?: AbortSignal;
}

/** What happened. */
export interface DriveResult {
  /** From the first send to the last answer, ms. */
  elapsedMs: number;
  /** Requests answered. */
  requests: number;
  /** Requests answered with success. */
  ok: number;
  /** Failures by reason. */
  failures: Record<string, number>;
  /** Spans in successful requests. */
  acceptedSpans: number;
  /** Spans in all requests sent. */
  offeredSpans: number;
  /** Latency of each successful request, ms. */
  latencyMs: Float64Array;
  /** When each successful request was answered, ms since start. */
  doneAtMs: Float64Array;
  /** Spans of each successful request (same order as doneAtMs). */
  doneSpans: Float64Array;
  /** Open-loop only: requests that went out late because `concurrency` were already in flight. */
  late: number;
}

/** Runs the load; see DriveOptions. */
export async function drive(opts: DriveOptions): Promise<DriveResult> {
  const latency = new SampleBuffer();
  const doneAt = new SampleBuffer();
  const doneSpans = new SampleBuffer();
  const failures: Record<string, number> = {};
  let requests = 0;
  let acceptedSpans = 0;
  let offeredSpans = 0;
  let late = 0;
  let lastDone = 0;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;

  const one = async (p: Payload, dueMs: number): Promise<void> => {
    offeredSpans += p.spans;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      opts.send(p.body).catch((err: Error) => `error: ${(err as NodeJS.ErrnoException).code ?? err.message}`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    const t = now();
    lastDone = t;
    requests++;
    if (outcome === 'ok') {
      acceptedSpans += p.spans;
      latency.push(t - dueMs);
      doneAt.push(t);
      doneSpans.push(p.spans);
    } else {
      failures[outcome] = (failures[outcome] ?? 0) + 1;
    }
    opts.progress?.set(Math.min(t, opts.durationMs) / 1000);
  };

  if (opts.spansPerSecond === undefined) {
    const worker = async (): Promise<void> => {
      while (now() < opts.durationMs && !opts.stop?.aborted) await one(opts.payloads.next(), now());
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } else {
    const rate = opts.spansPerSecond;
    const inflight = new Set<Promise<void>>();
    let due = 0;
    // Past twice the duration the server is hopelessly behind; what was not sent by then is dropped.
    while (due < opts.durationMs && now() < opts.durationMs * 2 && !opts.stop?.aborted) {
      const t = now();
      if (t < due) {
        // At most 100 ms at a time, so a stop is noticed.
        await sleep(Math.min(100, due - t));
        continue;
      }
      if (inflight.size >= opts.concurrency) {
        late++;
        await Promise.race(inflight);
        continue;
      }
      const payload = opts.payloads.next();
      const p = one(payload, due).finally(() => inflight.delete(p));
      inflight.add(p);
      // The next request is due when this one's spans have been "spent" at the target rate.
      due += (payload.spans * 1000) / rate;
    }
    await Promise.all(inflight);
  }
  return {
    elapsedMs: Math.max(lastDone, 1), requests, ok: latency.length, failures, acceptedSpans, offeredSpans,
    latencyMs: latency.view().slice(), doneAtMs: doneAt.view().slice(), doneSpans: doneSpans.view().slice(), late,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
