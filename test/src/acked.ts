// Bookkeeping for "acknowledged means kept" tests: batches of spans that join earlier traces,
// the spans the server acknowledged (and those it refused), and the check after a restart that
// every acknowledged span comes back exactly once.
import { bytesToHex, hexToBytes } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { expect } from 'vitest';
import type { ChildSpanbase } from './harness.ts';
import { randomHex } from './otel.ts';
import { request, span } from './spans.ts';

/** The span ids of one trace that were acknowledged (or refused). */
export interface Sent {
  traceId: string;
  spanIds: Set<string>;
}

/** Spans by trace id (hex). */
export type SentSpans = Map<string, Sent>;

/** Span ids (hex) of the copies of a trace's spans the server returns; [] when it has none. */
export type SpanLookup = (traceId: string) => Promise<string[]>;

/** A request of `n` spans; half join traces of `traces`, so traces span many requests. */
export function batch(traces: SentSpans, n: number): { body: Uint8Array; spans: Span[] } {
  const ids = [...traces.keys()];
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = ids.length > 0 && i % 2 === 0 ? ids[Math.floor(Math.random() * ids.length)] : randomHex(16);
    spans.push(span({ traceId: hexToBytes(traceId)!, name: `op-${i}` }));
  }
  return { body: encodeTracesData(request(spans)), spans };
}

/** Records `spans` in `traces`. */
export function ack(traces: SentSpans, spans: Span[]): void {
  for (const s of spans) {
    const t = bytesToHex(s.traceId);
    let e = traces.get(t);
    if (!e) {
      e = { traceId: t, spanIds: new Set() };
      traces.set(t, e);
    }
    e.spanIds.add(bytesToHex(s.spanId));
  }
}

/** Number of spans in `traces`. */
export function spanCount(traces: SentSpans): number {
  let n = 0;
  for (const t of traces.values()) n += t.spanIds.size;
  return n;
}

/** POSTs an OTLP/HTTP protobuf body; the status, or -1 when the process died under the request. */
export async function send(sb: Pick<ChildSpanbase, 'otlpHttp'>, body: Uint8Array): Promise<number> {
  try {
    const r = await fetch(sb.otlpHttp, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return -1; // not acknowledged
  }
}

/** Looks spans up over the Tempo trace-by-id API. */
export function httpLookup(sb: Pick<ChildSpanbase, 'api'>): SpanLookup {
  return async (traceId) => {
    const r = await fetch(`${sb.api}/api/traces/${traceId}`);
    if (r.status === 404) return [];
    expect(r.status).toBe(200);
    const body = (await r.json()) as { batches: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
    return body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans.map((x) => Buffer.from(x.spanId, 'base64').toString('hex'))));
  };
}

/** Asserts every span of `traces` is returned exactly once; resolves with how many were checked. */
export async function expectAllOnce(lookup: SpanLookup, traces: SentSpans): Promise<number> {
  let n = 0;
  for (const t of traces.values()) {
    const got = await lookup(t.traceId);
    for (const id of t.spanIds) expect(got.filter((g) => g === id), `span ${id} of trace ${t.traceId}`).toHaveLength(1);
    n += t.spanIds.size;
  }
  return n;
}

/** Asserts no span of `traces` is returned; resolves with how many were checked. */
export async function expectNone(lookup: SpanLookup, traces: SentSpans): Promise<number> {
  let n = 0;
  for (const t of traces.values()) {
    const got = new Set(await lookup(t.traceId));
    for (const id of t.spanIds) expect(got.has(id), `span ${id} of trace ${t.traceId}`).toBe(false);
    n += t.spanIds.size;
  }
  return n;
}

/**
 * SIGKILLs `proc` while `n` pushes are in flight; the pushes answered before the kill count as
 * acknowledged (each `push` records its own outcome). Resolves once the process is gone.
 */
export async function killMidBurst(proc: { kill(signal: NodeJS.Signals): boolean }, exited: Promise<unknown>, push: () => Promise<unknown>, n = 10): Promise<void> {
  const inflight = Array.from({ length: n }, push);
  await new Promise((r) => setTimeout(r, 3));
  proc.kill('SIGKILL');
  await Promise.all(inflight);
  await exited;
}
