// Acceptance (#2): the binary is killed with SIGKILL in the middle of a stream of acknowledged
// batches, restarted on the same data directory, and every acknowledged span comes back exactly
// once. Then a WAL whose last record is torn in half: the process starts and keeps every whole
// record.
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { describe, expect, it } from 'vitest';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { randomHex } from '../src/otel.ts';
import { request, span } from '../src/spans.ts';

interface Sent {
  traceId: string;
  spanIds: Set<string>;
}

async function countSpans(sb: ChildSpanbase, traceId: string): Promise<string[]> {
  const r = await fetch(`${sb.api}/api/traces/${traceId}`);
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  const body = (await r.json()) as { batches: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
  return body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans.map((x) => Buffer.from(x.spanId, 'base64').toString('hex'))));
}

function batch(traces: Map<string, Sent>, n: number): { body: Uint8Array; spans: Span[] } {
  // Spans of a few long-lived traces plus new ones, so traces span many requests.
  const ids = [...traces.keys()];
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = ids.length > 0 && i % 2 === 0 ? ids[Math.floor(Math.random() * ids.length)] : randomHex(16);
    spans.push(span({ traceId: hexToBytes(traceId)!, name: `op-${i}` }));
  }
  return { body: encodeTracesData(request(spans)), spans };
}

function ack(traces: Map<string, Sent>, spans: Span[]): void {
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

async function send(sb: ChildSpanbase, body: Uint8Array): Promise<number> {
  try {
    const r = await fetch(sb.otlpHttp, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    return r.status;
  } catch {
    return -1; // the process died under us: not acknowledged
  }
}

async function expectAllOnce(sb: ChildSpanbase, traces: Map<string, Sent>): Promise<void> {
  for (const t of traces.values()) {
    const got = await countSpans(sb, t.traceId);
    for (const id of t.spanIds) expect(got.filter((g) => g === id), `span ${id} of trace ${t.traceId}`).toHaveLength(1);
  }
}

describe('crash safety', () => {
  it('keeps every acknowledged span across SIGKILL, exactly once', async () => {
    const dir = tempDir('sb-crash-');
    const sb = await spawnSpanbase(dir, ['--wal.fsync=interval']);
    const acked = new Map<string, Sent>();
    for (let i = 0; i < 30; i++) {
      const { body, spans } = batch(acked, 40);
      if ((await send(sb, body)) === 200) ack(acked, spans);
    }
    // A burst of concurrent requests; kill the process while they are in flight.
    const inflight = Array.from({ length: 20 }, () => batch(acked, 40)).map(async ({ body, spans }) => {
      if ((await send(sb, body)) === 200) ack(acked, spans);
    });
    await new Promise((r) => setTimeout(r, 5));
    sb.proc.kill('SIGKILL');
    await Promise.all(inflight);
    await sb.exited;
    expect(acked.size).toBeGreaterThan(100);

    const again = await spawnSpanbase(dir);
    try {
      await expectAllOnce(again, acked);
      // And the restarted process keeps accepting.
      const { body, spans } = batch(acked, 10);
      expect(await send(again, body)).toBe(200);
      ack(acked, spans);
      await expectAllOnce(again, acked);
    } finally {
      again.proc.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    }
  });

  it('starts with a torn last WAL record and keeps every whole one', async () => {
    const dir = tempDir('sb-torn-');
    const sb = await spawnSpanbase(dir);
    const acked = new Map<string, Sent>();
    for (let i = 0; i < 10; i++) {
      const { body, spans } = batch(acked, 20);
      expect(await send(sb, body)).toBe(200);
      ack(acked, spans);
    }
    sb.proc.kill('SIGKILL');
    await sb.exited;
    const tenantDir = join(dir, 'wal', 'single-tenant');
    const segments = readdirSync(tenantDir).sort();
    const last = join(tenantDir, segments[segments.length - 1]);
    const bytes = readFileSync(last);
    // Half of a record: a length that promises more than the file holds.
    appendFileSync(last, bytes.subarray(8, 8 + Math.floor((bytes.length - 8) / 20)));
    const again = await spawnSpanbase(dir);
    try {
      expect(again.output()).toMatch(/torn or corrupt tail/);
      await expectAllOnce(again, acked);
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  });
});
