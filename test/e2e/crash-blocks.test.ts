// Acceptance (#3): SIGKILL during a block upload (data written, meta.json not yet), right after a
// block became durable (before its WAL records are released), and while WAL segments are being
// deleted. After a restart every acknowledged span is returned exactly once — from memory at
// first, and from blocks once the restarted process has flushed again.
import { bytesToHex } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { describe, expect, it } from 'vitest';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const FAST = ['--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=200ms', '--ingester.flush-check-period=50ms', '--wal.segment-bytes=8KiB'];

async function sendBatch(sb: ChildSpanbase, acked: Span[], n = 20): Promise<void> {
  const spans = Array.from({ length: n }, () => span());
  // Half the spans join traces sent earlier, so traces straddle blocks and segments.
  for (let i = 0; i < spans.length && acked.length > 0; i += 2) spans[i] = span({ traceId: acked[Math.floor(Math.random() * acked.length)].traceId });
  const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf' } });
  expect(r.status).toBe(200);
  acked.push(...spans);
}

async function waitFor(sb: ChildSpanbase, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!sb.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" never appeared:\n${sb.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectExactlyOnce(sb: ChildSpanbase, acked: Span[]): Promise<void> {
  const byTrace = new Map<string, string[]>();
  for (const s of acked) {
    const t = bytesToHex(s.traceId);
    byTrace.set(t, [...(byTrace.get(t) ?? []), bytesToHex(s.spanId)]);
  }
  for (const [trace, spans] of byTrace) {
    const r = await fetch(`${sb.api}/api/traces/${trace}`);
    expect(r.status, `trace ${trace}`).toBe(200);
    const body = (await r.json()) as { batches: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
    const got = body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans.map((x) => Buffer.from(x.spanId, 'base64').toString('hex'))));
    expect([...got].sort(), `trace ${trace}`).toEqual([...spans].sort());
  }
}

async function waitMemoryEmpty(sb: ChildSpanbase): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = await (await fetch(`${sb.api}/metrics`)).text();
    if (/spanbase_ingester_memory_bytes 0\b/.test(m)) return;
    if (Date.now() > deadline) throw new Error('the restarted process did not flush');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['block-before-meta', 'flush-after-meta', 'wal-delete'])('SIGKILL at %s', (fault) => {
  it('loses nothing and shows nothing twice', async () => {
    const dir = tempDir('sb-crash-blocks-');
    const sb = await spawnSpanbase(dir, FAST, { SPANBASE_FAULT: fault });
    const acked: Span[] = [];
    for (let i = 0; i < 5; i++) await sendBatch(sb, acked);
    await waitFor(sb, `FAULT ${fault}`);
    // Ingest keeps being acknowledged while the flush is stuck.
    for (let i = 0; i < 3; i++) await sendBatch(sb, acked);
    sb.proc.kill('SIGKILL');
    await sb.exited;

    const again = await spawnSpanbase(dir, FAST);
    try {
      await expectExactlyOnce(again, acked);
      await waitMemoryEmpty(again);
      await expectExactlyOnce(again, acked);
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  });
});
