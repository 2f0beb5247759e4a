// Zipkin spans acknowledged with 202 are in the WAL: the binary is killed with SIGKILL while
// batches are in flight, restarted on the same data directory, and every acknowledged span is
// found again, once.
import { describe, expect, it } from 'vitest';
import { spawnSpanbase, tempDir } from '../src/harness.ts';

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

describe('Zipkin ingest across SIGKILL', () => {
  it('keeps every acknowledged span, exactly once', async () => {
    const dir = tempDir('sb-zipkin-crash-');
    const sb = await spawnSpanbase(dir, ['--wal.fsync=interval']);
    const acked = new Set<number>();
    const ts = Date.now() * 1000;
    const send = async (b: number) => {
      // Four traces of five spans per batch.
      const spans = Array.from({ length: 20 }, (_, i) => ({ traceId: hex(b * 4 + Math.floor(i / 5) + 1, 32), id: hex(i + 1, 16), name: 'op', timestamp: ts + i, duration: 10, localEndpoint: { serviceName: 'crash-z' } }));
      try {
        const r = await fetch(`${sb.zipkin}/api/v2/spans`, { method: 'POST', body: JSON.stringify(spans), headers: { 'content-type': 'application/json' } });
        if (r.status === 202) acked.add(b);
      } catch {
        // killed mid-request: not acknowledged
      }
    };
    for (let b = 0; b < 20; b++) await send(b);
    const inflight = Array.from({ length: 20 }, (_, i) => send(20 + i));
    await new Promise((r) => setTimeout(r, 5));
    sb.proc.kill('SIGKILL');
    await Promise.all(inflight);
    await sb.exited;
    expect(acked.size).toBeGreaterThanOrEqual(20);

    const again = await spawnSpanbase(dir);
    try {
      for (const b of acked) {
        for (let t = 0; t < 4; t++) {
          const r = await fetch(`${again.zipkin}/api/v2/trace/${hex(b * 4 + t + 1, 32)}`);
          expect(r.status).toBe(200);
          const spans = (await r.json()) as { id: string }[];
          expect(spans.map((s) => s.id).sort()).toEqual(Array.from({ length: 5 }, (_, i) => hex(t * 5 + i + 1, 16)));
        }
      }
    } finally {
      again.proc.kill('SIGKILL');
      await again.exited;
    }
  }, 120_000);
});
